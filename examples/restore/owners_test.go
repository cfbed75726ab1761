package main

import (
	"strings"
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
		srv.AddPackage(d.Org, api.PackageTypeContainer, name, seed)
	}
	base := []string{"--base-url", srv.URL, "--org", d.Org, "--type", "container"}

	// --deleted-since alone: every container package of the org; team/app's
	// versions were deleted two days ago, outside the window.
	out, errOut, code := withToken(d).do(t, append(base, "--deleted-since", "1h")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Plan: 3 deleted versions in 2 packages to restore", "\nocto-org/container/team/worker: 2 versions\n", "\nocto-org/container/tools/lint: 1 version\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("the sweep lacks %q:\n%s", want, out)
		}
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
	ids := srv.AddPackage("mona", api.PackageTypeNpm, "dotfiles", apitest.PackageSeed{Versions: []apitest.VersionSeed{
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
		if v, _ := srv.Version("mona", api.PackageTypeNpm, "dotfiles", id); v.DeletedAt != nil {
			t.Errorf("version %d is still deleted", id)
		}
	}
}
