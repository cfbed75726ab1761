package api

import (
	"cmp"
	"context"
	"fmt"
	"path"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// notListedNote is in every sweep plan: what GitHub's package listing
// cannot show.
const notListedNote = "GitHub does not list packages deleted as a whole: a sweep includes them only when they are named, and restores them whole first"

// Sweep describes the deleted versions to find across many packages of one
// owner and type: typically everything a cleanup run deleted, as in "undo
// what Tuesday's 14:00–14:20 retention run deleted, in every package".
type Sweep struct {
	// Owner and Type name the packages to list (Client.Packages).
	Owner Owner
	Type  PackageType
	// Names is a glob (path.Match: *, ?, [a-z]) on the names of the listed
	// packages. "" and "*" select every listed package; otherwise `*` does
	// not cross a `/`, so "team/*" selects the images under team/.
	Names string
	// DeletedSince and DeletedUntil bound the deletion window
	// [DeletedSince, DeletedUntil); at least one is required.
	DeletedSince time.Time
	DeletedUntil time.Time
	// Packages names packages to sweep besides those listed. GitHub does not
	// list a package deleted as a whole (by deleting its last version), so
	// such a package is found only when named here; the plan then restores
	// it whole first, as MakePlan does.
	Packages []string
	// Concurrency is how many packages are read at once, 1 to 100; 0 means
	// DefaultReadsInFlight. The client's read budget (WithReadBudget) bounds
	// the reads of all listings together, whatever this says.
	Concurrency int
}

// Validate checks the sweep before anything is sent, with a
// *ValidationError naming the field.
func (s Sweep) Validate() error {
	if err := s.Owner.Validate(); err != nil {
		return err
	}
	if err := validatePackageType(s.Type); err != nil {
		return err
	}
	if _, err := path.Match(s.Names, ""); err != nil {
		return &ValidationError{Field: "names", Value: s.Names, Reason: "is not a valid glob pattern"}
	}
	if s.DeletedSince.IsZero() && s.DeletedUntil.IsZero() {
		return &ValidationError{Field: "deleted_since", Reason: "or deleted_until is required: a sweep selects the versions deleted in a window"}
	}
	if err := s.selector().Validate(); err != nil {
		return err
	}
	for _, name := range s.Packages {
		if err := validatePackageName(name); err != nil {
			return err
		}
	}
	if s.Concurrency < 0 || s.Concurrency > 100 {
		return &ValidationError{Field: "concurrency", Value: strconv.Itoa(s.Concurrency), Reason: "must be 0 (the default) to 100"}
	}
	return nil
}

// selector is the sweep's window as the Selector every package is read
// with: the reasons and days left of its items are those of MakePlan.
func (s Sweep) selector() Selector {
	return Selector{DeletedSince: s.DeletedSince, DeletedUntil: s.DeletedUntil}
}

// matches reports whether a listed package's name is selected by Names.
func (s Sweep) matches(name string) bool {
	if s.Names == "" || s.Names == "*" {
		return true
	}
	ok, _ := path.Match(s.Names, name)
	return ok
}

// MakeSweepPlan makes one plan across packages: it lists the owner's
// packages of the sweep's type (all pages), keeps those whose names match,
// adds the packages named in Sweep.Packages, and selects in each the
// versions deleted within the window. Items are grouped by package, with
// the reasons and days left MakePlan gives; packages with nothing in the
// window add nothing.
//
// Packages are read concurrently, Sweep.Concurrency at a time, under the
// client's read budget (WithReadBudget), so that a sweep of many packages
// takes a fraction of the time of reading them one after the other without
// going past GitHub's secondary limits. Nothing is written: Apply restores
// the plan, serially and paced.
//
// GitHub does not list packages deleted as a whole; the plan's notes say
// so. A named package that answers 404 "Package not found." (deleted whole,
// or a wrong name) goes to RestorePackages with a note, as with MakePlan.
// Any other error ends the sweep: the error names the package.
//
// GET /orgs/{org}/packages, /users/{username}/packages or /user/packages
// (https://docs.github.com/rest/packages/packages#list-packages-for-an-organization),
// then for each package GET .../packages/{package_type}/{package_name}/versions?state=deleted
// (https://docs.github.com/rest/packages/packages#list-package-versions-for-a-package-owned-by-an-organization).
func (c *Client) MakeSweepPlan(ctx context.Context, s Sweep) (Plan, error) {
	if err := s.Validate(); err != nil {
		return Plan{}, err
	}
	sel := s.selector()
	madeAt := c.clock.Now().UTC()
	workers := s.Concurrency
	if workers == 0 {
		workers = DefaultReadsInFlight
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sw := sweeper{c: c, sel: sel}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	listed, matched, named := 0, 0, 0
	seen := map[string]bool{}
	listErr := func() error {
		for info, err := range c.Packages(gctx, s.Owner, s.Type, nil) {
			if err != nil {
				return err
			}
			listed++
			if !s.matches(info.Package.Name) || seen[info.Package.Name] {
				continue
			}
			matched++
			seen[info.Package.Name] = true
			pkg := Package{Owner: s.Owner, Type: s.Type, Name: info.Package.Name}
			g.Go(func() error { return sw.read(gctx, pkg, false) })
		}
		for _, name := range s.Packages {
			if seen[name] {
				continue
			}
			seen[name] = true
			named++
			pkg := Package{Owner: s.Owner, Type: s.Type, Name: name}
			g.Go(func() error { return sw.read(gctx, pkg, true) })
		}
		return nil
	}()
	if listErr != nil && gctx.Err() == nil {
		// The listing itself failed: stop the reads it started.
		cancel()
		_ = g.Wait()
		return Plan{}, fmt.Errorf("listing the %s packages of %s: %w", s.Type, s.Owner, listErr)
	}
	// Otherwise a read failed (and so the listing stopped), or ctx ended.
	if err := g.Wait(); err != nil {
		return Plan{}, err
	}
	if listErr != nil {
		return Plan{}, listErr
	}
	p := Plan{Schema: PlanSchema, BaseURL: c.BaseURL(), Selector: sel, MadeAt: madeAt, Items: sw.items, RestorePackages: sw.restore}
	if p.Items == nil {
		p.Items = []PlanItem{}
	}
	p.Sort()
	slices.SortFunc(p.RestorePackages, func(a, b Package) int { return cmp.Compare(a.Name, b.Name) })
	withItems := 0
	for i, it := range p.Items {
		if i == 0 || it.Package != p.Items[i-1].Package {
			withItems++
		}
	}
	slices.Sort(sw.notes)
	p.Notes = append(p.Notes, s.summary(listed, matched, named, withItems), notListedNote)
	p.Notes = append(p.Notes, sw.notes...)
	return p, nil
}

// summary is the sweep's first note: what was read and found.
func (s Sweep) summary(listed, matched, named, withItems int) string {
	which := ""
	if s.Names != "" && s.Names != "*" {
		which = " (names matching " + strconv.Quote(s.Names) + ")"
	}
	return fmt.Sprintf("swept %d of the %d %s packages GitHub lists for %s%s, and %d named: %d with versions deleted %s",
		matched, listed, s.Type, s.Owner, which, named, withItems, windowText(s.selector()))
}

// sweeper gathers what the concurrent reads of a sweep find.
type sweeper struct {
	c   *Client
	sel Selector

	mu      sync.Mutex
	items   []PlanItem
	restore []Package
	notes   []string
}

// read selects the deleted versions of pkg in the window.
func (sw *sweeper) read(ctx context.Context, pkg Package, named bool) error {
	var items []PlanItem
	for item, err := range sw.c.Select(ctx, pkg, sw.sel) {
		if err != nil {
			if !IsPackageNotFound(err) {
				return fmt.Errorf("package %s: %w", pkg, err)
			}
			sw.mu.Lock()
			defer sw.mu.Unlock()
			if named {
				sw.restore = append(sw.restore, pkg)
				sw.notes = append(sw.notes, "package "+pkg.String()+" was not found: it was deleted as a whole (then it is restored first, and the selection is made again), or its name or type is wrong")
			} else {
				sw.notes = append(sw.notes, "package "+pkg.String()+" was listed but then answered \"Package not found.\": it was deleted meanwhile; name it to restore it whole")
			}
			return nil
		}
		items = append(items, item)
	}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	sw.items = append(sw.items, items...)
	return nil
}
