package image

import (
	"context"
	"errors"
	"path"
	"strconv"
	"sync"

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
// /users/{username}/packages:
// https://docs.github.com/rest/packages/packages#list-packages-for-an-organization),
// then, opts.Concurrency packages at a time, lists each package's versions
// and scans its tagged images in the registry. It changes nothing, but the
// token needs delete:packages besides read:packages: each package's
// deleted versions are listed, to find what repairs a broken image.
//
// The API client's read budget (api.WithReadBudget) and the registry
// client's bound on reads in flight (WithMaxInFlight) hold for all the
// packages together, whatever the concurrency.
//
// Bad input is a *api.ValidationError naming the field, and nothing is
// sent. The owner must be named by login (api.Org or api.User): the registry
// names images OWNER/NAME. An error listing the packages is returned. An
// error checking one package is in its PackageHealth, and the others go on;
// an error that would stop every package alike (a token refused by GitHub
// or the registry, a rate limit that outlasted the retries, a realm on
// another host) stops the doctor and is returned, with the report so far.
// When ctx ends, the report names every package, those not checked with
// ctx's error, and ctx's error is returned.
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
	if owner.Login() == "" {
		return DoctorReport{}, invalid("owner", owner.String(), "the registry names images OWNER/NAME: give the owner's login (api.User(LOGIN)) rather than api.Me()")
	}
	if _, err := path.Match(o.Packages, ""); err != nil {
		return DoctorReport{}, invalid("packages", o.Packages, "is not a valid glob pattern")
	}
	if o.Concurrency < 0 || o.Concurrency > 64 {
		return DoctorReport{}, invalid("concurrency", strconv.Itoa(o.Concurrency), "must be between 1 and 64 (0 for the default)")
	}
	var ropts RestorerOptions
	if o.Restorer != nil {
		ropts = *o.Restorer
	}
	ropts.Walked = nil
	// The Restorer's options are checked once, before anything is sent.
	if _, err := NewRestorer(gh, reg, api.Package{Owner: owner, Type: api.PackageTypeContainer, Name: "doctor"}, &ropts); err != nil {
		return DoctorReport{}, err
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
	for i, p := range pkgs {
		rep.Packages[i].Package = p
	}
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu      sync.Mutex
		done    int
		stopErr error
		tried   = make([]bool, len(pkgs))
	)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(pkgs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				h := &rep.Packages[i]
				r, err := NewRestorer(gh, reg, pkgs[i], &ropts)
				if err == nil {
					h.Plan, err = r.Broken(dctx)
				}
				h.Err = err
				mu.Lock()
				tried[i] = true
				if err != nil && stopErr == nil && stopsAll(err) {
					stopErr = err
					cancel()
				}
				done++
				if o.Checked != nil {
					o.Checked(pkgs[i], done, len(pkgs))
				}
				mu.Unlock()
			}
		}()
	}
	for i := range pkgs {
		if dctx.Err() != nil {
			break
		}
		select {
		case next <- i:
		case <-dctx.Done():
		}
	}
	close(next)
	wg.Wait()
	end := stopErr
	if end == nil {
		end = ctx.Err()
	}
	if end != nil {
		for i := range rep.Packages {
			if !tried[i] {
				rep.Packages[i].Err = end
			}
		}
	}
	return rep, end
}

// stopsAll reports whether err, met checking one package, would stop every
// other package alike.
func stopsAll(err error) bool {
	for _, e := range []error{ErrForeignHost, ErrRegistryRateLimited, ErrToken, api.ErrUnauthorized, api.ErrForbidden, api.ErrRateLimited} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
