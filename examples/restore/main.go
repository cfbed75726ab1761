// Command restore restores deleted versions of GitHub Packages packages of
// an organization or a user: it lists what was deleted, plans, and (with
// --apply) restores, paced and retried as GitHub asks, journaling each
// outcome so that an interrupted run resumes.
//
//	restore --org ORG --type TYPE --package NAME SELECTION [--apply] [--json] [--save-plan FILE]
//	restore --plan FILE [--apply]
//
// Run restore --help for the flags, examples and exit codes.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/ghpackages/restore/api"
)

func main() {
	// Ctrl-C and SIGTERM reach the tool as interrupts (see interrupt.go).
	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt, syscall.SIGTERM)
	// A write to a closed pipe then returns EPIPE, which the tool reports,
	// instead of killing the process in the middle of an apply.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	code := run(context.Background(), env{
		args: os.Args[1:], getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		tty: isTerminal(os.Stderr), width: terminalWidth(), now: time.Now, interrupts: interrupts,
		stopSignals: func() { signal.Stop(interrupts) },
	})
	os.Exit(code)
}

// isTerminal reports whether f is a terminal (not merely a character
// device such as /dev/null).
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// terminalWidth is the width of the terminal on stderr, or 0.
func terminalWidth() int {
	w, _, err := term.GetSize(int(os.Stderr.Fd()))
	if err != nil {
		return 0
	}
	return w
}

// env is the process's world, so tests can run the tool in process.
type env struct {
	args           []string
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
	tty            bool
	width          int // of the terminal, 0 if unknown
	now            func() time.Time
	// interrupts delivers Ctrl-C (and SIGTERM); stopSignals gives them back
	// their default action, so that a last Ctrl-C kills.
	interrupts  <-chan os.Signal
	stopSignals func()
}

// cli is one run of the tool.
type cli struct {
	*options
	env
	stdout, stderr *output
	mode           mode
	width          int
	rep            *reporter
	tok            token
	// label names what was selected, for a plan with no items.
	label string
	stop  *stopper
}

func run(ctx context.Context, e env) int {
	c := &cli{env: e, stdout: &output{w: e.stdout}, stderr: &output{w: e.stderr}, width: 80}
	if e.width >= 40 {
		c.width = e.width
	}
	if n, err := strconv.Atoi(e.getenv("COLUMNS")); err == nil && n >= 40 {
		c.width = n
	}
	o, fs, err := parse(e.args, c.stderr)
	if err != nil {
		return c.fail(err)
	}
	c.options = o
	switch {
	case o.help:
		fmt.Fprint(c.stdout, help(fs))
		return c.finish(exitOK)
	case o.version:
		fmt.Fprintln(c.stdout, "restore "+toolVersion())
		return c.finish(exitOK)
	}
	c.mode = modePlain
	if o.json {
		c.mode = modeJSON
	} else if e.tty {
		c.mode = modeTTY
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.stop = &stopper{cancel: cancel}
	go c.watchInterrupts(ctx)
	code := c.main(ctx, cancel)
	return c.finish(code)
}

// finish turns a failed write to stdout into a non-zero exit.
func (c *cli) finish(code int) int {
	if err := c.stdout.Err(); err != nil {
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
		if c.mode == modeJSON {
			emit(c.stdout, map[string]any{"type": "interrupted", "done": 0, "exit_code": exitInterrupted})
		} else {
			fmt.Fprintln(c.stderr, "Interrupted before any restore was sent: nothing changed.")
		}
		return exitInterrupted
	}
	code := codeOf(err, exitFailed)
	if errors.Is(err, api.ErrInvalidInput) {
		code = exitUsage
	}
	text := inFlagTerms(err, message(err))
	if hint := c.tok.scopeHint(err); hint != "" {
		text += "\n" + hint
	}
	if c.mode == modeJSON {
		emit(c.stdout, map[string]any{"type": "error", "error": text, "exit_code": code})
	} else {
		fmt.Fprintln(c.stderr, "restore: "+wrap(text, c.width-9, "  "))
	}
	return code
}

func (c *cli) main(ctx context.Context, cancel context.CancelFunc) int {
	if c.img.active() {
		return c.runImages(ctx) // image-level restore: image.go
	}
	if err := c.checkFlags(); err != nil {
		return c.fail(err)
	}
	client, err := c.client(ctx)
	if err != nil {
		return c.fail(err)
	}
	defer client.CloseIdleConnections()

	var plan api.Plan
	if c.plan != "" {
		plan, err = loadPlan(c.plan, client.BaseURL(), c.owner())
		if err != nil {
			return c.fail(err)
		}
		if c.mode != modeJSON {
			fmt.Fprintln(c.stdout, wrap(planAge(plan, c.now()), c.width, "  "))
		}
	} else {
		plan, err = c.makePlan(ctx, client)
		if err != nil {
			return c.fail(err)
		}
	}
	c.printPlan(plan, c.now())
	if c.savePlan != "" {
		stale, err := savePlan(c.savePlan, plan)
		if err != nil {
			return c.fail(err)
		}
		if c.mode != modeJSON {
			if stale {
				fmt.Fprintf(c.stdout, "Removed the journal of the earlier plan %s.\n", c.savePlan)
			}
			if !c.apply {
				fmt.Fprintf(c.stdout, "Plan saved to %s. Apply it with:\n  %s\n", c.savePlan, c.resumeCommand(c.savePlan))
			}
		}
	}
	if len(plan.RestorePackages) > 0 && !c.apply {
		return c.notFound(ctx, client, plan.RestorePackages, false)
	}
	if !c.apply {
		return exitOK
	}
	return c.applyPlan(ctx, cancel, client, plan)
}

// checkFlags refuses combinations that cannot mean anything.
func (c *cli) checkFlags() error {
	if c.org != "" && c.user != "" {
		return usageErr("give --org or --user, not both")
	}
	if c.timeout.d <= 0 {
		return usageErr("--timeout %s: give a positive duration such as 30s", c.timeout.d)
	}
	if c.plan != "" {
		for _, name := range []string{"type", "package", "version-id", "version-name", "tag", "ids-from", "deleted-since", "deleted-until", "all-deleted", "save-plan"} {
			if c.given[name] {
				return usageErr("--plan takes the package and the selection from the plan file: drop --%s", name)
			}
		}
		return nil
	}
	if c.savePlan != "" {
		if err := checkSavePlan(c.savePlan); err != nil {
			return err
		}
	}
	var missing []string
	if c.org == "" && c.user == "" {
		missing = append(missing, "--org or --user")
	}
	if c.typ == "" {
		missing = append(missing, "--type")
	}
	if c.pkg == "" && c.since == "" && c.until == "" {
		missing = append(missing, "--package (or, for a sweep of every package, --deleted-since)")
	}
	if len(missing) > 0 {
		return usageErr("missing %s", strings.Join(missing, ", "))
	}
	return nil
}

// owner is the owner the flags name, or the zero Owner.
func (c *cli) owner() api.Owner {
	switch {
	case c.org != "":
		return api.Org(c.org)
	case c.user != "":
		return api.User(c.user)
	}
	return api.Owner{}
}

// client resolves the API, finds a token (exit 2 when there is none, before
// anything is sent) and builds the client.
func (c *cli) client(ctx context.Context) (*api.Client, error) {
	base := []api.Option{api.WithEnv(c.getenv)}
	if c.baseURL != "" {
		base = append(base, api.WithBaseURL(c.baseURL))
	}
	probe, err := api.New(append(base, api.WithoutToken())...)
	if err != nil {
		return nil, usageErr("%s", message(err))
	}
	baseURL := probe.BaseURL()
	c.tok, err = findToken(ctx, c.getenv, ghHost(baseURL))
	if err != nil {
		if c.plan != "" && !c.apply {
			return probe, nil // printing a plan file sends nothing: no token needed
		}
		return nil, err
	}
	c.rep = &reporter{stdout: c.stdout, stderr: c.stderr, mode: c.mode, color: c.mode == modeTTY && c.getenv("NO_COLOR") == "" && c.getenv("TERM") != "dumb",
		width: c.width, now: c.now, pacing: c.pacing.d}
	opts := append(base,
		api.WithToken(c.tok.value),
		api.WithWritePacing(c.pacing.d),
		api.WithUserAgent("ghpackages-restore-cli/"+toolVersion()),
		api.WithWaitHook(c.rep.waited),
	)
	opts = append(opts, api.WithAttemptTimeout(c.timeout.d))
	client, err := api.New(opts...)
	if err != nil {
		return nil, usageErr("%s", message(err))
	}
	return client, nil
}

// makePlan selects from the flags: in one package, or, with a deletion
// window and a --package glob (or none), across the owner's packages.
func (c *cli) makePlan(ctx context.Context, client *api.Client) (api.Plan, error) {
	pkg, sel, err := c.selection(c.now())
	if err != nil {
		return api.Plan{}, err
	}
	if c.sweep() {
		sw := api.Sweep{Owner: pkg.Owner, Type: pkg.Type, Names: c.pkg, DeletedSince: sel.DeletedSince, DeletedUntil: sel.DeletedUntil}
		if err := sw.Validate(); err != nil {
			return api.Plan{}, err
		}
		c.label = fmt.Sprintf("%s packages of %s", pkg.Type, pkg.Owner)
		if c.pkg != "" {
			c.label += " matching " + c.pkg
		}
		p, err := client.MakeSweepPlan(ctx, sw)
		if err == nil {
			// The SDK says GitHub lists no package deleted whole; say how to reach one here.
			p.Notes = append(p.Notes, "to restore a package deleted as a whole, plan it with --package NAME and the same deletion window")
		}
		return p, err
	}
	c.label = pkg.String()
	if err := pkg.Validate(); err != nil {
		return api.Plan{}, err
	}
	if err := sel.Validate(); err != nil {
		return api.Plan{}, err
	}
	return client.MakePlan(ctx, pkg, sel)
}
