package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
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
// is a separate process: it runs with --pacing 0, so nothing waits unless a
// test scripts a wait, which it interrupts).
func fake(t *testing.T, opts ...apitest.Option) (*apitest.Server, apitest.Demo) {
	srv := apitest.New(t, opts...)
	return srv, apitest.SeedDemo(srv)
}

// cliRun describes one run of the built binary.
type cliRun struct {
	env   map[string]string
	stdin string
	path  string // PATH; by default an empty directory, so no gh is found
}

// command builds the process: a clean environment with HOME and PATH set.
func (r cliRun) command(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary, args...)
	path := r.path
	if path == "" {
		path = t.TempDir()
	}
	cmd.Env = []string{"PATH=" + path, "HOME=" + t.TempDir()}
	for k, v := range r.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if r.stdin != "" {
		cmd.Stdin = strings.NewReader(r.stdin)
	}
	return cmd
}

// do runs the binary to the end.
func (r cliRun) do(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := r.command(t, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	code = exitCode(t, cmd.Run())
	return out.String(), errOut.String(), code
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0
}

func withToken(d apitest.Demo) cliRun { return cliRun{env: map[string]string{"GH_TOKEN": d.Token}} }

func posts(srv *apitest.Server) []apitest.Request {
	var out []apitest.Request
	for _, r := range srv.Requests() {
		if r.Method == "POST" {
			out = append(out, r)
		}
	}
	return out
}

// lines collects a stream line by line and lets a test wait for a line
// without sleeping: it blocks on the stream itself.
type lines struct {
	mu   sync.Mutex
	all  []string
	cond *sync.Cond
	eof  bool
}

func collect(r io.Reader) *lines {
	l := &lines{}
	l.cond = sync.NewCond(&l.mu)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			l.mu.Lock()
			l.all = append(l.all, sc.Text())
			l.cond.Broadcast()
			l.mu.Unlock()
		}
		l.mu.Lock()
		l.eof = true
		l.cond.Broadcast()
		l.mu.Unlock()
	}()
	return l
}

// waitFor blocks until a line contains want, or the stream ends (then the
// test fails).
func (l *lines) waitFor(t *testing.T, want string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		for _, s := range l.all {
			if strings.Contains(s, want) {
				return
			}
		}
		if l.eof {
			t.Fatalf("the output ended without %q:\n%s", want, strings.Join(l.all, "\n"))
		}
		l.cond.Wait()
	}
}

// waitEnd blocks until the stream has ended, so that everything written
// before the writer closed it has been read.
func (l *lines) waitEnd() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for !l.eof {
		l.cond.Wait()
	}
}

func (l *lines) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.all, "\n")
}

func TestDryRunSendsNoPost(t *testing.T) {
	srv, d := fake(t)
	out, errOut, code := withToken(d).do(t, "--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--all-deleted", "--pacing", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if n := len(posts(srv)); n != 0 {
		t.Errorf("a dry run sent %d POSTs", n)
	}
	if !strings.Contains(out, "Plan: 5 deleted versions of octo-org/container/team/app to restore (dry run") || !strings.Contains(out, "v1.2.0,stable") {
		t.Errorf("output:\n%s", out)
	}
	if strings.Contains(out, "(s)") {
		t.Errorf("the output writes a plural with (s):\n%s", out)
	}
}

func TestWideShowsFullDigests(t *testing.T) {
	srv, d := fake(t)
	v, _ := srv.LookupVersion(d.Image, d.ImageDeleted[0])
	args := []string{"--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--version-id", itoa(d.ImageDeleted[0])}
	out, _, _ := withToken(d).do(t, args...)
	if strings.Contains(out, v.Name) || !strings.Contains(out, v.Name[:19]+"…") {
		t.Errorf("the narrow table shows %q:\n%s", v.Name, out)
	}
	out, _, _ = withToken(d).do(t, append(args, "--wide")...)
	if !strings.Contains(out, v.Name) {
		t.Errorf("--wide does not show %q:\n%s", v.Name, out)
	}
	out, _, _ = withToken(d).do(t, append(args, "--json")...)
	if !strings.Contains(out, `"name":"`+v.Name+`"`) {
		t.Errorf("--json does not carry the full digest:\n%s", out)
	}
}

func TestApplyRestores(t *testing.T) {
	srv, d := fake(t)
	// GITHUB_API_URL instead of --base-url; GITHUB_TOKEN instead of GH_TOKEN.
	out, errOut, code := cliRun{env: map[string]string{"GITHUB_TOKEN": d.Token, "GITHUB_API_URL": srv.URL}}.do(t,
		"--org", d.Org, "--type", "container", "--package", d.Image.Name, "--tag", "v1.*", "--apply", "--pacing", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "Restored 3, already active 0, failed 0.") {
		t.Errorf("output:\n%s", out)
	}
	restored := 0
	for _, id := range d.ImageDeleted {
		if v, _ := srv.LookupVersion(d.Image, id); v.DeletedAt == nil {
			restored++
		}
	}
	if restored != 3 || len(posts(srv)) != 3 {
		t.Errorf("restored %d with %d POSTs, want the 3 tagged v1.*", restored, len(posts(srv)))
	}
}

func TestJSONLines(t *testing.T) {
	srv, d := fake(t)
	out, _, code := withToken(d).do(t, "--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name,
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
		types[v["event"].(string)]++
		if v["event"] == "summary" && len(v["restored"].([]any)) != 2 {
			t.Errorf("summary = %v", v)
		}
	}
	if types["plan"] != 1 || types["result"] != 2 || types["summary"] != 1 || len(types) != 3 {
		t.Errorf("line types = %v", types)
	}
}

func TestBadInputExits2AndSendsNothing(t *testing.T) {
	srv, d := fake(t)
	base := []string{"--base-url", srv.URL, "--pacing", "0"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"slash in org", []string{"--org", "a/b", "--type", "npm", "--package", "x", "--all-deleted"}, `invalid --org "a/b"`},
		{"bad type", []string{"--org", "o", "--type", "pypi", "--package", "x", "--all-deleted"}, `invalid --type "pypi"`},
		{"dotdot package", []string{"--org", "o", "--type", "npm", "--package", "..", "--all-deleted"}, `invalid --package ".."`},
		{"no selection", []string{"--org", "o", "--type", "npm", "--package", "x"}, "no selection"},
		{"bad id", []string{"--org", "o", "--type", "npm", "--package", "x", "--version-id", "0"}, "--version-id"},
		{"bad time", []string{"--org", "o", "--type", "npm", "--package", "x", "--deleted-since", "yesterday"}, "--deleted-since"},
		{"until without since", []string{"--org", "o", "--type", "npm", "--package", "x", "--deleted-until", "1d"}, "needs --deleted-since"},
		{"bad glob", []string{"--org", "o", "--type", "npm", "--package", "x", "--tag", "v[1"}, `invalid --tag "v[1"`},
		{"blank version name", []string{"--org", "o", "--type", "npm", "--package", "x", "--version-name", " "}, `invalid --version-name " "`},
		{"until before since", []string{"--org", "o", "--type", "npm", "--package", "x", "--deleted-since", "1d", "--deleted-until", "2d"}, "must be after --deleted-since"},
		{"bad sweep glob", []string{"--org", "o", "--type", "npm", "--package", "x[", "--deleted-since", "1d"}, `invalid --package "x["`},
		{"user with @", []string{"--user", "@bad", "--type", "npm", "--package", "x", "--all-deleted"}, `invalid --user "@bad"`},
		{"save-plan to a directory", []string{"--org", "o", "--type", "npm", "--package", "x", "--all-deleted", "--save-plan", os.TempDir()}, "is a directory: give a file name"},
		{"save-plan in no directory", []string{"--org", "o", "--type", "npm", "--package", "x", "--all-deleted", "--save-plan", "/no/such/dir/plan.json"}, "the directory /no/such/dir does not exist"},
		{"missing org", []string{"--type", "npm", "--package", "x", "--all-deleted"}, "missing --org or --user"},
		{"org and user", []string{"--org", "o", "--user", "u", "--type", "npm", "--package", "x", "--all-deleted"}, "not both"},
		{"unknown flag", []string{"--frobnicate"}, "unknown flag --frobnicate"},
		{"negative pacing", []string{"--pacing", "-1s"}, "invalid value \"-1s\" for --pacing"},
		{"zero timeout", []string{"--org", "o", "--type", "npm", "--package", "x", "--all-deleted", "--timeout", "0"}, "--timeout 0s: give a positive duration"},
		{"old --version NAME", []string{"--org", "o", "--type", "npm", "--package", "x", "--version", "1.0.0"}, "--version-name"},
		{"plan with a selection", []string{"--plan", "p.json", "--all-deleted"}, "--all-deleted cannot be used with --plan FILE"},
		{"plain http to a remote host", []string{"--org", "o", "--type", "npm", "--package", "x", "--all-deleted", "--base-url", "http://ghes.example.com"}, "unencrypted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := withToken(d).do(t, append(append([]string{}, base...), tt.args...)...)
			if code != 2 || !strings.Contains(strings.Join(strings.Fields(errOut), " "), tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tt.want)
			}
			if strings.Count(errOut, "restore:") > 1 || strings.Contains(errOut, "With") || sdkField.MatchString(errOut) {
				t.Errorf("stderr repeats its prefix or names an SDK option or field: %q", errOut)
			}
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("bad input sent %d requests", n)
	}
}

// sdkField is a parameter name as the SDK's validation errors give it
// ("package_type"): the CLI says the flag instead.
var sdkField = regexp.MustCompile(`invalid (org|username|package_type|package_name|names|package_version_id|name|tag|deleted_since|deleted_until) "`)

func TestPartialFailureExits1(t *testing.T) {
	srv, d := fake(t)
	// The digest of a deleted version is pushed again: its name is taken.
	v, _ := srv.LookupVersion(d.Image, d.ImageDeleted[0])
	seedVersion(t, srv, d.Image, apitest.VersionSeed{Name: v.Name})
	out, _, code := withToken(d).do(t, "--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--all-deleted", "--apply", "--pacing", "0")
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	if !strings.Contains(out, "Restored 4, already active 0, failed 1.") || !strings.Contains(out, "Active package version already exists with given name.") {
		t.Errorf("output:\n%s", out)
	}
}

func TestWholePackageAndGHES(t *testing.T) {
	srv, d := fake(t, apitest.WithBasePath("/api/v3"))
	out, errOut, code := withToken(d).do(t, "--base-url", srv.URL, "--org", d.Org, "--type", "npm", "--package", d.Library.Name, "--all-deleted", "--apply", "--pacing", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	if !strings.Contains(out, "(not found: deleted as a whole, or a typo)") || !strings.Contains(out, "Package octo-org/npm/left-pad: restored") {
		t.Errorf("output:\n%s", out)
	}
	if srv.IsPackageDeleted(orgPkg(d.Org, d.Library.Type, d.Library.Name)) {
		t.Error("the package is still deleted")
	}
	for _, r := range srv.Requests() {
		if !strings.HasPrefix(r.RawPath, "/api/v3/") {
			t.Errorf("request %s lost the base path", r.RawPath)
		}
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
	for _, bad := range []string{"", "yesterday", "-3d", "2026-13-01", "36501d", "99999999d", "9223372036854775807d"} {
		if _, err := parseTime(bad, now); err == nil {
			t.Errorf("parseTime(%q) did not fail", bad)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

var _ = api.PlanSchema
