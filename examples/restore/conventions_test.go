package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

func TestHelpGoesToStdoutWithTwoDashFlags(t *testing.T) {
	for _, arg := range []string{"--help", "-h"} {
		out, errOut, code := cliRun{}.do(t, arg)
		if code != 0 || errOut != "" {
			t.Errorf("%s: exit %d, stderr %q", arg, code, errOut)
		}
		for _, want := range []string{"  --org ORG", "  --version-name NAME", "  --pacing ", "  --timeout ", "  --ids-from ", "  --user ",
			"Examples:\n", "Exit codes:\n", "  3    not found: the owner, package, version id", "  130  interrupted",
			"gh auth refresh -s read:packages,write:packages,delete:packages"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q", arg, want)
			}
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "-") && !strings.HasPrefix(strings.TrimSpace(line), "--") && !strings.HasPrefix(strings.TrimSpace(line), "- ") {
				t.Errorf("a flag with one dash: %q", line)
			}
		}
	}
}

func TestVersionPrintsTheToolsVersion(t *testing.T) {
	out, _, code := cliRun{}.do(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "restore "+api.ModuleVersion) {
		t.Errorf("exit %d: %q, want restore %s (a checkout build is (devel) or a pseudo-version)", code, out, api.ModuleVersion)
	}
	for _, v := range []string{"(devel)", "v0.0.0-20261126053800-0123456789ab", "v0.0.0-20261126053800-0123456789ab+dirty", ""} {
		if got := versionOf(v, nil); got != api.ModuleVersion {
			t.Errorf("versionOf(%q) = %q", v, got)
		}
	}
	if got := versionOf("v0.3.1", nil); got != "v0.3.1" {
		t.Errorf("a released build says %q", got)
	}
}

func TestPacingTakesAnyNonNegativeDuration(t *testing.T) {
	srv, d := fake(t)
	for _, p := range []string{"10ms", "0", "1.5", "250us"} {
		if _, errOut, code := withToken(d).do(t, "--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--all-deleted", "--pacing", p); code != 0 {
			t.Errorf("--pacing %s: exit %d: %s", p, code, errOut)
		}
	}
}

// A number of seconds too large for a duration is refused by name, not
// wrapped into a negative one ("--pacing: -2562047h47m16.854775808s is
// negative" named a value nobody typed).
func TestPacingOutOfRangeIsRefusedAsTyped(t *testing.T) {
	for _, v := range []string{"inf", "+Inf", "1e300", "1e10", "9223372037"} {
		var p pacingFlag
		if err := p.Set(v); err == nil || !strings.Contains(err.Error(), strconv.Quote(v)) {
			t.Errorf("Set(%q) = %v (duration %v); want an error quoting %q", v, err, p.d, v)
		}
	}
	for v, want := range map[string]time.Duration{"9e9": 9e9 * time.Second, "0.25": 250 * time.Millisecond, "2m": 2 * time.Minute} {
		var p pacingFlag
		if err := p.Set(v); err != nil || p.d != want {
			t.Errorf("Set(%q) = %v, %v; want %v", v, p.d, err, want)
		}
	}
}

// A closed stdout (| head -1) is no error when nothing is left undone: a
// dry run ends quietly with the code it would have had, in package mode as
// in image mode (TestClosedStdoutDuringApplyReportsOnStderrAndExits1 is the
// other half of the rule).
func TestClosedStdoutEndsQuietlyInEveryMode(t *testing.T) {
	srv, d := fake(t)
	f := newImageFake(t)
	for _, tc := range []struct {
		name string
		run  cliRun
		args []string
	}{
		{"package", withToken(d), []string{"--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--all-deleted"}},
		{"image", f.run, []string{"--base-url", f.gh.URL, "--registry", f.reg.URL, "--org", "octo-org", "--package", "team/web", "--image", f.demo.Tag}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			r.Close() // nobody reads: every write fails with EPIPE
			cmd := tc.run.command(t, tc.args...)
			var errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = w, &errOut
			err = cmd.Run()
			w.Close()
			if code := exitCode(t, err); code != exitOK || errOut.String() != "" {
				t.Errorf("exit %d, stderr %q; want 0 and nothing", code, errOut.String())
			}
		})
	}
}

// Without a terminal each wait is a plain line on stderr; with --json an
// event object on stdout. The test interrupts the wait instead of sleeping.
func TestWaitsAreSaidPlainAndAsJSON(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		srv, d := fake(t)
		srv.Script(api.OpRestoreVersion, apitest.SecondaryLimit(403, "90"))
		args := []string{"--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--version-id", itoa(d.ImageDeleted[0]), "--apply", "--pacing", "0"}
		if asJSON {
			args = append(args, "--json")
		}
		cmd := withToken(d).command(t, args...)
		stdout, _ := cmd.StdoutPipe()
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		outLines, errLines := collect(stdout), collect(stderr)
		if asJSON {
			outLines.waitFor(t, `"event":"wait"`)
		} else {
			errLines.waitFor(t, "waiting 1m30s: "+strings.TrimPrefix(srv.URL, "http://")+": secondary rate limit (answer 403 to POST /orgs/octo-org/packages/container/team%2Fapp/versions/"+itoa(d.ImageDeleted[0])+"/restore); then it retries")
		}
		cmd.Process.Signal(syscall.SIGINT)
		outLines.waitFor(t, "resume")
		// Read to the end before Wait, which closes the pipes.
		outLines.waitEnd()
		errLines.waitEnd()
		if code := exitCode(t, cmd.Wait()); code != exitInterrupted {
			t.Errorf("json=%v: exit %d", asJSON, code)
		}
		if !asJSON {
			continue
		}
		for _, line := range strings.Split(outLines.text(), "\n") {
			var v map[string]any
			if err := json.Unmarshal([]byte(line), &v); err != nil {
				t.Errorf("not JSON: %q", line)
			}
			if v["event"] == "wait" && (v["reason"] != "secondary rate limit" || v["cause"] != "secondary rate limit" || v["host"] != strings.TrimPrefix(srv.URL, "http://") || v["seconds"] != 90.0 || v["status"] != 403.0) {
				t.Errorf("wait event %v", v)
			}
			// The restore the secondary limit refused is not in flight.
			if v["event"] == "interrupted" && (len(v["in_flight"].([]any)) != 0 || len(v["not_tried"].([]any)) != 1 || !strings.Contains(v["resume"].(string), "restore ")) {
				t.Errorf("interrupted event %v", v)
			}
		}
	}
}

func TestTimeoutBoundsEachAttempt(t *testing.T) {
	srv, d := fake(t)
	front, _, _ := holdNth(t, srv.URL, "GET", 1) // the first listing never answers
	cmd := withToken(d).command(t, "--base-url", front, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--all-deleted", "--timeout", "50ms")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	errLines := collect(stderr)
	errLines.waitFor(t, ": no answer within --timeout (GET /orgs/octo-org/packages/container/team%2Fapp/versions, before attempt 2)")
	cmd.Process.Signal(syscall.SIGINT)
	// Read to the end before Wait, which closes the pipes.
	errLines.waitEnd()
	if code := exitCode(t, cmd.Wait()); code != exitInterrupted {
		t.Errorf("exit %d:\n%s", code, errLines.text())
	}
}

// A pipe closed during --apply stops the run after the restore in flight,
// like Ctrl-C, but it is no interrupt: the report goes to stderr, where it
// can be read, and the exit is 1, as --help says.
func TestClosedStdoutDuringApplyReportsOnStderrAndExits1(t *testing.T) {
	srv, d := fake(t)
	tenDeleted(t, srv)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // nobody reads: every write fails with EPIPE
	cmd := withToken(d).command(t, "--base-url", srv.URL, "--org", "octo-org", "--type", "npm", "--package", "ten", "--all-deleted", "--apply", "--pacing", "0")
	var errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &errOut
	err = cmd.Run()
	w.Close()
	code := exitCode(t, err)
	text := strings.Join(strings.Fields(errOut.String()), " ")
	if code != exitFailed {
		t.Errorf("exit %d, want %d (a closed pipe, not an interrupt)", code, exitFailed)
	}
	sent := len(restoresOf(srv))
	for _, want := range []string{"Stopped: the output could not be written.", "not tried: " + plural(10-sent, "version"), "To resume:"} {
		if !strings.Contains(text, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
	if sent == 0 || sent == 10 {
		t.Errorf("%d restores sent; want the run to stop after the first", sent)
	}
}
