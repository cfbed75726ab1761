package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// tenDeleted seeds an npm package of octo-org with ten deleted versions.
func tenDeleted(t *testing.T, srv *apitest.Server) (ids []int64) {
	t.Helper()
	for i := range 10 {
		ids = append(ids, seedVersion(t, srv, orgPkg("octo-org", api.PackageTypeNpm, "ten"), apitest.VersionSeed{Name: "1.0." + strconv.Itoa(i)}))
	}
	// An eleventh stays active, so the package is not deleted with the tenth.
	seedVersion(t, srv, orgPkg("octo-org", api.PackageTypeNpm, "ten"), apitest.VersionSeed{Name: "2.0.0"})
	for _, id := range ids {
		if err := srv.SoftDeleteVersion(orgPkg("octo-org", api.PackageTypeNpm, "ten"), id); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// restoresOf lists the version ids the server got a restore POST for.
func restoresOf(srv *apitest.Server) []int64 {
	var out []int64
	for _, r := range posts(srv) {
		parts := strings.Split(r.RawPath, "/")
		if len(parts) >= 2 {
			if id, err := strconv.ParseInt(parts[len(parts)-2], 10, 64); err == nil {
				out = append(out, id)
			}
		}
	}
	return out
}

// holdNth puts a proxy in front of the fake that forwards everything but
// the nth request with the method: that one it holds (a request in flight),
// after closing arrived, until release is called (then it goes on to the
// fake) or the client goes away.
func holdNth(t *testing.T, target, method string, n int) (url string, arrived <-chan struct{}, release func()) {
	t.Helper()
	u, err := neturl.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	ch, released := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	seen := 0
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == method {
			mu.Lock()
			seen++
			hold := seen == n
			mu.Unlock()
			if hold {
				close(ch)
				select {
				case <-r.Context().Done():
					return
				case <-released:
				}
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front.URL, ch, func() { once.Do(func() { close(released) }) }
}

func TestInterruptedApplyResumesFromItsJournal(t *testing.T) {
	srv, d := fake(t)
	ids := tenDeleted(t, srv)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	r := withToken(d)
	// Three restores are answered; the fourth is held until the client goes.
	front, fourth, _ := holdNth(t, srv.URL, http.MethodPost, 4)
	out, errOut, code := r.do(t, "--base-url", front, "--org", "octo-org", "--type", "npm", "--package", "ten", "--all-deleted", "--save-plan", planFile)
	if code != 0 || !strings.Contains(out, "Plan saved to "+planFile) || !strings.Contains(out, "restore --plan "+planFile+" --base-url "+front+" --apply") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}

	cmd := r.command(t, "--base-url", front, "--plan", planFile, "--apply", "--pacing", "0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines, errLines := collect(stdout), collect(stderr)
	lines.waitFor(t, "[3/10] restored")
	<-fourth // the fourth restore is in flight: the first Ctrl-C lets it finish,
	cmd.Process.Signal(syscall.SIGINT)
	errLines.waitFor(t, "Stopping after the restore in flight")
	cmd.Process.Signal(syscall.SIGINT) // the second abandons it
	lines.waitFor(t, "To resume:")
	// Read to the end before Wait, which closes the pipes.
	lines.waitEnd()
	errLines.waitEnd()
	if code := exitCode(t, cmd.Wait()); code != exitInterrupted {
		t.Errorf("exit %d, want %d", code, exitInterrupted)
	}
	report := lines.text()
	for _, want := range []string{
		"\nInterrupted.\n",
		"  done:       3 versions (restored 3, already active 0, done earlier 0)\n",
		"  in flight:  " + itoa(ids[3]) + ", outcome unknown (it may have been restored)\n",
		"  not tried:  6 versions\n",
		"To resume:\n  restore --plan " + planFile + " --base-url " + front + " --pacing 0s --apply",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
	journal, err := os.ReadFile(planFile + ".journal")
	if err != nil || strings.Count(string(journal), `"outcome":"restored"`) != 3 {
		t.Fatalf("journal (%v):\n%s", err, journal)
	}

	// The resume, the same command again: no restore for the three done.
	srv.ResetRequests()
	out, errOut, code = r.do(t, "--base-url", front, "--plan", planFile, "--apply", "--pacing", "0")
	if code != 0 {
		t.Fatalf("resume: exit %d:\n%s\n%s", code, out, errOut)
	}
	sent := restoresOf(srv)
	for _, id := range ids[:3] {
		if slices.Contains(sent, id) {
			t.Errorf("the resume sent a restore for %d, restored before the interrupt", id)
		}
	}
	if len(sent) != 7 {
		t.Errorf("the resume sent %d restores (%v), want 7", len(sent), sent)
	}
	if !strings.Contains(out, "Resuming: the journal") || !strings.Contains(strings.Join(strings.Fields(out), " "), "3 versions done in an earlier run (journal), not sent again") {
		t.Errorf("resume output:\n%s", out)
	}
	for _, id := range ids {
		if v, _ := srv.LookupVersion(orgPkg("octo-org", api.PackageTypeNpm, "ten"), id); v.DeletedAt != nil {
			t.Errorf("version %d is still deleted", id)
		}
	}
}

func TestPlanFileIsCheckedBeforeUse(t *testing.T) {
	srv, d := fake(t)
	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.json")
	r := withToken(d)
	if _, errOut, code := r.do(t, "--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--all-deleted", "--save-plan", planFile); code != 0 {
		t.Fatal(errOut)
	}
	data, _ := os.ReadFile(planFile)
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(s), 0o600)
		return p
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"another host", []string{"--base-url", "http://127.0.0.1:1", "--plan", planFile}, "was made against " + srv.URL},
		{"another owner", []string{"--base-url", srv.URL, "--org", "someone-else", "--plan", planFile}, "is for octo-org, not someone-else"},
		{"unknown schema", []string{"--base-url", srv.URL, "--plan", write("v9.json", strings.Replace(string(data), `"schema": 1`, `"schema": 9`, 1))}, "invalid schema \"9\""},
		{"unknown field", []string{"--base-url", srv.URL, "--plan", write("x.json", strings.Replace(string(data), `"schema": 1`, `"schema": 1, "frobs": 2`, 1))}, "unknown field"},
		{"no file", []string{"--base-url", srv.URL, "--plan", filepath.Join(dir, "missing.json")}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := r.do(t, tt.args...)
			if code != exitUsage || !strings.Contains(strings.Join(strings.Fields(errOut), " "), tt.want) {
				t.Errorf("exit %d: %s; want 2 and %q", code, errOut, tt.want)
			}
		})
	}
	// A good plan prints its age and the days left now.
	out, errOut, code := r.do(t, "--base-url", srv.URL, "--plan", planFile)
	if code != 0 || !strings.Contains(out, "Plan made ") || !strings.Contains(out, "Plan: 5 deleted versions of octo-org/container/team/app") {
		t.Errorf("exit %d: %s %s", code, out, errOut)
	}
	if n := len(posts(srv)); n != 0 {
		t.Errorf("%d POSTs without --apply", n)
	}

	// The days left are checked again: a plan made 40 days ago is past the window.
	p, err := api.ParsePlan(data)
	if err != nil {
		t.Fatal(err)
	}
	p.MadeAt = time.Now().Add(-40 * 24 * time.Hour).UTC()
	for i := range p.Items {
		p.Items[i].DeletedAt = time.Now().Add(-31 * 24 * time.Hour).UTC()
	}
	b, _ := json.Marshal(p)
	out, _, _ = r.do(t, "--base-url", srv.URL, "--plan", write("stale.json", string(b)))
	if flat := strings.Join(strings.Fields(out), " "); !strings.Contains(flat, "Plan made 40 days ago") || !strings.Contains(flat, "5 versions passed GitHub's 30-day window since") || !strings.Contains(out, " gone\n") {
		t.Errorf("stale plan:\n%s", out)
	}
	// Without a terminal nothing is wrapped: the age is one line.
	if !strings.Contains(out, "Plan made 40 days ago ("+p.MadeAt.Format(time.RFC3339)+"); 5 versions passed GitHub's 30-day window since and cannot be restored.\n") {
		t.Errorf("the age is not one line:\n%s", out)
	}
}

func TestInterruptWhilePlanningChangesNothing(t *testing.T) {
	srv, d := fake(t)
	front, listing, _ := holdNth(t, srv.URL, http.MethodGet, 1)
	cmd := withToken(d).command(t, "--base-url", front, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--all-deleted", "--apply")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	errLines := collect(stderr)
	<-listing
	cmd.Process.Signal(syscall.SIGINT)
	errLines.waitFor(t, "Interrupted before any restore was sent: nothing changed.")
	// Read to the end before Wait, which closes the pipes.
	errLines.waitEnd()
	if code := exitCode(t, cmd.Wait()); code != exitInterrupted {
		t.Errorf("exit %d, want %d", code, exitInterrupted)
	}
	if n := len(posts(srv)); n != 0 {
		t.Errorf("%d POSTs", n)
	}
}

func TestFirstCtrlCLetsTheRestoreInFlightFinish(t *testing.T) {
	srv, d := fake(t)
	ids := tenDeleted(t, srv)
	front, fourth, release := holdNth(t, srv.URL, http.MethodPost, 4)
	cmd := withToken(d).command(t, "--base-url", front, "--org", "octo-org", "--type", "npm", "--package", "ten", "--all-deleted", "--apply", "--pacing", "0")
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines, errLines := collect(stdout), collect(stderr)
	<-fourth
	cmd.Process.Signal(syscall.SIGINT)
	errLines.waitFor(t, "Stopping after the restore in flight")
	release() // GitHub answers the restore in flight
	lines.waitFor(t, "To resume:")
	// Read to the end before Wait, which closes the pipes.
	lines.waitEnd()
	errLines.waitEnd()
	if code := exitCode(t, cmd.Wait()); code != exitInterrupted {
		t.Errorf("exit %d", code)
	}
	for _, want := range []string{"[4/10] restored " + itoa(ids[3]), "  done:       4 versions", "  in flight:  none", "  not tried:  6 versions",
		"To resume:\n  restore --base-url " + front + " --org octo-org"} {
		if !strings.Contains(lines.text(), want) {
			t.Errorf("the report lacks %q:\n%s", want, lines.text())
		}
	}
	if n := len(posts(srv)); n != 4 {
		t.Errorf("%d restores reached GitHub, want 4", n)
	}
}

func TestPrintingAPlanFileNeedsNoToken(t *testing.T) {
	srv, d := fake(t)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	if _, errOut, code := withToken(d).do(t, "--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--all-deleted", "--save-plan", planFile); code != 0 {
		t.Fatal(errOut)
	}
	srv.ResetRequests()
	out, errOut, code := cliRun{}.do(t, "--base-url", srv.URL, "--plan", planFile)
	if code != 0 || !strings.Contains(out, "Plan: 5 deleted versions") {
		t.Errorf("exit %d: %s %s", code, out, errOut)
	}
	if _, errOut, code := (cliRun{}).do(t, "--base-url", srv.URL, "--plan", planFile, "--apply"); code != exitUsage || !strings.Contains(errOut, "no token") {
		t.Errorf("--apply without a token: exit %d: %s", code, errOut)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests", n)
	}

	// A plan that restores a package deleted whole is printed with its
	// "not found" explanation, still without a request: no names are
	// listed to suggest from.
	if _, errOut, code := withToken(d).do(t, "--base-url", srv.URL, "--org", d.Org, "--type", "npm", "--package", d.Library.Name, "--all-deleted", "--save-plan", planFile); code != exitNotFound {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	srv.ResetRequests()
	out, errOut, code = cliRun{}.do(t, "--base-url", srv.URL, "--plan", planFile)
	if code != exitNotFound || !strings.Contains(out, "was not found") || strings.Contains(out+errOut, "Listing") {
		t.Errorf("a plan restoring a package, printed without a token: exit %d:\n%s%s", code, out, errOut)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("printing a plan that restores a package sent %d requests", n)
	}
}
