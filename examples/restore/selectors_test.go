package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// planIDs runs a dry run with --json and returns the ids of its plan.
func planIDs(t *testing.T, out string) (ids []string, notes []string) {
	t.Helper()
	ev := checkEvents(t, out)
	for _, p := range ev["plan"] {
		plan := p["plan"].(map[string]any)
		for _, it := range plan["items"].([]any) {
			ids = append(ids, itoa(int64(it.(map[string]any)["id"].(float64))))
		}
		if ns, ok := plan["notes"].([]any); ok {
			for _, n := range ns {
				notes = append(notes, n.(string))
			}
		}
	}
	slices.Sort(ids)
	return ids, notes
}

// The selectors given all apply; the ids and names a command line gives
// are one list; --all-deleted is no filter and comes alone; notes say why
// versions that match some selectors were left out.
func TestSelectorsAllApply(t *testing.T) {
	srv, d := fake(t)
	del := d.ImageDeleted // newest first: v1.2.0, untagged, v1.1.0, untagged, v1.0.0
	sorted := func(ids ...int64) []string {
		var s []string
		for _, id := range ids {
			s = append(s, itoa(id))
		}
		slices.Sort(s)
		return s
	}
	tests := []struct {
		name string
		sel  []string
		code int
		ids  []string
		note string
	}{
		{"all deleted", []string{"--all-deleted"}, exitOK, sorted(del...), ""},
		{"a tag", []string{"--tag", "v1.*"}, exitOK, sorted(del[0], del[2], del[4]), ""},
		{"two tags are alternatives", []string{"--tag", "v1.0.*", "--tag", "v1.1.*"}, exitOK, sorted(del[2], del[4]), ""},
		{"a tag and a window: both", []string{"--tag", "v1.*", "--deleted-since", "1h"}, exitOK, nil,
			"3 versions match tag v1.* but not deleted since "},
		{"a tag and an id: both", []string{"--tag", "v1.*", "--version-id", itoa(del[4])}, exitOK, sorted(del[4]), ""},
		{"an untagged id and a tag", []string{"--tag", "v1.*", "--version-id", itoa(del[1])}, exitOK, nil,
			"1 version matches id " + itoa(del[1]) + " but not tag v1.*"},
		{"ids and names are one list", []string{"--version-id", itoa(del[0]), "--version-name", versionName(t, srv, d, del[1])}, exitOK, sorted(del[0], del[1]), ""},
		{"a window alone", []string{"--deleted-since", "3d"}, exitOK, sorted(del...), ""},
		{"all-deleted with a tag", []string{"--all-deleted", "--tag", "v1.*"}, exitUsage, nil, ""},
		{"all-deleted with a window", []string{"--all-deleted", "--deleted-since", "1d"}, exitUsage, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := slices.Concat([]string{"--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--json"}, tt.sel)
			out, errOut, code := withToken(d).do(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s%s", code, tt.code, out, errOut)
			}
			if code == exitUsage {
				if !strings.Contains(out, "--all-deleted means no filter") {
					t.Errorf("the usage error does not say --all-deleted is no filter:\n%s", out)
				}
				return
			}
			ids, notes := planIDs(t, out)
			if !slices.Equal(ids, tt.ids) {
				t.Errorf("plan %v, want %v", ids, tt.ids)
			}
			if tt.note != "" && !slices.ContainsFunc(notes, func(n string) bool { return strings.HasPrefix(n, tt.note) }) {
				t.Errorf("notes %q, want one starting %q", notes, tt.note)
			}
			if tt.note == "" && len(notes) > 0 {
				t.Errorf("notes that say nothing: %q", notes)
			}
		})
	}
	if n := len(posts(srv)); n != 0 {
		t.Errorf("%d POSTs from dry runs", n)
	}
	out, _, _ := cliRun{}.do(t, "--help")
	if !strings.Contains(out, "every selector given applies") || !strings.Contains(strings.Join(strings.Fields(out), " "), "--all-deleted means no filter and cannot be combined with the others") {
		t.Error("--help does not state the selector rule")
	}
}

func versionName(t *testing.T, srv *apitest.Server, d apitest.Demo, id int64) string {
	t.Helper()
	v, ok := srv.LookupVersion(d.Image, id)
	if !ok {
		t.Fatalf("no version %d", id)
	}
	return v.Name
}

// No silent zeros: what the command line names and GitHub does not have
// is "not found" (exit 3) naming it, a wrong owner kind or type gets the
// flag that fixes it (exit 2), and a refused token exit 4 with the fix.
// Nothing is restored in any of these cases.
func TestNotFoundAndWrongKindSayWhatToFix(t *testing.T) {
	srv, d := fake(t)
	srv.AddUser("octocat")
	srv.AddToken(apitest.Token{Value: "ghp_" + strings.Repeat("r", 36), User: apitest.DemoUser, Scopes: []string{"read:packages", "write:packages"}})
	f := newImageFake(t)
	pkg := []string{"--type", "container", "--package", d.Image.Name}
	tests := []struct {
		name  string
		run   cliRun
		args  []string
		code  int
		want  string
		image bool
	}{
		{"version id", withToken(d), slices.Concat([]string{"--org", d.Org}, pkg, []string{"--version-id", "999999", "--apply"}), exitNotFound,
			"Version 999999 of octo-org/container/team/app was not found", false},
		{"digest", withToken(d), slices.Concat([]string{"--org", d.Org}, pkg, []string{"--version-name", "sha256:" + strings.Repeat("0", 64), "--apply"}), exitNotFound,
			"No deleted version of octo-org/container/team/app has the digest sha256:0000", false},
		{"an organization as --user", withToken(d), slices.Concat([]string{"--user", d.Org}, pkg, []string{"--all-deleted"}), exitUsage,
			"octo-org is an organization: use --org octo-org", false},
		{"a user as --org", withToken(d), slices.Concat([]string{"--org", "octocat"}, pkg, []string{"--all-deleted"}), exitUsage,
			"octocat is a user: use --user octocat", false},
		{"unknown owner", withToken(d), slices.Concat([]string{"--org", "nobody-here"}, pkg, []string{"--all-deleted"}), exitNotFound,
			"No organization or user nobody-here was found", false},
		{"another type", withToken(d), []string{"--org", d.Org, "--type", "docker", "--package", d.Image.Name, "--all-deleted"}, exitUsage,
			"team/app is a container package, not docker: use --type container", false},
		{"a package", withToken(d), []string{"--org", d.Org, "--type", "container", "--package", "team/ap", "--all-deleted"}, exitNotFound,
			"Package octo-org/container/team/ap was not found", false},
		{"a run", withToken(d), []string{"--base-url", srv.URL, "--undo-run", "octo-org/infra/5"}, exitNotFound,
			"Workflow run octo-org/infra/5 was not found", false},
		{"a refused token", cliRun{env: map[string]string{"GH_TOKEN": "ghp_" + strings.Repeat("x", 36)}}, slices.Concat([]string{"--org", d.Org}, pkg, []string{"--all-deleted"}), exitAuth,
			"GitHub refused the token (401)", false},
		{"a token without delete:packages", cliRun{env: map[string]string{"GH_TOKEN": "ghp_" + strings.Repeat("r", 36)}}, slices.Concat([]string{"--org", d.Org}, pkg, []string{"--all-deleted"}), exitAuth,
			"GitHub refused the permission (403)", false},
		{"an image tag", f.run, []string{"--image", "v1.4.9", "--apply"}, exitNotFound, "No version of octo-org/team/web has the tag v1.4.9", true},
		{"an image digest", f.run, []string{"--image", "sha256:" + strings.Repeat("e", 64)}, exitNotFound, "has the digest sha256:eeee", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut string
			var code int
			if tt.image {
				out, errOut, code = f.do(t, tt.args...)
			} else {
				args := tt.args
				if !slices.Contains(args, "--base-url") {
					args = append([]string{"--base-url", srv.URL}, args...)
				}
				out, errOut, code = tt.run.do(t, append(args, "--pacing", "0")...)
			}
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("exit %d, want %d and %q:\n%s%s", code, tt.code, tt.want, out, errOut)
			}
			if strings.Contains(out+errOut, "Restored 0") {
				t.Errorf("a silent zero:\n%s", out)
			}
		})
	}
	if n := len(posts(srv)) + len(posts(f.gh)); n != 0 {
		t.Errorf("%d restores sent", n)
	}
	// The nearest tags are suggested for an image tag no version has.
	out, _, _ := f.do(t, "--image", "v1.4.9")
	if !strings.Contains(out, "Nearest tags:\n  --image v1.4.0\n") {
		t.Errorf("no suggestion:\n%s", out)
	}
}

var _ = api.PackageTypeContainer
