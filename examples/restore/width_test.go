package main

import (
	"io"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/creack/pty"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// ansi matches the escape sequences the tool itself writes (colours, the
// progress line's erase).
var ansi = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

// onTerminal runs cmd on a pseudo-terminal of cols columns to the end and
// returns what the terminal showed, split into the lines a user sees (a
// progress line redrawn after \r counts as a line of its own).
func onTerminal(t *testing.T, cmd *exec.Cmd, cols uint16) (lines []string, code int) {
	t.Helper()
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: cols})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, _ := io.ReadAll(f) // EIO once the process has exited and the output is drained
	code = exitCode(t, cmd.Wait())
	text := ansi.ReplaceAllString(string(raw), "")
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		lines = append(lines, strings.Split(l, "\r")...)
	}
	return lines, code
}

// widest is the widest line, in cells.
func widest(lines []string) (int, string) {
	n, which := 0, ""
	for _, l := range lines {
		if w := utf8.RuneCountInString(l); w > n {
			n, which = w, l
		}
	}
	return n, which
}

// Every text output fits an 80-column terminal: the plan table, an apply
// with a wait, the image tree, the verify report, a sweep, not found, and
// --help.
func TestEveryOutputFits80Columns(t *testing.T) {
	srv, d := fake(t)
	f := newImageFake(t)
	// A long package name and a long tag make the plan table wider than 80.
	seedPackage(t, srv, orgPkg(d.Org, api.PackageTypeContainer, "platform-team/very-long-service-name-for-width"), apitest.PackageSeed{Versions: []apitest.VersionSeed{
		{Name: "sha256:" + strings.Repeat("c", 64), Tags: []string{"release-2026.11.24-build.1234567890-with-a-long-suffix", "stable"}, DeletedAt: nowMinus(2)},
		{Name: "sha256:" + strings.Repeat("d", 64)},
	}})
	gh := []string{"--base-url", srv.URL, "--pacing", "0", "--org", d.Org}
	img := []string{"--base-url", f.gh.URL, "--registry", f.reg.URL, "--org", "octo-org", "--package", "team/web", "--pacing", "0"}
	tests := []struct {
		name   string
		run    cliRun
		args   []string
		code   int
		script func()
	}{
		{"dry run", withToken(d), append(gh, "--type", "container", "--package", "platform-team/very-long-service-name-for-width", "--all-deleted", "--wide"), exitOK, nil},
		{"apply with a wait", withToken(d), append(gh, "--type", "container", "--package", d.Image.Name, "--version-id", itoa(d.ImageDeleted[0]), "--apply"), exitOK,
			func() { srv.Script(api.OpRestoreVersion, apitest.SecondaryLimit(403, "1")) }},
		{"sweep", withToken(d), append(gh, "--type", "container", "--deleted-since", "30d"), exitOK, nil},
		{"not found", withToken(d), append(gh, "--type", "container", "--package", "team/ap", "--all-deleted"), exitNotFound, nil},
		{"image tree", f.run, append(img, "--image", f.demo.Tag), exitOK, nil},
		{"verify", f.run, append(img, "--image", f.demo.Tag, "--verify"), exitFailed, nil},
		{"help", cliRun{}, []string{"--help"}, exitOK, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.script != nil {
				tt.script()
			}
			lines, code := onTerminal(t, tt.run.command(t, tt.args...), 80)
			if code != tt.code {
				t.Errorf("exit %d, want %d:\n%s", code, tt.code, strings.Join(lines, "\n"))
			}
			if n, line := widest(lines); n > 80 {
				t.Errorf("a line of %d cells on an 80-column terminal:\n%q\n\n%s", n, line, strings.Join(lines, "\n"))
			}
		})
	}
}

// With more columns the tool uses them: the image tree keeps what happens
// to each manifest on its line at 120 columns, where 80 moves it below.
func TestA120ColumnTerminalIsUsed(t *testing.T) {
	f := newImageFake(t)
	args := []string{"--base-url", f.gh.URL, "--registry", f.reg.URL, "--org", "octo-org", "--package", "team/web", "--image", f.demo.Tag}
	wide, _ := onTerminal(t, f.run.command(t, args...), 120)
	narrow, _ := onTerminal(t, f.run.command(t, args...), 80)
	n, line := widest(wide)
	if n <= 80 || n > 120 {
		t.Errorf("the widest line at 120 columns has %d cells: %q\n%s", n, line, strings.Join(wide, "\n"))
	}
	if len(wide) >= len(narrow) {
		t.Errorf("120 columns take %d lines, 80 take %d: the width is not used", len(wide), len(narrow))
	}
}

// nowMinus is the wall-clock time days ago (the CLI runs on the wall clock).
func nowMinus(days int) time.Time { return time.Now().Add(-time.Duration(days) * 24 * time.Hour) }
