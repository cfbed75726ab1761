// Command restore restores deleted versions of GitHub Packages packages of
// an organization or a user, and whole container images: it lists what was
// deleted, plans, and (with --apply) restores, paced and retried as GitHub
// asks, journaling each outcome so that an interrupted run resumes.
//
//	restore --org ORG --type TYPE --package NAME SELECTION [--apply] [--json] [--save-plan FILE]
//	restore --undo-run OWNER/REPO/RUN_ID [--apply]
//	restore --org ORG --package NAME --image TAG [--apply] [--verify]
//	restore --org ORG --broken [--exit-status]
//	restore --plan FILE [--apply]
//
// Run restore --help for the flags, examples and exit codes, and see
// JSON.md for --json.
package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/ghpackages/restore/api"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/term"
)

func main() {
	// Ctrl-C and SIGTERM reach the tool as interrupts (see interrupt.go).
	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt, syscall.SIGTERM)
	// A write to a closed pipe then returns EPIPE, which the tool handles
	// (output.go), instead of killing the process in the middle of an apply.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	code := run(context.Background(), env{
		args: os.Args[1:], getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		tty: isTerminal(os.Stderr), outTTY: isTerminal(os.Stdout), width: terminalWidth(), now: time.Now, interrupts: interrupts,
		stopSignals: func() { signal.Stop(interrupts) },
	})
	os.Exit(code)
}

// isTerminal reports whether f is a terminal (not merely a character
// device such as /dev/null).
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// terminalWidth is the width of the terminal on stdout or stderr, or 0.
func terminalWidth() int {
	for _, f := range []*os.File{os.Stdout, os.Stderr} {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return 0
}

// env is the process's world, so tests can run the tool in process.
type env struct {
	args           []string
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
	tty            bool // stderr is a terminal
	outTTY         bool // stdout is a terminal
	width          int  // of the terminal, 0 if unknown
	now            func() time.Time
	// interrupts delivers Ctrl-C (and SIGTERM); stopSignals gives them back
	// their default action, so that a last Ctrl-C kills.
	interrupts  <-chan os.Signal
	stopSignals func()
}

// cli is one run of the tool: its streams, how it talks (mode), and what it
// has done so far (tally). The modes' run functions are in modes.go.
type cli struct {
	*options
	env
	stdout, stderr *output
	talk           mode
	mode           runMode
	// outWidth and errWidth are the columns text may take on stdout and
	// stderr: 0 when that stream is not a terminal (nothing is wrapped).
	outWidth, errWidth int
	rep                *reporter
	tok                token
	stop               *stopper
	tally              tally
	applied            bool
	// journal is the journal --save-plan opened (and reset), held for the
	// apply that follows.
	journal *api.FileJournal
}

func run(ctx context.Context, e env) int {
	c := &cli{env: e, stdout: &output{w: e.stdout}, stderr: &output{w: e.stderr}}
	width := 80
	if e.width >= 40 {
		width = e.width
	}
	if n, err := strconv.Atoi(e.getenv("COLUMNS")); err == nil && n >= 40 {
		width = n
	}
	if e.outTTY {
		c.outWidth = width
	}
	if e.tty {
		c.errWidth = width
	}
	o, err := parse(e.args)
	c.options = o
	if o.json {
		c.talk = modeJSON
	}
	if err != nil {
		return c.end(c.fail(err))
	}
	switch {
	case o.help:
		fmt.Fprint(c.stdout, help(c.outWidth))
		return c.finish(exitOK)
	case o.version:
		fmt.Fprintln(c.stdout, "restore "+toolVersion())
		return c.finish(exitOK)
	}
	c.talk = modePlain
	switch {
	case o.json:
		c.talk = modeJSON
	case e.tty:
		c.talk = modeTTY
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.stop = &stopper{cancel: cancel}
	go c.watchInterrupts(ctx)
	c.mode = o.modeOf()
	return c.end(c.dispatch(ctx, cancel))
}

// end closes a run: the summary event with --json, then the exit code.
func (c *cli) end(code int) int {
	code = c.finish(code)
	if c.talk == modeJSON {
		mode := c.mode
		if mode == "" {
			mode = modeVersions
		}
		emit(c.stdout, c.tally.summary(mode, c.applied, code))
	}
	return code
}

// finish applies the rule for a closed stdout (| head -1): when nobody
// reads, the run ends quietly with the code it had; only a run whose
// output was never written at all because of it says so on stderr.
func (c *cli) finish(code int) int {
	if err := c.stdout.Err(); err != nil && !isClosedPipe(err) {
		fmt.Fprintln(c.stderr, "restore: writing the output failed:", message(err))
		if code == exitOK {
			return exitFailed
		}
	}
	return code
}

// fail prints err once, in the tool's words, and returns its exit code.
func (c *cli) fail(err error) int {
	if errors.Is(err, context.Canceled) {
		if c.talk == modeJSON {
			emit(c.stdout, interruptedEvent{Event: "interrupted", While: "planning", InFlight: []string{}, NotTried: []string{}})
		} else {
			fmt.Fprintln(c.stderr, "Interrupted before any restore was sent: nothing changed.")
		}
		return exitInterrupted
	}
	code, text, fix := c.explain(err)
	if errors.Is(err, errQuiet) {
		return code // said already, as an event
	}
	if c.talk == modeJSON {
		emit(c.stdout, errorEvent{Event: "error", Error: text, Fix: fix, Operation: operationOf(err), ExitCode: code})
		return code
	}
	if fix != "" {
		text += "\n" + fix
	}
	fmt.Fprintln(c.stderr, wrap("restore: "+text, c.errWidth, "  "))
	return code
}
