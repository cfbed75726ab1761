package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

func TestSweepAcrossPackagesGroupsByPackage(t *testing.T) {
	srv, d := fake(t)
	now := time.Now()
	for name, deleted := range map[string]int{"team/worker": 2, "tools/lint": 1, "team/idle": 0} {
		seed := apitest.PackageSeed{Versions: []apitest.VersionSeed{{Name: "sha256:" + strings.Repeat("a", 64)}}} // stays active
		for i := range deleted {
			seed.Versions = append(seed.Versions, apitest.VersionSeed{Name: "sha256:" + strings.Repeat(string(rune('b'+i)), 64), DeletedAt: now.Add(-10 * time.Minute)})
		}
		seedPackage(t, srv, orgPkg(d.Org, api.PackageTypeContainer, name), seed)
	}
	base := []string{"--base-url", srv.URL, "--org", d.Org, "--type", "container"}

	// --deleted-since alone: every container package of the org; team/app's
	// versions were deleted two days ago, outside the window.
	out, errOut, code := withToken(d).do(t, append(base, "--deleted-since", "1h")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Plan: 3 deleted versions in 2 packages to restore", "\nocto-org/container/team/worker: 2 versions\n", "\nocto-org/container/tools/lint: 1 version\n",
		"Selected: every container package of octo-org, deleted since "} {
		if !strings.Contains(out, want) {
			t.Errorf("the sweep lacks %q:\n%s", want, out)
		}
	}
	// Notes only when they say something: no boilerplate about what was read.
	if strings.Contains(out, "note:") {
		t.Errorf("the sweep prints notes that say nothing about its plan:\n%s", out)
	}
	if strings.Contains(out, "team/app:") || strings.Contains(out, "team/idle:") {
		t.Errorf("packages without versions in the window are listed:\n%s", out)
	}

	// A glob narrows the sweep.
	out, _, _ = withToken(d).do(t, append(base, "--package", "team/*", "--deleted-since", "1h")...)
	if !strings.Contains(out, "Plan: 2 deleted versions of octo-org/container/team/worker to restore") {
		t.Errorf("glob sweep:\n%s", out)
	}

	// A glob without a window is refused before anything is sent.
	srv.ResetRequests()
	if _, errOut, code := withToken(d).do(t, append(base, "--package", "team/*", "--all-deleted")...); code != exitUsage || !strings.Contains(errOut, "is a glob") {
		t.Errorf("glob without a window: exit %d: %s", code, errOut)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests for a refused glob", n)
	}

	// Applied, across packages.
	out, errOut, code = withToken(d).do(t, append(base, "--deleted-since", "1h", "--apply", "--pacing", "0")...)
	if code != 0 || !strings.Contains(out, "Restored 3, already active 0, failed 0.") {
		t.Errorf("sweep apply: exit %d:\n%s\n%s", code, out, errOut)
	}
}

func TestUserAtMeUsesTheUserRoutes(t *testing.T) {
	srv, _ := fake(t)
	const tok = "ghp_mona000000000000000000000000000000000"
	srv.AddToken(apitest.Token{Value: tok, User: "mona", Scopes: []string{"read:packages", "write:packages", "delete:packages"}})
	ids := seedPackage(t, srv, api.Package{Owner: api.User("mona"), Type: api.PackageTypeNpm, Name: "dotfiles"}, apitest.PackageSeed{Versions: []apitest.VersionSeed{
		{Name: "1.0.0", DeletedAt: time.Now().Add(-time.Hour)}, {Name: "1.0.1", DeletedAt: time.Now().Add(-time.Hour)}, {Name: "1.1.0"},
	}})
	r := cliRun{env: map[string]string{"GH_TOKEN": tok}}
	for user, version := range map[string]string{"@me": "1.0.0", "mona": "1.0.1"} {
		srv.ResetRequests()
		out, errOut, code := r.do(t, "--base-url", srv.URL, "--user", user, "--type", "npm", "--package", "dotfiles", "--version-name", version, "--apply", "--pacing", "0")
		if code != 0 || !strings.Contains(out, "Restored 1,") {
			t.Fatalf("--user %s: exit %d:\n%s\n%s", user, code, out, errOut)
		}
		want := "/users/mona/"
		if user == "@me" {
			want = "/user/packages/"
		}
		for _, req := range srv.Requests() {
			if !strings.HasPrefix(req.RawPath, want) {
				t.Errorf("--user %s sent %s %s, want a path under %s", user, req.Method, req.RawPath, want)
			}
		}
	}
	for _, id := range ids[:2] {
		if v, _ := srv.LookupVersion(api.Package{Owner: api.User("mona"), Type: api.PackageTypeNpm, Name: "dotfiles"}, id); v.DeletedAt != nil {
			t.Errorf("version %d is still deleted", id)
		}
	}
}

// The sweep of issue 13: 30 packages, 7 with versions deleted in the
// window; an interrupted apply resumes across packages without resending.
func TestSweepOf30PackagesResumesAcrossPackages(t *testing.T) {
	srv, d := fake(t)
	now := time.Now()
	inWindow := map[int]bool{3: true, 5: true, 8: true, 13: true, 21: true, 22: true, 30: true}
	want := map[int64]bool{}
	for i := 1; i <= 30; i++ {
		name := fmt.Sprintf("svc-%02d", i)
		seed := apitest.PackageSeed{Versions: []apitest.VersionSeed{
			{Name: "0.9.0", DeletedAt: now.Add(-72 * time.Hour)}, // an older cleanup: outside the window
			{Name: "1.0.0"},
		}}
		if inWindow[i] {
			seed.Versions = append(seed.Versions, apitest.VersionSeed{Name: "1.1.0", DeletedAt: now.Add(-10 * time.Minute)},
				apitest.VersionSeed{Name: "1.2.0", DeletedAt: now.Add(-5 * time.Minute)})
		}
		ids := seedPackage(t, srv, orgPkg(d.Org, api.PackageTypeNpm, name), seed)
		if inWindow[i] {
			want[ids[2]], want[ids[3]] = true, true
		}
	}
	front, sixth, _ := holdNth(t, srv.URL, "POST", 6)
	planFile := filepath.Join(t.TempDir(), "sweep.json")
	r := withToken(d)
	out, errOut, code := r.do(t, "--base-url", front, "--org", d.Org, "--type", "npm", "--package", "svc-*", "--deleted-since", "1h", "--save-plan", planFile)
	if code != 0 || !strings.Contains(out, "Plan: 14 deleted versions in 7 packages to restore") {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}

	cmd := r.command(t, "--base-url", front, "--plan", planFile, "--apply", "--pacing", "0")
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines, errLines := collect(stdout), collect(stderr)
	<-sixth
	cmd.Process.Signal(syscall.SIGINT)
	errLines.waitFor(t, "Stopping after the restore in flight")
	cmd.Process.Signal(syscall.SIGINT) // abandon it
	lines.waitFor(t, "To resume:")
	// Read to the end before Wait, which closes the pipes.
	lines.waitEnd()
	errLines.waitEnd()
	if code := exitCode(t, cmd.Wait()); code != exitInterrupted || !strings.Contains(lines.text(), "not tried:  8 versions") {
		t.Fatalf("exit %d:\n%s", code, lines.text())
	}
	done := restoresOf(srv)[:5]

	srv.ResetRequests()
	out, errOut, code = r.do(t, "--base-url", front, "--plan", planFile, "--apply", "--pacing", "0")
	if code != 0 {
		t.Fatalf("resume: exit %d:\n%s\n%s", code, out, errOut)
	}
	resent := restoresOf(srv)
	for _, id := range done {
		if slices.Contains(resent, id) {
			t.Errorf("the resume resent the restore of %d", id)
		}
	}
	if len(resent) != 9 {
		t.Errorf("the resume sent %d restores, want 9", len(resent))
	}
	for id := range want {
		found := false
		for i := 1; i <= 30 && !found; i++ {
			if v, ok := srv.LookupVersion(orgPkg(d.Org, api.PackageTypeNpm, fmt.Sprintf("svc-%02d", i)), id); ok {
				found = true
				if v.DeletedAt != nil {
					t.Errorf("version %d is still deleted", id)
				}
			}
		}
	}
}
