package main

import (
	"bytes"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/creack/pty"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// terminal runs the built binary on a real pseudo-terminal, as a user's
// shell would: stdin, stdout and stderr are the terminal, and Ctrl-C is the
// terminal's interrupt character, not a signal sent by the test.
type terminal struct {
	cmd   *exec.Cmd
	tty   io.Writer
	lines *lines
	mu    sync.Mutex
	raw   bytes.Buffer
}

func startTerminal(t *testing.T, cmd *exec.Cmd) *terminal {
	t.Helper()
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 160})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	term := &terminal{cmd: cmd, tty: f}
	term.lines = collect(io.TeeReader(f, lockedWriter{&term.mu, &term.raw}))
	return term
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (term *terminal) output() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.raw.String()
}

func TestTerminalShowsTheWaitAndTheInterruptReport(t *testing.T) {
	for _, noColor := range []bool{false, true} {
		name := "color"
		if noColor {
			name = "NO_COLOR"
		}
		t.Run(name, func(t *testing.T) {
			srv, d := fake(t)
			// GitHub's secondary limit, asking for a minute: the tool says so, and
			// the user presses Ctrl-C during the wait.
			srv.Script(api.OpRestoreVersion, apitest.SecondaryLimit(403, "60"))
			r := withToken(d)
			if noColor {
				r.env["NO_COLOR"] = "1"
			}
			r.env["TERM"] = "xterm"
			term := startTerminal(t, r.command(t, "--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name,
				"--version-id", itoa(d.ImageDeleted[0]), "--version-id", itoa(d.ImageDeleted[1]), "--apply", "--pacing", "0"))
			term.lines.waitFor(t, " 1m0s: "+strings.TrimPrefix(srv.URL, "http://")+": secondary rate limit (answer 403 to POST")
			term.lines.waitFor(t, "[0/2] "+itoa(d.ImageDeleted[1]))
			if _, err := term.tty.Write([]byte{3}); err != nil { // Ctrl-C
				t.Fatal(err)
			}
			term.lines.waitFor(t, "To resume:")
			if code := exitCode(t, term.cmd.Wait()); code != exitInterrupted {
				t.Errorf("exit %d, want %d", code, exitInterrupted)
			}
			// The process has exited, but the terminal may still hold its last
			// lines: read them all (the pty reads EOF once they are drained).
			term.lines.waitEnd()
			out := term.output()
			// The progress line: done/total, the current item, the wait, elapsed time.
			if !strings.Contains(out, "\r\x1b[K[0/2] "+itoa(d.ImageDeleted[1])) || !strings.Contains(out, "· waiting ") || !strings.Contains(out, "elapsed") {
				t.Errorf("no progress line in:\n%q", out)
			}
			// The report starts on its own line: the progress line was cleared.
			// The restore that the secondary limit refused was waiting to be
			// sent again: it did not take effect, so it is not in flight.
			for _, want := range []string{"Interrupted.\r\n", "  in flight:  none\r\n", "  not tried:  2 versions\r\n",
				"\r\n  restore --base-url " + srv.URL} {
				if !strings.Contains(out, want) {
					t.Errorf("the report lacks %q:\n%q", want, out)
				}
			}
			if i := strings.Index(out, "Interrupted."); i < 0 || !strings.HasSuffix(strings.TrimSuffix(out[:i], "^C"), "\r\x1b[K") && !strings.HasSuffix(out[:i], "\n") {
				t.Errorf("the report is glued to the progress line:\n%q", out)
			}
			if !strings.Contains(out, "waiting"+reset+" 1m0s: 127.0.0.1:") && !strings.Contains(out, "\r\x1b[Kwaiting 1m0s: 127.0.0.1:") {
				t.Errorf("the wait is not on its own line:\n%q", out)
			}
			if colored := strings.Contains(out, yellow+"waiting"+reset); colored == noColor {
				t.Errorf("NO_COLOR=%v but colour shown = %v:\n%q", noColor, colored, out)
			}
			if n := len(posts(srv)); n != 1 {
				t.Errorf("%d POSTs, want the one that met the limit", n)
			}
		})
	}
}
