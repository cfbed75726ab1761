package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

const ghToken = "gho_fromghcli000000000000000000000000000"

// fakeGH puts a gh on a fresh PATH that logs its arguments and prints
// token (or, if token is empty, fails as gh does without a login).
func fakeGH(t *testing.T, token string) (path, argsLog string) {
	t.Helper()
	dir := t.TempDir()
	argsLog = filepath.Join(dir, "args.log")
	script := "#!/bin/sh\necho \"$@\" >> " + argsLog + "\n"
	if token != "" {
		script += "[ \"$1 $2\" = \"auth token\" ] && { echo " + token + "; exit 0; }\nexit 1\n"
	} else {
		script += "echo 'no oauth token found for host' >&2\nexit 1\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "gh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, argsLog
}

func TestTokenLookupOrder(t *testing.T) {
	srv, d := fake(t)
	srv.AddToken(apitest.Token{Value: ghToken, Scopes: []string{"read:packages", "write:packages", "delete:packages"}})
	u, _ := url.Parse(srv.URL)
	args := []string{"--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--all-deleted"}
	ghPath, argsLog := fakeGH(t, ghToken)

	// GH_TOKEN wins over GITHUB_TOKEN and gh: gh is not even asked.
	_, errOut, code := cliRun{path: ghPath, env: map[string]string{"GH_TOKEN": d.Token, "GITHUB_TOKEN": "ghp_wrong"}}.do(t, args...)
	if code != 0 {
		t.Fatalf("GH_TOKEN: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(argsLog); err == nil {
		t.Error("gh was asked although GH_TOKEN is set")
	}
	// GITHUB_TOKEN next.
	if _, errOut, code := (cliRun{path: ghPath, env: map[string]string{"GITHUB_TOKEN": d.Token}}).do(t, args...); code != 0 {
		t.Fatalf("GITHUB_TOKEN: exit %d: %s", code, errOut)
	}
	// Then gh's login for the API host, found through PATH.
	srv.ResetRequests()
	if _, errOut, code := (cliRun{path: ghPath}).do(t, args...); code != 0 {
		t.Fatalf("gh: exit %d: %s", code, errOut)
	}
	logged, _ := os.ReadFile(argsLog)
	if got, want := strings.TrimSpace(string(logged)), "auth token --hostname "+u.Host; got != want {
		t.Errorf("gh was run with %q, want %q", got, want)
	}
	for _, r := range srv.Requests() {
		if r.Header.Get("Authorization") != "Bearer "+ghToken {
			t.Errorf("%s %s was sent without gh's token", r.Method, r.RawPath)
		}
	}
}

func TestNoTokenExits2BeforeSending(t *testing.T) {
	srv, d := fake(t)
	args := []string{"--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--all-deleted"}
	ghPath, _ := fakeGH(t, "")
	for name, r := range map[string]cliRun{"no gh": {}, "gh without a login": {path: ghPath}} {
		t.Run(name, func(t *testing.T) {
			_, errOut, code := r.do(t, args...)
			if code != 2 || !strings.Contains(errOut, "no token: set GH_TOKEN or GITHUB_TOKEN, or log in with gh") {
				t.Errorf("exit %d: %s", code, errOut)
			}
			if name == "gh without a login" && !strings.Contains(errOut, "no oauth token found") {
				t.Errorf("gh's reason is not given: %s", errOut)
			}
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests were sent without a token", n)
	}
}

func TestGHTokenWithoutPackagesScopesGetsTheRefreshCommand(t *testing.T) {
	srv, d := fake(t)
	srv.AddToken(apitest.Token{Value: ghToken, Kind: api.TokenOAuth, Scopes: []string{"repo", "read:org"}})
	ghPath, _ := fakeGH(t, ghToken)
	_, errOut, code := cliRun{path: ghPath}.do(t, "--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--all-deleted")
	if code != exitAuth || !strings.Contains(errOut, "gh auth refresh -s read:packages,write:packages,delete:packages") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

func TestGHHost(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.github.com":               "github.com",
		"https://api.octo.ghe.com":             "octo.ghe.com",
		"https://ghes.example.com/api/v3":      "ghes.example.com",
		"http://127.0.0.1:8787":                "127.0.0.1:8787",
		"https://ghes.example.com:8443/api/v3": "ghes.example.com:8443",
	} {
		if got := ghHost(in); got != want {
			t.Errorf("ghHost(%q) = %q, want %q", in, got, want)
		}
	}
}
