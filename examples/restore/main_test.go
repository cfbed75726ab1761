package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "restore-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "restore")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("building the CLI: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fake starts the fake GitHub with the demo state on the wall clock (the CLI
// is a separate process: it runs with --pacing 0, so nothing waits).
func fake(t *testing.T) (*apitest.Server, apitest.Demo) {
	srv := apitest.New(t)
	return srv, apitest.SeedDemo(srv, api.SystemClock{})
}

func runCLI(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

func posts(srv *apitest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == "POST" {
			n++
		}
	}
	return n
}

func TestDryRunSendsNoPost(t *testing.T) {
	srv, d := fake(t)
	out, errOut, code := runCLI(t, map[string]string{"GH_TOKEN": d.Token},
		"--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--all-deleted", "--pacing", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if posts(srv) != 0 {
		t.Errorf("a dry run sent %d POSTs", posts(srv))
	}
	if !strings.Contains(out, "5 deleted version(s) to restore (dry run") || !strings.Contains(out, "v1.2.0,stable") {
		t.Errorf("output:\n%s", out)
	}
}

func TestApplyRestores(t *testing.T) {
	srv, d := fake(t)
	// GITHUB_API_URL instead of --base-url; GITHUB_TOKEN instead of GH_TOKEN.
	out, errOut, code := runCLI(t, map[string]string{"GITHUB_TOKEN": d.Token, "GITHUB_API_URL": srv.URL},
		"--org", d.Org, "--type", "container", "--package", d.Image.Name, "--tag", "v1.*", "--apply", "--pacing", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "Restored 3, already active 0, failed 0.") {
		t.Errorf("output:\n%s", out)
	}
	restored := 0
	for _, id := range d.ImageDeleted {
		if v, _ := srv.Version(d.Org, d.Image.Type, d.Image.Name, id); v.DeletedAt == nil {
			restored++
		}
	}
	if restored != 3 || posts(srv) != 3 {
		t.Errorf("restored %d with %d POSTs, want the 3 tagged v1.*", restored, posts(srv))
	}
}

func TestJSONLines(t *testing.T) {
	srv, d := fake(t)
	out, _, code := runCLI(t, map[string]string{"GH_TOKEN": d.Token},
		"--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name,
		"--version-id", itoa(d.ImageDeleted[0]), "--version-id", itoa(d.ImageDeleted[1]), "--apply", "--json", "--pacing", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	types := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var v map[string]any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		types[v["type"].(string)]++
		if v["type"] == "summary" && v["restored"].(float64) != 2 {
			t.Errorf("summary = %v", v)
		}
	}
	if types["plan_item"] != 2 || types["plan"] != 1 || types["result"] != 2 || types["summary"] != 1 {
		t.Errorf("line types = %v", types)
	}
}

func TestBadInputExits2AndSendsNothing(t *testing.T) {
	srv, d := fake(t)
	env := map[string]string{"GH_TOKEN": d.Token}
	base := []string{"--base-url", srv.URL, "--pacing", "0"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"slash in org", []string{"--org", "a/b", "--type", "npm", "--package", "x", "--all-deleted"}, "org"},
		{"bad type", []string{"--org", "o", "--type", "pypi", "--package", "x", "--all-deleted"}, "package_type"},
		{"dotdot package", []string{"--org", "o", "--type", "npm", "--package", "..", "--all-deleted"}, "package_name"},
		{"no selection", []string{"--org", "o", "--type", "npm", "--package", "x"}, "no selection"},
		{"bad id", []string{"--org", "o", "--type", "npm", "--package", "x", "--version-id", "0"}, "--version-id"},
		{"bad time", []string{"--org", "o", "--type", "npm", "--package", "x", "--deleted-since", "yesterday"}, "--deleted-since"},
		{"until without since", []string{"--org", "o", "--type", "npm", "--package", "x", "--deleted-until", "1d"}, "needs --deleted-since"},
		{"bad glob", []string{"--org", "o", "--type", "npm", "--package", "x", "--tag", "v[1"}, "tag"},
		{"missing org", []string{"--type", "npm", "--package", "x", "--all-deleted"}, "missing --org"},
		{"unknown flag", []string{"--frobnicate"}, "flag provided but not defined"},
		{"plain http to a remote host", []string{"--org", "o", "--type", "npm", "--package", "x", "--all-deleted", "--base-url", "http://ghes.example.com"}, "unencrypted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := runCLI(t, env, append(append([]string{}, base...), tt.args...)...)
			if code != 2 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tt.want)
			}
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("bad input sent %d requests", n)
	}
}

func TestPartialFailureExits1(t *testing.T) {
	srv, d := fake(t)
	// The digest of a deleted version is pushed again: its name is taken.
	v, _ := srv.Version(d.Org, d.Image.Type, d.Image.Name, d.ImageDeleted[0])
	srv.AddVersion(d.Org, d.Image.Type, d.Image.Name, apitest.VersionSeed{Name: v.Name})
	out, _, code := runCLI(t, map[string]string{"GH_TOKEN": d.Token},
		"--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--all-deleted", "--apply", "--pacing", "0")
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	if !strings.Contains(out, "Restored 4, already active 0, failed 1.") || !strings.Contains(out, "Active package version already exists with given name.") {
		t.Errorf("output:\n%s", out)
	}
}

func TestWholePackageAndGHES(t *testing.T) {
	srv := apitest.New(t, apitest.WithBasePath("/api/v3"))
	d := apitest.SeedDemo(srv, api.SystemClock{})
	out, errOut, code := runCLI(t, map[string]string{"GH_TOKEN": d.Token},
		"--base-url", srv.URL, "--org", d.Org, "--type", "npm", "--package", d.Library.Name, "--all-deleted", "--apply", "--pacing", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	if !strings.Contains(out, "The package itself is deleted") || !strings.Contains(out, "Package octo-org/npm/left-pad: restored") {
		t.Errorf("output:\n%s", out)
	}
	if srv.PackageDeleted(d.Org, d.Library.Type, d.Library.Name) {
		t.Error("the package is still deleted")
	}
	for _, r := range srv.Requests() {
		if !strings.HasPrefix(r.RawPath, "/api/v3/") {
			t.Errorf("request %s lost the base path", r.RawPath)
		}
	}
}

// The progress bar, on a terminal, is drawn on stderr (in-process: a test
// has no terminal to give a child process).
func TestProgressBarOnTerminal(t *testing.T) {
	srv, d := fake(t)
	var out, errOut bytes.Buffer
	env := map[string]string{"GH_TOKEN": d.Token}
	code := run(context.Background(), []string{"--base-url", srv.URL, "--org", d.Org, "--type", "container",
		"--package", d.Image.Name, "--all-deleted", "--apply", "--pacing", "0"}, func(k string) string { return env[k] }, &out, &errOut, true)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "\r[######------------------------] 1/5") || !strings.Contains(errOut.String(), "] 5/5\n") {
		t.Errorf("stderr = %q", errOut.String())
	}
	if strings.Contains(out.String(), "[1/5]") {
		t.Error("plain progress lines were printed on a terminal")
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Time{
		"2026-11-20T09:00:00Z": time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC),
		"2026-11-20":           time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
		"36h":                  now.Add(-36 * time.Hour),
		"7d":                   now.Add(-7 * 24 * time.Hour),
	}
	for in, want := range tests {
		if got, err := parseTime(in, now); err != nil || !got.Equal(want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "-3d", "2026-13-01"} {
		if _, err := parseTime(bad, now); err == nil {
			t.Errorf("parseTime(%q) did not fail", bad)
		}
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
