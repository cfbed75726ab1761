package main

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// Every kind of line --json prints, from real runs against the fake,
// matches events.schema.json; and every kind the schema names is printed by
// one of these runs, so the schema describes what the tool does.
func TestEveryJSONEventMatchesTheSchema(t *testing.T) {
	seen := map[string]bool{}
	record := func(events map[string][]map[string]any) {
		for k := range events {
			seen[k] = true
		}
	}
	srv, d := fake(t)
	base := []string{"--base-url", srv.URL, "--pacing", "0", "--json"}
	pkg := []string{"--org", d.Org, "--type", "container", "--package", d.Image.Name}
	runs := []struct {
		name string
		args []string
		code int
	}{
		{"versions apply", slices.Concat(pkg, []string{"--version-id", itoa(d.ImageDeleted[0]), "--apply"}), exitOK},
		{"selection with notes", slices.Concat(pkg, []string{"--tag", "v1.*", "--deleted-since", "1h"}), exitOK},
		{"version not found", slices.Concat(pkg, []string{"--version-id", "999999"}), exitNotFound},
		{"package not found", []string{"--org", d.Org, "--type", "container", "--package", "team/ap", "--all-deleted"}, exitNotFound},
		{"package deleted whole", []string{"--org", d.Org, "--type", "npm", "--package", d.Library.Name, "--all-deleted", "--apply"}, exitOK},
		{"sweep", []string{"--org", d.Org, "--type", "container", "--deleted-since", "30d"}, exitOK},
		{"usage", []string{"--org", d.Org, "--all-deleted", "--tag", "v1"}, exitUsage},
		{"wrong owner kind", []string{"--user", d.Org, "--type", "container", "--package", d.Image.Name, "--all-deleted"}, exitUsage},
	}
	for _, r := range runs {
		out, errOut, code := withToken(d).do(t, append(slices.Clone(base), r.args...)...)
		if code != r.code {
			t.Errorf("%s: exit %d, want %d:\n%s%s", r.name, code, r.code, out, errOut)
		}
		record(checkEvents(t, out))
	}

	// A plan file, saved then applied.
	planFile := t.TempDir() + "/plan.json"
	if out, _, code := withToken(d).do(t, append(slices.Clone(base), slices.Concat(pkg, []string{"--all-deleted", "--save-plan", planFile})...)...); code != exitOK {
		t.Fatalf("save-plan: exit %d\n%s", code, out)
	} else {
		record(checkEvents(t, out))
	}
	out, _, code := withToken(d).do(t, "--base-url", srv.URL, "--pacing", "0", "--json", "--plan", planFile, "--apply")
	if code != exitOK {
		t.Errorf("--plan --apply: exit %d\n%s", code, out)
	}
	record(checkEvents(t, out))

	// Undo a run: its window, from a run the fake serves.
	now := time.Now()
	srv.AddWorkflowRun("octo-org", "infra", cleanupRun(77, now.Add(-time.Hour), now.Add(-50*time.Minute)))
	front := srv.URL
	for _, tc := range []struct {
		run  string
		code int
	}{{"octo-org/infra/77", exitOK}, {"octo-org/infra/78", exitNotFound}} {
		out, _, code := withToken(d).do(t, "--base-url", front, "--json", "--undo-run", tc.run)
		if code != tc.code {
			t.Errorf("--undo-run %s: exit %d, want %d\n%s", tc.run, code, tc.code, out)
		}
		record(checkEvents(t, out))
	}

	// Images: a plan, an apply with verify, a tag no version has, the
	// doctor over more than 20 packages (progress).
	f := newImageFake(t)
	for i := range 20 {
		seedVersion(t, f.gh, orgPkg("octo-org", api.PackageTypeContainer, "many/p"+itoa(int64(i))), apitest.VersionSeed{Name: "sha256:" + strings.Repeat("0", 63) + "1", Tags: []string{"v1"}})
	}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--package", "team/web", "--image", f.demo.Tag}, exitOK},
		{[]string{"--package", "team/web", "--image", f.demo.Tag, "--apply", "--verify"}, exitOK},
		{[]string{"--package", "team/web", "--image", "v1.4.9"}, exitNotFound},
		{[]string{"--broken", "--package", "many/*"}, exitFailed},
	} {
		out, errOut, code := f.run.do(t, slices.Concat([]string{"--base-url", f.gh.URL, "--registry", f.reg.URL, "--org", "octo-org", "--pacing", "0", "--json"}, tc.args)...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", tc.args, code, tc.code, out, errOut)
		}
		record(checkEvents(t, out))
	}

	// A wait, then Ctrl-C: the wait and the interruption.
	srv, d = fake(t)
	srv.Script(api.OpRestoreVersion, apitest.SecondaryLimit(403, "90"))
	cmd := withToken(d).command(t, "--base-url", srv.URL, "--pacing", "0", "--json", "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--version-id", itoa(d.ImageDeleted[1]), "--apply")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := collect(stdout)
	lines.waitFor(t, `{"event":"wait"`)
	cmd.Process.Signal(syscall.SIGINT)
	lines.waitEnd()
	if code := exitCode(t, cmd.Wait()); code != exitInterrupted {
		t.Errorf("interrupted: exit %d", code)
	}
	record(checkEvents(t, lines.text()))

	var doc struct {
		OneOf []struct {
			Ref string `json:"$ref"`
		} `json:"oneOf"`
	}
	data, _ := os.ReadFile("events.schema.json")
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, ref := range doc.OneOf {
		kind := strings.TrimPrefix(ref.Ref, "#/$defs/")
		if !seen[kind] {
			t.Errorf("no run printed a %q event: the schema names a kind the test does not drive", kind)
		}
	}
}
