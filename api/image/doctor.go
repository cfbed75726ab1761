package image

import (
	"context"
	"path"

	"github.com/ghpackages/restore/api"
)

// The doctor: a scheduled check of every container package of an owner,
// which finds the broken images and the plan that fixes each.

// DoctorOptions tunes Doctor; nil or the zero value is the default.
type DoctorOptions struct {
	// Packages is a glob (path.Match: *, ?, [a-z]; `*` does not cross `/`)
	// on package names; "" and "*" check every container package.
	Packages string
	// Concurrency is how many packages are checked at once, 1 to 64; 0
	// means DefaultMaxInFlight. The registry client's bound on reads in
	// flight and the API client's read budget hold for all of them together.
	Concurrency int
	// Restorer tunes each package's Restorer (its Clock and Poll); its
	// Walked is not called.
	Restorer *RestorerOptions
	// Checked, if not nil, is called after each package, with how many are
	// done of how many. Calls are serialized.
	Checked func(pkg api.Package, done, total int)
}

// PackageHealth is one package's part of a DoctorReport.
type PackageHealth struct {
	Package api.Package `json:"package"`
	// Plan is Broken's plan: the broken images and what restores them; an
	// empty Plan.Images means every tagged image is whole.
	Plan Plan `json:"plan"`
	// Err is why the package could not be checked.
	Err error `json:"-"`
}

// DoctorReport is what Doctor found.
type DoctorReport struct {
	// Packages are the packages checked, in listing order.
	Packages []PackageHealth `json:"packages"`
}

// Broken counts the broken images across packages.
func (r DoctorReport) Broken() int {
	n := 0
	for _, p := range r.Packages {
		n += len(p.Plan.Images)
	}
	return n
}

// Failed counts the packages that could not be checked.
func (r DoctorReport) Failed() int {
	n := 0
	for _, p := range r.Packages {
		if p.Err != nil {
			n++
		}
	}
	return n
}

// Doctor checks every container package of owner whose name matches
// opts.Packages, as Restorer.Broken does for one: it lists the owner's
// container packages (GET /orgs/{org}/packages?package_type=container, or
// the user forms:
// https://docs.github.com/rest/packages/packages#list-packages-for-an-organization),
// then scans each package's tagged images in the registry. It changes
// nothing. An error listing the packages is returned; an error checking one
// package is in its PackageHealth.
func Doctor(ctx context.Context, gh *api.Client, reg Reader, owner api.Owner, opts *DoctorOptions) (DoctorReport, error) {
	var o DoctorOptions
	if opts != nil {
		o = *opts
	}
	if gh == nil {
		return DoctorReport{}, invalid("client", "nil", "the doctor lists packages through a GitHub client")
	}
	if reg == nil {
		return DoctorReport{}, invalid("registry", "nil", "is nil")
	}
	if err := owner.Validate(); err != nil {
		return DoctorReport{}, err
	}
	if _, err := path.Match(o.Packages, ""); err != nil {
		return DoctorReport{}, invalid("packages", o.Packages, "is not a valid glob pattern")
	}
	if o.Concurrency < 0 || o.Concurrency > 64 {
		return DoctorReport{}, invalid("concurrency", "", "must be between 1 and 64")
	}
	workers := o.Concurrency
	if workers == 0 {
		workers = DefaultMaxInFlight
	}
	var pkgs []api.Package
	for info, err := range gh.Packages(ctx, owner, api.PackageTypeContainer, nil) {
		if err != nil {
			return DoctorReport{}, err
		}
		if o.Packages == "" || o.Packages == "*" {
			pkgs = append(pkgs, info.Package)
		} else if ok, _ := path.Match(o.Packages, info.Package.Name); ok {
			pkgs = append(pkgs, info.Package)
		}
	}
	rep := DoctorReport{Packages: make([]PackageHealth, len(pkgs))}
	var ropts RestorerOptions
	if o.Restorer != nil {
		ropts = *o.Restorer
	}
	ropts.Walked = nil
	var tick func(int, int)
	if o.Checked != nil {
		tick = func(i, done int) { o.Checked(pkgs[i], done, len(pkgs)) }
	}
	inParallel(ctx, len(pkgs), workers, func(i int) {
		h := PackageHealth{Package: pkgs[i]}
		r, err := NewRestorer(gh, reg, pkgs[i], &ropts)
		if err == nil {
			h.Plan, err = r.Broken(ctx)
		}
		h.Err = err
		rep.Packages[i] = h
	}, tick)
	return rep, ctx.Err()
}
