package main

import (
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/ghpackages/restore/api"
)

// helpText is --help around the flags. Every line fits 80 columns.
const helpText = `restore brings back deleted GitHub Packages versions and whole container
images, inside GitHub's 30-day window.

Usage:
  restore OWNER PACKAGE SELECTION [--apply] [flags]
  restore OWNER --type TYPE [--package GLOB] --deleted-since T [--apply]
  restore --undo-run OWNER/REPO/RUN_ID [--type TYPE] [--apply]
  restore OWNER --package NAME --image TAG|DIGEST... [--apply] [--verify]
  restore OWNER [--package NAME|GLOB] --broken [--apply] [--exit-status]
  restore --plan FILE [--apply]

  OWNER      --org ORG | --user LOGIN | --user @me
  PACKAGE    --type TYPE --package NAME
  SELECTION  --all-deleted, or any of: --version-id ID... --tag GLOB...
             --version-name NAME... --ids-from FILE|-
             --deleted-since T [--deleted-until T]

Selectors: every selector given applies, so a version must match them all
(--tag 'v1.*' --deleted-since 2d: tagged v1.* AND deleted in the last two
days); repeated values of one selector are alternatives, and the versions
named by --version-id, --version-name and --ids-from are one list. --all-deleted
means no filter and cannot be combined with the others. A version id, name or
digest that no deleted version has is not found (exit 3).

Without --apply nothing changes: the plan is printed (and saved with
--save-plan).

Flags:
%s

T is RFC 3339 (2026-11-20T09:00:00Z), a date (2026-11-20, UTC) or an age
(36h, 7d).

Token: GH_TOKEN, else GITHUB_TOKEN, else the token of the gh CLI's login for
the API host (gh auth token --hostname HOST), when gh is on PATH. A classic
token with read:packages and write:packages restores; listing deleted
versions needs delete:packages too:
  gh auth refresh -s read:packages,write:packages,delete:packages

Plans and resuming: --save-plan FILE writes the plan (of versions, or with
--image and --broken of images); --plan FILE --apply applies it exactly as
written and needs only the connection flags. Each outcome is journaled in
FILE.journal as it happens, so running the same command again resumes
without sending any restore twice. A journal another run holds is never
touched, and one that is not a regular file is refused.

Undoing a cleanup run: --undo-run reads the workflow run and sweeps the
owner's packages of --type (container by default) for the versions deleted
between the run's start and its last update, widened by 2 minutes each side.

Images: --image and --broken restore whole multi-arch images of a container
package: the index, every platform, the attestations and the signatures, read
from the registry the API names (or --registry; a loopback or unknown API
host names none: give --registry). --verify then checks that every manifest
resolves; alone, it checks without restoring. A dry run exits 0 once the plan
is printed; --exit-status makes it exit 1 when an image is broken.

Output: text fits the terminal; when stdout or stderr is not a terminal,
nothing is wrapped, so logs stay greppable. --json prints one object per
line, the last one a summary (JSON.md). A closed stdout (| head -1) is no
error: the run ends quietly, but during --apply it stops after the restore
in flight and reports on stderr (exit 1).

Examples:
  # What did the cleanup delete? (dry run)
  restore --org octo-org --type container --package team/app --all-deleted
  # Restore what a cleanup workflow run deleted, in every container package
  restore --undo-run octo-org/infra/123456 --apply
  # Restore the versions tagged v1.* deleted in the last two days
  restore --org octo-org --type container --package team/app \
      --tag 'v1.*' --deleted-since 2d --apply
  # Review a plan, then apply it (run again to resume after an interruption)
  restore --user @me --type npm --package left-pad --all-deleted \
      --save-plan plan.json
  restore --plan plan.json --apply
  # Bring back a multi-arch image a cleanup broke, and prove it pulls
  restore --org octo-org --package team/web --image v1.4.0 --apply --verify
  # Nightly: fail when any container image of the org is broken
  restore --org octo-org --broken --exit-status
  # Restore the ids or digests a cleanup job logged
  gh run view 123 --log | restore --org octo-org --type container \
      --package team/app --ids-from -

Exit codes:
  0    everything selected is restored, or the plan was printed
  1    some versions failed or their outcome is unknown, or an image is
       still broken (a dry run: only with --exit-status)
  2    bad usage or input, no token, a wrong owner kind (--org/--user) or
       package type: nothing was restored
  3    not found: the owner, package, version id, name, digest, image tag
       or workflow run
  4    GitHub refused the token (401: give a valid token) or the permission
       (403: the token lacks a scope or access; the message says which)
  130  interrupted: the report lists what is done, in flight and not tried
`

// help renders the usage text for a terminal of width columns (80 when
// not a terminal): each flag's text wraps under itself, or moves below the
// flag when the flag is long.
func help(width int) string {
	if width <= 0 {
		width = 80
	}
	var b strings.Builder
	const col = 24
	for _, f := range flagTable {
		left := "  --" + f.name
		if f.arg != "" {
			left += " " + f.arg
		}
		text := f.usage
		switch f.name {
		case "pacing":
			text += " (default 1s)"
		case "timeout":
			text += " (default " + api.DefaultAttemptTimeout.String() + ")"
		}
		if cells(left) >= col-1 {
			b.WriteString(left + "\n" + strings.Repeat(" ", col))
		} else {
			b.WriteString(left + strings.Repeat(" ", col-cells(left)))
		}
		b.WriteString(strings.ReplaceAll(wrap(text, width-col, ""), "\n", "\n"+strings.Repeat(" ", col)) + "\n")
	}
	return strings.Replace(helpText, "%s", strings.TrimRight(b.String(), "\n"), 1)
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
