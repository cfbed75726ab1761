// Command restore restores deleted versions of a GitHub Packages package of
// an organization: it lists what was deleted, plans, and (with --apply)
// restores, paced and retried as GitHub asks.
//
//	restore --org ORG --type TYPE --package NAME SELECTION [--apply] [--json] [--base-url URL]
//	SELECTION: --version-id ID (repeatable) | --version NAME | --tag GLOB |
//	           --deleted-since T [--deleted-until T] | --all-deleted
//
// Without --apply it prints the plan and changes nothing. The token comes from
// GH_TOKEN or GITHUB_TOKEN (a classic personal access token with
// read:packages and write:packages); the API from --base-url, else
// GITHUB_API_URL, else api.github.com (a GitHub Enterprise Server host name
// becomes https://HOST/api/v3).
//
// Exit codes: 0 everything selected was restored (or the plan was printed),
// 1 some versions failed, 2 bad usage or bad input (nothing was sent).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ghpackages/restore/api"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, isTerminal(os.Stderr))
	stop()
	os.Exit(code)
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	usageHeader = `usage: restore --org ORG --type TYPE --package NAME SELECTION [--apply] [--json] [--base-url URL]
SELECTION: --version-id ID (repeatable) | --version NAME | --tag GLOB | --deleted-since T [--deleted-until T] | --all-deleted
T is RFC 3339 (2026-11-20T09:00:00Z), a date (2026-11-20, UTC) or an age (36h, 7d).
The token is read from GH_TOKEN or GITHUB_TOKEN.

`
)

type listFlag []string

// String lists the values (flag.Value).
func (l *listFlag) String() string { return strings.Join(*l, ",") }

// Set adds a value (flag.Value): the flag is repeatable.
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type options struct {
	org, typ, pkg, baseURL string
	ids, names, tags       listFlag
	since, until           string
	all, apply, json       bool
	pacing                 time.Duration
}

// cli carries the output streams and mode.
type cli struct {
	stdout, stderr io.Writer
	json           bool
	tty            bool
}

func (c *cli) emit(v map[string]any) {
	b, _ := json.Marshal(v)
	fmt.Fprintln(c.stdout, string(b))
}

func (c *cli) fail(code int, err error) int {
	if c.json {
		c.emit(map[string]any{"type": "error", "error": err.Error(), "exit_code": code})
	} else {
		fmt.Fprintln(c.stderr, "restore:", err)
	}
	return code
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, tty bool) int {
	var o options
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageHeader)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.org, "org", "", "organization (required)")
	fs.StringVar(&o.typ, "type", "", "package type: npm, maven, rubygems, docker, nuget, container (required)")
	fs.StringVar(&o.pkg, "package", "", "package name, e.g. team/app (required)")
	fs.Var(&o.ids, "version-id", "restore this version id (repeatable)")
	fs.Var(&o.names, "version", "restore the deleted version with this name or digest (repeatable)")
	fs.Var(&o.tags, "tag", "restore deleted versions with a tag matching this glob (repeatable)")
	fs.StringVar(&o.since, "deleted-since", "", "restore versions deleted at or after T")
	fs.StringVar(&o.until, "deleted-until", "", "with --deleted-since: and before T")
	fs.BoolVar(&o.all, "all-deleted", false, "restore every deleted version still within GitHub's 30-day window")
	fs.BoolVar(&o.apply, "apply", false, "perform the plan (without it nothing changes)")
	fs.BoolVar(&o.json, "json", false, "print one JSON object per line")
	fs.StringVar(&o.baseURL, "base-url", "", "API base URL or GitHub Enterprise Server host (default GITHUB_API_URL, else https://api.github.com)")
	fs.DurationVar(&o.pacing, "pacing", time.Second, "least time between two restores (GitHub asks for 1s)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	c := &cli{stdout: stdout, stderr: stderr, json: o.json, tty: tty && !o.json}
	if fs.NArg() > 0 {
		return c.fail(exitUsage, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	pkg, sel, err := o.selection(time.Now())
	if err != nil {
		return c.fail(exitUsage, err)
	}
	opts := []api.Option{api.WithEnv(getenv), api.WithWritePacing(o.pacing), api.WithUserAgent("ghpackages-restore-cli/" + api.ModuleVersion)}
	if o.baseURL != "" {
		opts = append(opts, api.WithBaseURL(o.baseURL))
	}
	client, err := api.New(opts...)
	if err != nil {
		return c.fail(exitUsage, err)
	}
	defer client.CloseIdleConnections()
	if err := pkg.Validate(); err != nil {
		return c.fail(exitUsage, err)
	}
	if err := sel.Validate(); err != nil {
		return c.fail(exitUsage, err)
	}

	plan, err := client.MakePlan(ctx, pkg, sel)
	if err != nil {
		if errors.Is(err, api.ErrInvalidInput) {
			return c.fail(exitUsage, err)
		}
		return c.fail(exitFailed, err)
	}
	c.printPlan(plan, o.apply)
	if !o.apply {
		return exitOK
	}
	rep, err := client.Apply(ctx, plan, &api.ApplyOptions{Progress: c.progress})
	c.printReport(rep)
	if err != nil {
		return c.fail(exitFailed, err)
	}
	if !rep.OK() {
		return exitFailed
	}
	return exitOK
}

func (o *options) selection(now time.Time) (api.Package, api.Selector, error) {
	var missing []string
	for name, v := range map[string]string{"--org": o.org, "--type": o.typ, "--package": o.pkg} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return api.Package{}, api.Selector{}, fmt.Errorf("missing %s", strings.Join(slices.Sorted(slices.Values(missing)), ", "))
	}
	pkg := api.Package{Org: o.org, Type: api.PackageType(o.typ), Name: o.pkg}
	sel := api.Selector{Names: o.names, Tags: o.tags, All: o.all}
	for _, s := range o.ids {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return pkg, sel, fmt.Errorf("--version-id %q: not a positive integer", s)
		}
		sel.IDs = append(sel.IDs, id)
	}
	var err error
	if o.since != "" {
		if sel.DeletedSince, err = parseTime(o.since, now); err != nil {
			return pkg, sel, fmt.Errorf("--deleted-since: %w", err)
		}
	}
	if o.until != "" {
		if o.since == "" {
			return pkg, sel, errors.New("--deleted-until needs --deleted-since")
		}
		if sel.DeletedUntil, err = parseTime(o.until, now); err != nil {
			return pkg, sel, fmt.Errorf("--deleted-until: %w", err)
		}
	}
	if !sel.All && len(sel.IDs) == 0 && len(sel.Names) == 0 && len(sel.Tags) == 0 && sel.DeletedSince.IsZero() {
		return pkg, sel, errors.New("no selection: give --version-id, --version, --tag, --deleted-since or --all-deleted")
	}
	return pkg, sel, nil
}

// parseTime reads RFC 3339, a date (UTC), or an age such as 36h or 7d.
func parseTime(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days >= 0 {
			return now.Add(-time.Duration(days) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not RFC 3339, a date (2006-01-02) or an age (36h, 7d)", s)
}

func (c *cli) printPlan(p api.Plan, apply bool) {
	if c.json {
		for _, it := range p.Items {
			c.emit(map[string]any{"type": "plan_item", "id": it.ID, "name": it.Name, "digest": it.Digest, "tags": it.Tags,
				"deleted_at": it.DeletedAt, "days_left": it.DaysLeft, "reasons": it.Reasons})
		}
		for _, n := range p.Notes {
			c.emit(map[string]any{"type": "note", "note": n})
		}
		c.emit(map[string]any{"type": "plan", "package": p.Package, "restore_package": p.RestorePackage, "count": len(p.Items), "apply": apply})
		return
	}
	mode := "dry run: add --apply to restore"
	if apply {
		mode = "applying"
	}
	fmt.Fprintf(c.stdout, "Plan for %s: %d deleted version(s) to restore (%s)\n", p.Package, len(p.Items), mode)
	if p.RestorePackage {
		fmt.Fprintln(c.stdout, "The package itself is deleted: it is restored first.")
	}
	if len(p.Items) > 0 {
		tw := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  ID\tNAME\tTAGS\tDELETED\tDAYS LEFT\tWHY")
		for _, it := range p.Items {
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%d\t%s\n", it.ID, short(it.Name), dash(strings.Join(it.Tags, ",")),
				it.DeletedAt.UTC().Format("2006-01-02 15:04"), it.DaysLeft, strings.Join(it.Reasons, "; "))
		}
		tw.Flush()
	}
	for _, n := range p.Notes {
		fmt.Fprintln(c.stdout, "note:", n)
	}
}

func short(name string) string {
	if strings.HasPrefix(name, "sha256:") && len(name) > 19 {
		return name[:19] + "…"
	}
	return name
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (c *cli) progress(p api.Progress) {
	r := p.Result
	if c.json {
		v := map[string]any{"type": "result", "id": r.Item.ID, "name": r.Item.Name, "outcome": r.Outcome, "done": p.Done, "total": p.Total}
		if r.Err != nil {
			v["error"] = r.Err.Error()
		}
		c.emit(v)
		return
	}
	if c.tty {
		const width = 30
		filled := width * p.Done / max(p.Total, 1)
		fmt.Fprintf(c.stderr, "\r[%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat("-", width-filled), p.Done, p.Total)
		if p.Done == p.Total {
			fmt.Fprintln(c.stderr)
		}
		if r.Err != nil {
			fmt.Fprintf(c.stderr, "\rfailed %d %s: %v\n", r.Item.ID, short(r.Item.Name), r.Err)
		}
		return
	}
	line := fmt.Sprintf("[%d/%d] %s %d %s", p.Done, p.Total, r.Outcome, r.Item.ID, short(r.Item.Name))
	if r.Err != nil {
		line += ": " + r.Err.Error()
	}
	fmt.Fprintln(c.stdout, line)
}

func (c *cli) printReport(r api.Report) {
	if c.json {
		v := map[string]any{"type": "summary", "package": r.Package, "restored": r.Restored, "already_active": r.AlreadyActive, "failed": r.Failed}
		if r.PackageOutcome != "" {
			v["package_outcome"] = r.PackageOutcome
		}
		c.emit(v)
		return
	}
	if r.PackageOutcome != "" {
		fmt.Fprintf(c.stdout, "Package %s: %s\n", r.Package, strings.ReplaceAll(string(r.PackageOutcome), "_", " "))
	}
	fmt.Fprintf(c.stdout, "Restored %d, already active %d, failed %d.\n", r.Restored, r.AlreadyActive, r.Failed)
}
