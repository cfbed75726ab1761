package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/ghpackages/restore/api"
)

// Exit codes, as --help documents them.
const (
	exitOK          = 0   // everything selected is restored, or the plan was printed
	exitFailed      = 1   // some versions failed, or their outcome is unknown
	exitUsage       = 2   // bad usage or input, or no token: nothing was sent
	exitNotFound    = 3   // the package was not found (deleted whole, or a typo)
	exitInterrupted = 130 // interrupted (Ctrl-C, SIGTERM): the report says how to resume
)

const helpText = `restore brings back deleted GitHub Packages versions, inside GitHub's 30-day window.

Usage:
  restore OWNER PACKAGE SELECTION [--apply] [flags]
  restore --plan FILE [--apply]

  OWNER      --org ORG | --user LOGIN | --user @me
  PACKAGE    --type TYPE --package NAME
             (with a deletion window, --package GLOB or no --package: every package of the type)
  SELECTION  --version-id ID... | --version-name NAME... | --tag GLOB... | --ids-from FILE|-
             | --deleted-since T [--deleted-until T] | --all-deleted
             | --image TAG|DIGEST... | --broken   (whole container images, see below)

Without --apply nothing changes: the plan is printed (and saved with --save-plan).

Flags:
%s

T is RFC 3339 (2026-11-20T09:00:00Z), a date (2026-11-20, UTC) or an age (36h, 7d).

Token: GH_TOKEN, else GITHUB_TOKEN, else the token of the gh CLI's login for the
API host (gh auth token --hostname HOST), when gh is on PATH. Restoring needs
read:packages and write:packages; listing deleted versions needs delete:packages:
  gh auth refresh -s read:packages,write:packages,delete:packages

Plans and resuming: --save-plan FILE writes the plan; --plan FILE --apply applies it
exactly as written and needs only the connection flags. Each outcome is journaled in
FILE.journal as it happens, so running the same command again resumes without
sending any restore twice. Without a plan file nothing is journaled: running the
same command again selects only what is still deleted.

Images: --image and --broken restore whole multi-arch images of a container
package: the index, every platform, the buildx attestations and the cosign
signatures, read from the registry (--registry; ghcr.io by default). --verify
then checks that every manifest resolves; alone, it checks without restoring.

Examples:
  # What did the cleanup delete? (dry run)
  restore --org octo-org --type container --package team/app --all-deleted
  # Restore the versions deleted in a time window
  restore --org octo-org --type container --package team/app \
      --deleted-since 2026-11-24T14:00:00Z --deleted-until 2026-11-24T14:20:00Z --apply
  # Undo a whole cleanup run: every container package of the org, one plan
  restore --org octo-org --type container \
      --deleted-since 2026-11-24T14:00:00Z --deleted-until 2026-11-24T14:20:00Z --save-plan undo.json
  # Review a plan, then apply it (run again to resume after an interruption)
  restore --user @me --type npm --package left-pad --all-deleted --save-plan plan.json
  restore --plan plan.json --apply
  # Bring back a multi-arch image whose platforms a cleanup deleted, and prove it pulls
  restore --org octo-org --package team/web --image v1.4.0 --apply --verify
  # Every broken image of a package (dry run)
  restore --org octo-org --type container --package team/web --broken
  # Restore the ids or digests a cleanup job logged
  gh run view 123 --log | restore --org octo-org --type container --package team/app --ids-from -

Exit codes:
  0    everything selected is restored, or the plan was printed
  1    some versions failed, or their outcome is unknown, or an image is still broken,
       or the output could not be written (a closed pipe)
  2    bad usage or input, or no token: nothing was sent
  3    the package was not found: deleted whole, or a typo in --package or --type
  130  interrupted: the report lists what is done, in flight and not tried
`

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

type options struct {
	org, user, typ, pkg    string
	ids, names, tags       listFlag
	idsFrom                string
	since, until           string
	all, apply, json, wide bool
	baseURL                string
	pacing, timeout        pacingFlag
	savePlan, plan         string
	version, help          bool
	given                  map[string]bool // flags set on the command line
	img                    imageOptions    // --image, --broken, --verify, --registry (image.go)
}

// parse reads the command line. Help and version are handled by the caller.
func parse(args []string, stderr io.Writer) (*options, *flag.FlagSet, error) {
	o := &options{pacing: pacingFlag{time.Second}, timeout: pacingFlag{api.DefaultAttemptTimeout}, given: map[string]bool{}}
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.org, "org", "", "the organization `ORG` that owns the package")
	fs.StringVar(&o.user, "user", "", "the user `LOGIN` that owns the package; @me for the token's own account")
	fs.StringVar(&o.typ, "type", "", "package `TYPE`: npm, maven, rubygems, docker, nuget, container")
	fs.StringVar(&o.pkg, "package", "", "package `NAME`, e.g. team/app; a glob with a deletion window")
	fs.Var(&o.ids, "version-id", "restore the version with this `ID` (repeatable)")
	fs.Var(&o.names, "version-name", "restore the deleted version with this `NAME` or digest (repeatable)")
	fs.Var(&o.tags, "tag", "restore deleted versions with a tag matching `GLOB` (repeatable)")
	fs.StringVar(&o.idsFrom, "ids-from", "", "read version ids and sha256: digests from `FILE`, or - for stdin")
	fs.StringVar(&o.since, "deleted-since", "", "restore versions deleted at or after `T`")
	fs.StringVar(&o.until, "deleted-until", "", "with --deleted-since: and before `T`")
	fs.BoolVar(&o.all, "all-deleted", false, "restore every deleted version still within GitHub's 30-day window")
	fs.BoolVar(&o.apply, "apply", false, "perform the plan (without it nothing changes)")
	fs.StringVar(&o.savePlan, "save-plan", "", "write the plan to `FILE` (JSON) for review")
	fs.StringVar(&o.plan, "plan", "", "read the plan from `FILE` instead of selecting")
	fs.BoolVar(&o.json, "json", false, "print one JSON object per line")
	fs.BoolVar(&o.wide, "wide", false, "show full digests in the plan table")
	fs.StringVar(&o.baseURL, "base-url", "", "API `URL` or GitHub Enterprise Server host (default $GITHUB_API_URL, else https://api.github.com)")
	fs.Var(&o.pacing, "pacing", "least `DURATION` between two restores, e.g. 1s or 10ms (GitHub asks for 1s)")
	fs.Var(&o.timeout, "timeout", "`DURATION` of each request attempt before it is retried, e.g. 30s")
	o.img.register(fs)
	fs.BoolVar(&o.version, "version", false, "print the tool's version")
	fs.BoolVar(&o.help, "help", false, "print this help")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			o.help = true
			return o, fs, nil
		}
		return nil, fs, usageErr("%s", flagError(err))
	}
	fs.Visit(func(f *flag.Flag) { o.given[f.Name] = true })
	if fs.NArg() > 0 {
		if o.version {
			return nil, fs, usageErr("unexpected argument %q: --version prints the tool's version; select a version by name with --version-name", fs.Arg(0))
		}
		return nil, fs, usageErr("unexpected argument %q", fs.Arg(0))
	}
	return o, fs, nil
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

// help renders the usage text with every flag written with two dashes.
func help(fs *flag.FlagSet) string {
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		left := "  --" + f.Name
		if name != "" {
			left += " " + strings.ToUpper(name)
		}
		fmt.Fprintf(&b, "%-26s %s", left, usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0s" && f.DefValue != "[]" {
			fmt.Fprintf(&b, " (default %s)", f.DefValue)
		}
		b.WriteByte('\n')
	})
	return fmt.Sprintf(helpText, strings.TrimRight(b.String(), "\n"))
}

// toolVersion is the tool's version (see versionOf).
func toolVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return api.ModuleVersion
	}
	return versionOf(info.Main.Version, info.Settings)
}

// pseudoVersion matches the pseudo-versions Go stamps on a build from a
// checkout (v0.0.0-20261126053800-0123456789ab, +dirty when modified).
var pseudoVersion = regexp.MustCompile(`\d{14}-[0-9a-f]{12}(\+dirty)?$`)

// versionOf is the module version a build was made at (go install
// ...@v0.2.0) or, for a build from a checkout ("(devel)" or a pseudo-version),
// the version this source declares (api.ModuleVersion), followed by the VCS
// revision when the build recorded one.
func versionOf(built string, settings []debug.BuildSetting) string {
	if built != "" && built != "(devel)" && !pseudoVersion.MatchString(built) {
		return built
	}
	v := api.ModuleVersion
	var rev, dirty string
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = ", modified"
			}
		}
	}
	if len(rev) >= 12 {
		v += " (" + rev[:12] + dirty + ")"
	}
	return v
}
