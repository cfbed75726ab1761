package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/ghpackages/restore/api/apitest"
)

// A token with read:packages and write:packages only can restore known ids
// (issue 17 item 3): restore does not need delete:packages, only the deleted
// listing does. --version-id with such a token restores the version against
// the fake, and the output says what could not be listed and why.
func TestVersionIDRestoreWithAReadWriteToken(t *testing.T) {
	const rw = "ghp_readwrite0123456789abcdefghijklmnopqr"
	srv, d := fake(t)
	srv.AddToken(apitest.Token{Value: rw, User: apitest.DemoUser, Scopes: []string{"read:packages", "write:packages"}})
	id := d.ImageDeleted[0]
	out, errOut, code := cliRun{env: map[string]string{"GH_TOKEN": rw}}.do(t,
		"--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--version-id", itoa(id), "--apply", "--pacing", "0")
	if code != 0 {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
	if v, _ := srv.LookupVersion(d.Image, id); v.DeletedAt != nil {
		t.Errorf("version %d is still deleted", id)
	}
	if p := posts(srv); len(p) != 1 || !strings.HasSuffix(p[0].RawPath, "/versions/"+itoa(id)+"/restore") {
		t.Errorf("POSTs %+v, want the one restore", p)
	}
	all := out + errOut
	row := regexp.MustCompile(`(?m)^\s*` + itoa(id) + `\s+-\s+-\s+\?\s+unknown\s*$`)
	if !row.MatchString(out) {
		t.Errorf("the plan row of an item that could not be listed does not say ? / unknown:\n%s", out)
	}
	for _, want := range []string{"Restored 1, already active 0, failed 0.", "could not be listed", "delete:packages"} {
		if !strings.Contains(all, want) {
			t.Errorf("output lacks %q:\n%s", want, all)
		}
	}
}

// A fine-grained personal access token is refused on the restore routes:
// the run fails before restoring anything, saying a classic token with the
// scopes is needed.
func TestVersionIDRestoreWithAFineGrainedToken(t *testing.T) {
	const fg = "github_pat_11AAAAAAA0aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	srv, d := fake(t)
	srv.AddToken(apitest.Token{Value: fg, User: apitest.DemoUser, Scopes: []string{"read:packages", "write:packages", "delete:packages"}})
	out, errOut, code := cliRun{env: map[string]string{"GH_TOKEN": fg}}.do(t,
		"--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--version-id", itoa(d.ImageDeleted[0]), "--apply", "--pacing", "0")
	flat := strings.Join(strings.Fields(errOut), " ")
	if code != 4 || !strings.Contains(flat, "403 Resource not accessible by personal access token") ||
		!strings.Contains(flat, "does not accept fine-grained personal access tokens (github_pat_): use a classic personal access token (ghp_) or an OAuth token with read:packages and write:packages") {
		t.Errorf("exit %d, want 4 (authentication and permission) with GitHub's answer and the fix:\n%s\n%s", code, out, errOut)
	}
	if len(posts(srv)) != 0 {
		t.Errorf("a restore was sent")
	}
}
