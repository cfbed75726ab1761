package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ghpackages/restore/api"
)

// Exit codes, as --help documents them.
const (
	exitOK          = 0   // everything selected is restored, or the plan was printed
	exitFailed      = 1   // some versions failed, or their outcome is unknown, or an image stays broken
	exitUsage       = 2   // bad usage or input: nothing was restored
	exitNotFound    = 3   // the owner, package, version, tag, digest or run was not found
	exitAuth        = 4   // GitHub refused the token (401) or the permission (403)
	exitInterrupted = 130 // interrupted (Ctrl-C, SIGTERM): the report says how to resume
)

// runMode is what a command line asks for; each has its options and its run
// function (modes.go).
type runMode string

// The modes, as the summary event names them.
const (
	modeVersions runMode = "versions" // a selection in one package
	modeSweep    runMode = "sweep"    // a deletion window across packages
	modeUndoRun  runMode = "undo-run" // a sweep over a workflow run's window
	modeImage    runMode = "image"    // whole images by tag or digest
	modeBroken   runMode = "broken"   // every broken image of one package
	modeDoctor   runMode = "doctor"   // every broken image across packages
	modePlan     runMode = "plan"     // a plan file
)

// allModes lists every mode, for the flags that go with any.
var allModes = []runMode{modeVersions, modeSweep, modeUndoRun, modeImage, modeBroken, modeDoctor, modePlan}

// modeWords names the mode in a usage error: "--tag cannot be used with
// --plan FILE".
var modeWords = map[runMode]string{
	modeVersions: "a selection in one package",
	modeSweep:    "a sweep (a deletion window with --package GLOB or no --package)",
	modeUndoRun:  "--undo-run (it selects by the run's window)",
	modeImage:    "--image",
	modeBroken:   "--broken",
	modeDoctor:   "--broken across packages",
	modePlan:     "--plan FILE (the plan file holds the package and the selection)",
}

// flagSpec describes one flag: the only list of flag names. parse
// registers exactly these, and usage errors come from their modes and
// exclusions.
type flagSpec struct {
	name  string
	arg   string // the value's name in --help, "" for a switch
	usage string
	// modes the flag applies to; nil means every mode.
	modes []runMode
	// excludes are flags that cannot be given with this one.
	excludes []string
	bind     func(fs *flag.FlagSet, o *options, name, usage string)
}

var (
	selectorFlags = []string{"version-id", "version-name", "tag", "ids-from", "deleted-since", "deleted-until"}
	packageModes  = []runMode{modeVersions, modeSweep, modeUndoRun, modeImage, modeBroken, modeDoctor}
	ownerModes    = []runMode{modeVersions, modeSweep, modeUndoRun, modeImage, modeBroken, modeDoctor, modePlan}
	saveModes     = []runMode{modeVersions, modeSweep, modeUndoRun, modeImage, modeBroken}
	applyModes    = []runMode{modeVersions, modeSweep, modeUndoRun, modeImage, modeBroken, modePlan}
)

func str(p func(*options) *string) func(*flag.FlagSet, *options, string, string) {
	return func(fs *flag.FlagSet, o *options, name, usage string) { fs.StringVar(p(o), name, "", usage) }
}

func boolean(p func(*options) *bool) func(*flag.FlagSet, *options, string, string) {
	return func(fs *flag.FlagSet, o *options, name, usage string) { fs.BoolVar(p(o), name, false, usage) }
}

func value(p func(*options) flag.Value) func(*flag.FlagSet, *options, string, string) {
	return func(fs *flag.FlagSet, o *options, name, usage string) { fs.Var(p(o), name, usage) }
}

// flagTable is every flag of the tool, in --help order.
var flagTable = []flagSpec{
	{name: "org", arg: "ORG", usage: "the organization that owns the packages", modes: ownerModes, excludes: []string{"user"},
		bind: str(func(o *options) *string { return &o.org })},
	{name: "user", arg: "LOGIN", usage: "the user that owns the packages; @me for the token's own account", modes: ownerModes,
		bind: str(func(o *options) *string { return &o.user })},
	{name: "type", arg: "TYPE", usage: "npm, maven, rubygems, docker, nuget or container", modes: []runMode{modeVersions, modeSweep, modeUndoRun, modeImage, modeBroken, modeDoctor},
		bind: str(func(o *options) *string { return &o.typ })},
	{name: "package", arg: "NAME", usage: "the package, e.g. team/app; a GLOB for a sweep or --broken across packages", modes: packageModes,
		bind: str(func(o *options) *string { return &o.pkg })},
	{name: "version-id", arg: "ID", usage: "the version with this id (repeatable)", modes: []runMode{modeVersions},
		bind: value(func(o *options) flag.Value { return &o.ids })},
	{name: "version-name", arg: "NAME", usage: "the version with this name or digest (repeatable)", modes: []runMode{modeVersions},
		bind: value(func(o *options) flag.Value { return &o.names })},
	{name: "tag", arg: "GLOB", usage: "versions with a tag matching GLOB (repeatable)", modes: []runMode{modeVersions},
		bind: value(func(o *options) flag.Value { return &o.tags })},
	{name: "ids-from", arg: "FILE", usage: "version ids and sha256: digests read from FILE, or - for stdin", modes: []runMode{modeVersions},
		bind: str(func(o *options) *string { return &o.idsFrom })},
	{name: "deleted-since", arg: "T", usage: "versions deleted at or after T", modes: []runMode{modeVersions, modeSweep},
		bind: str(func(o *options) *string { return &o.since })},
	{name: "deleted-until", arg: "T", usage: "versions deleted before T (with --deleted-since)", modes: []runMode{modeVersions, modeSweep},
		bind: str(func(o *options) *string { return &o.until })},
	{name: "all-deleted", usage: "every deleted version within GitHub's 30-day window: no filter", modes: []runMode{modeVersions}, excludes: selectorFlags,
		bind: boolean(func(o *options) *bool { return &o.all })},
	{name: "undo-run", arg: "RUN", usage: "the versions a workflow run deleted: OWNER/REPO/RUN_ID or the run's URL", modes: []runMode{modeUndoRun},
		bind: str(func(o *options) *string { return &o.undoRun })},
	{name: "image", arg: "TAG|DIGEST", usage: "the whole image with this tag or sha256: digest (repeatable; container packages)", modes: []runMode{modeImage},
		bind: value(func(o *options) flag.Value { return &o.images })},
	{name: "broken", usage: "every tagged image missing a manifest; with a GLOB or no --package, across packages", modes: []runMode{modeBroken, modeDoctor},
		bind: boolean(func(o *options) *bool { return &o.broken })},
	{name: "verify", usage: "check in the registry that every manifest resolves (after --apply, or alone)", modes: []runMode{modeImage, modeBroken, modePlan},
		bind: boolean(func(o *options) *bool { return &o.verify })},
	{name: "registry", arg: "HOST|URL", usage: "the container registry (default: the API's, e.g. ghcr.io for github.com)", modes: []runMode{modeImage, modeBroken, modeDoctor, modePlan},
		bind: str(func(o *options) *string { return &o.registry })},
	{name: "apply", usage: "perform the plan (without it nothing changes)", modes: applyModes,
		bind: boolean(func(o *options) *bool { return &o.apply })},
	{name: "exit-status", usage: "exit 1 when something is broken, also in a dry run", modes: []runMode{modeImage, modeBroken, modeDoctor},
		bind: boolean(func(o *options) *bool { return &o.exitStatus })},
	{name: "save-plan", arg: "FILE", usage: "write the plan to FILE (JSON) for review", modes: saveModes, excludes: []string{"plan"},
		bind: str(func(o *options) *string { return &o.savePlan })},
	{name: "plan", arg: "FILE", usage: "apply or show the plan in FILE instead of selecting", modes: []runMode{modePlan},
		bind: str(func(o *options) *string { return &o.plan })},
	{name: "json", usage: "print one JSON object per line (see JSON.md)",
		bind: boolean(func(o *options) *bool { return &o.json })},
	{name: "wide", usage: "show full digests",
		bind: boolean(func(o *options) *bool { return &o.wide })},
	{name: "base-url", arg: "URL", usage: "the API or a GitHub Enterprise Server host (default $GITHUB_API_URL, else GitHub's)",
		bind: str(func(o *options) *string { return &o.baseURL })},
	{name: "pacing", arg: "DURATION", usage: "least time between two restores (GitHub asks for 1s)",
		bind: value(func(o *options) flag.Value { return &o.pacing })},
	{name: "timeout", arg: "DURATION", usage: "time of each request attempt before it is retried",
		bind: value(func(o *options) flag.Value { return &o.timeout })},
	{name: "no-read-budget", usage: "lift the read budget, for a GitHub Enterprise Server without rate limits",
		bind: boolean(func(o *options) *bool { return &o.noReadBudget })},
	{name: "version", usage: "print the tool's version",
		bind: boolean(func(o *options) *bool { return &o.version })},
	{name: "help", usage: "print this help",
		bind: boolean(func(o *options) *bool { return &o.help })},
}

// specOf returns the table's entry for name.
func specOf(name string) (flagSpec, bool) {
	i := slices.IndexFunc(flagTable, func(f flagSpec) bool { return f.name == name })
	if i < 0 {
		return flagSpec{}, false
	}
	return flagTable[i], true
}

// listFlag is a repeatable string flag.
type listFlag []string

// String lists the values (flag.Value).
func (l *listFlag) String() string { return strings.Join(*l, ",") }

// Set adds a value (flag.Value).
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// pacingFlag is a non-negative duration; a bare number is seconds.
type pacingFlag struct{ d time.Duration }

// String is the duration (flag.Value).
func (p *pacingFlag) String() string { return p.d.String() }

// maxSeconds is the first number of seconds a time.Duration cannot hold
// (about 292 years).
const maxSeconds = float64(math.MaxInt64) / float64(time.Second)

// Set parses a duration such as 10ms or 1s (flag.Value).
func (p *pacingFlag) Set(v string) error {
	if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
		if n >= maxSeconds { // and +Inf: the conversion would wrap to a negative duration
			return fmt.Errorf("%q is too long: give at most a few minutes, such as 2m", v)
		}
		p.d = time.Duration(n * float64(time.Second))
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return fmt.Errorf("%q is not a non-negative duration such as 0, 10ms, 1s or 2m", v)
	}
	p.d = d
	return nil
}

// options are the flags as given; modeOf and the per-mode constructors
// (modes.go) turn them into one mode's options.
type options struct {
	org, user, typ, pkg string
	ids, names, tags    listFlag
	idsFrom             string
	since, until        string
	all                 bool
	undoRun             string
	images              listFlag
	broken, verify      bool
	registry            string
	apply, exitStatus   bool
	savePlan, plan      string
	json, wide          bool
	baseURL             string
	pacing, timeout     pacingFlag
	noReadBudget        bool
	version, help       bool
	given               map[string]bool // flags set on the command line
}

// newFlagSet registers every flag of flagTable on a new FlagSet bound to o.
func newFlagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, f := range flagTable {
		f.bind(fs, o, f.name, f.usage)
	}
	return fs
}

// parse reads the command line. Help and version are handled by the caller.
func parse(args []string) (*options, error) {
	o := &options{pacing: pacingFlag{time.Second}, timeout: pacingFlag{api.DefaultAttemptTimeout}, given: map[string]bool{}}
	fs := newFlagSet(o)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			o.help = true
			return o, nil
		}
		return o, usageErr("%s", flagError(err))
	}
	fs.Visit(func(f *flag.Flag) { o.given[f.Name] = true })
	if fs.NArg() > 0 {
		if o.version {
			return o, usageErr("unexpected argument %q: --version prints the tool's version; select a version by name with --version-name", fs.Arg(0))
		}
		return o, usageErr("unexpected argument %q", fs.Arg(0))
	}
	return o, nil
}

// modeOf tells the mode from the flags given.
func (o *options) modeOf() runMode {
	window := o.given["deleted-since"] || o.given["deleted-until"]
	other := o.given["version-id"] || o.given["version-name"] || o.given["tag"] || o.given["ids-from"] || o.given["all-deleted"]
	switch {
	case o.given["plan"]:
		return modePlan
	case o.given["undo-run"]:
		return modeUndoRun
	case o.broken && (o.pkg == "" || isGlob(o.pkg)):
		return modeDoctor
	case o.broken:
		return modeBroken
	case o.given["image"] || (o.verify && !o.given["plan"]):
		return modeImage
	case window && !other && (o.pkg == "" || isGlob(o.pkg)):
		return modeSweep
	}
	return modeVersions
}

// checkTable refuses, from flagTable alone, a flag given in a mode it does
// not apply to and two flags that exclude each other.
func (o *options) checkTable(m runMode) error {
	for _, f := range flagTable {
		if !o.given[f.name] {
			continue
		}
		if f.modes != nil && !slices.Contains(f.modes, m) {
			return usageErr("--%s cannot be used with %s", f.name, modeWords[m])
		}
		for _, x := range f.excludes {
			if o.given[x] {
				if f.name == "all-deleted" {
					return usageErr("--all-deleted means no filter: drop --%s, or drop --all-deleted to restore only what the other selectors all match", x)
				}
				return usageErr("give --%s or --%s, not both", f.name, x)
			}
		}
	}
	return nil
}

// flagError rewrites the flag package's messages with two-dash flag names.
func flagError(err error) string {
	s := err.Error()
	if name, ok := strings.CutPrefix(s, "flag provided but not defined: -"); ok {
		return "unknown flag --" + name + " (see --help)"
	}
	if rest, ok := strings.CutPrefix(s, "invalid value "); ok {
		return "invalid value " + strings.Replace(rest, " for flag -", " for --", 1)
	}
	if rest, ok := strings.CutPrefix(s, "flag needs an argument: -"); ok {
		return "--" + rest + " needs a value"
	}
	return s
}
