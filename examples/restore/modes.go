package main

import (
	"context"
	"strconv"
	"strings"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/image"
)

// Each mode has an options struct, made and checked from the flags before
// anything is sent (usage errors come before the token), and a run
// function.

// versionsOptions: a selection in one package (versions.go).
type versionsOptions struct {
	pkg api.Package
	sel selection
}

// sweepOptions: a deletion window across an owner's packages (sweep.go);
// undo-run fills the window from a workflow run.
type sweepOptions struct {
	sweep api.Sweep
	run   api.RunRef // undo-run only
}

// imageOptions: whole images, or (broken) every broken image of a package
// (image.go).
type imageOptions struct {
	pkg    api.Package
	refs   []string
	broken bool
}

// doctorOptions: every broken image across an owner's container packages
// (doctor.go).
type doctorOptions struct {
	owner api.Owner
	glob  string
}

// planOptions: a plan file (versions.go).
type planOptions struct {
	file  string
	owner api.Owner
}

// dispatch checks the flags against the table, makes the mode's options and
// runs it.
func (c *cli) dispatch(ctx context.Context, cancel context.CancelFunc) int {
	if err := c.checkTable(c.mode); err != nil {
		return c.fail(err)
	}
	if c.timeout.d <= 0 {
		return c.fail(usageErr("--timeout %s: give a positive duration such as 30s", c.timeout.d))
	}
	if c.savePlan != "" {
		if err := checkSavePlan(c.savePlan); err != nil {
			return c.fail(err)
		}
	}
	switch c.mode {
	case modePlan:
		return c.runPlanFile(ctx, cancel, &planOptions{file: c.plan, owner: c.owner()})
	case modeSweep, modeUndoRun:
		o, err := c.sweepOptions()
		if err != nil {
			return c.fail(err)
		}
		return c.runSweep(ctx, cancel, o)
	case modeImage, modeBroken:
		o, err := c.imageOptions()
		if err != nil {
			return c.fail(err)
		}
		return c.runImages(ctx, cancel, o)
	case modeDoctor:
		o, err := c.doctorOptions()
		if err != nil {
			return c.fail(err)
		}
		return c.runDoctor(ctx, o)
	}
	o, err := c.versionsOptions()
	if err != nil {
		return c.fail(err)
	}
	return c.runVersions(ctx, cancel, o)
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

// needOwner refuses a command line without --org or --user.
func (c *cli) needOwner() (api.Owner, error) {
	o := c.owner()
	if o.IsZero() {
		return o, usageErr("missing --org or --user")
	}
	return o, o.Validate()
}

func (c *cli) versionsOptions() (*versionsOptions, error) {
	var missing []string
	if c.org == "" && c.user == "" {
		missing = append(missing, "--org or --user")
	}
	if c.typ == "" {
		missing = append(missing, "--type")
	}
	if c.pkg == "" {
		missing = append(missing, "--package")
	}
	if len(missing) > 0 {
		return nil, usageErr("missing %s", strings.Join(missing, ", "))
	}
	pkg := api.Package{Owner: c.owner(), Type: api.PackageType(c.typ), Name: c.pkg}
	if isGlob(c.pkg) {
		return nil, usageErr("--package %q is a glob: a sweep across packages takes a deletion window (--deleted-since, --deleted-until) and no other selector", c.pkg)
	}
	if err := pkg.Validate(); err != nil {
		return nil, err
	}
	sel := selection{names: c.names, tags: c.tags, all: c.all}
	for _, s := range c.ids {
		for _, part := range strings.Split(s, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
			if err != nil || id <= 0 {
				return nil, usageErr("--version-id %q: not a positive integer", part)
			}
			sel.ids = append(sel.ids, id)
		}
	}
	var err error
	if sel.since, sel.until, err = c.window(c.now()); err != nil {
		return nil, err
	}
	if c.idsFrom != "" {
		found, err := openIDs(c.idsFrom, c.stdin)
		if err != nil {
			return nil, err
		}
		if len(found.ids) == 0 && len(found.digests) == 0 {
			return nil, usageErr("--ids-from %s: found no version id (a token of digits only) and no sha256: digest", c.idsFrom)
		}
		if c.talk != modeJSON {
			c.say(c.stderr, "--ids-from %s: read %s.", c.idsFrom, found)
		}
		sel.ids = append(sel.ids, found.ids...)
		sel.names = append(sel.names, found.digests...)
	}
	if !sel.all && len(sel.ids) == 0 && len(sel.names) == 0 && len(sel.tags) == 0 && sel.since.IsZero() {
		return nil, usageErr("no selection: give --all-deleted, or any of --version-id, --version-name, --tag, --ids-from, --deleted-since")
	}
	if err := sel.selector().Validate(); err != nil {
		return nil, err
	}
	return &versionsOptions{pkg: pkg, sel: sel}, nil
}

func (c *cli) sweepOptions() (*sweepOptions, error) {
	o := &sweepOptions{}
	if c.mode == modeUndoRun {
		ref, err := api.ParseRunRef(c.undoRun)
		if err != nil {
			return nil, usageErr("--undo-run %q: give OWNER/REPO/RUN_ID or the run's URL", c.undoRun)
		}
		o.run = ref
		owner := c.owner()
		if owner.IsZero() {
			owner = api.Org(ref.Owner) // a run of a user's repository: give --user
		}
		typ := c.typ
		if typ == "" {
			typ = string(api.PackageTypeContainer)
		}
		o.sweep = api.Sweep{Owner: owner, Type: api.PackageType(typ), Names: c.pkg}
		// The window is the run's: set once the run is read; Validate
		// needs one now.
		probe := o.sweep
		probe.DeletedSince = c.now()
		return o, probe.Validate()
	}
	owner, err := c.needOwner()
	if err != nil {
		return nil, err
	}
	if c.typ == "" {
		return nil, usageErr("missing --type")
	}
	since, until, err := c.window(c.now())
	if err != nil {
		return nil, err
	}
	o.sweep = api.Sweep{Owner: owner, Type: api.PackageType(c.typ), Names: c.pkg, DeletedSince: since, DeletedUntil: until}
	return o, o.sweep.Validate()
}

func (c *cli) imageOptions() (*imageOptions, error) {
	owner, err := c.needOwner()
	if err != nil {
		return nil, err
	}
	switch {
	case c.mode == modeImage && len(c.images) == 0:
		return nil, usageErr("--verify needs the images to check: --image TAG|DIGEST or --broken")
	case c.user == api.MeLogin:
		return nil, usageErr("the registry names images OWNER/NAME: give your login, --user LOGIN, instead of --user @me")
	case c.typ != "" && c.typ != string(api.PackageTypeContainer):
		return nil, usageErr("--image and --broken work on container packages: --type container, not %s", c.typ)
	case c.pkg == "":
		return nil, usageErr("missing --package")
	case isGlob(c.pkg):
		return nil, usageErr("--package %s: one package at a time with --image", c.pkg)
	}
	for _, ref := range c.images {
		if !image.IsTag(ref) && !image.IsDigest(ref) {
			return nil, usageErr("--image %q is neither a tag nor sha256: and 64 hex digits", ref)
		}
	}
	if c.registry != "" {
		if err := checkRegistry(c.registry); err != nil {
			return nil, err
		}
	}
	pkg := api.Package{Owner: owner, Type: api.PackageTypeContainer, Name: c.pkg}
	return &imageOptions{pkg: pkg, refs: c.images, broken: c.broken}, pkg.Validate()
}

func (c *cli) doctorOptions() (*doctorOptions, error) {
	owner, err := c.needOwner()
	if err != nil {
		return nil, err
	}
	switch {
	case c.user == api.MeLogin:
		return nil, usageErr("the registry names images OWNER/NAME: give your login, --user LOGIN, instead of --user @me")
	case c.typ != "" && c.typ != string(api.PackageTypeContainer):
		return nil, usageErr("--broken works on container packages: --type container, not %s", c.typ)
	}
	if c.registry != "" {
		if err := checkRegistry(c.registry); err != nil {
			return nil, err
		}
	}
	return &doctorOptions{owner: owner, glob: c.pkg}, nil
}

func quote(s string) string { return strconv.Quote(s) }
