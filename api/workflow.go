package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Selector chooses deleted versions of a package. A version is selected when
// it matches any of IDs, Names or Tags (or All is set), and it was deleted
// within [DeletedSince, DeletedUntil) when those are set. A selector with
// only a time window selects every version deleted in it.
type Selector struct {
	IDs []int64 `json:"ids,omitempty"`
	// Names are version names; for containers the name is the manifest
	// digest ("sha256:…").
	Names []string `json:"names,omitempty"`
	// Tags are glob patterns (path.Match: *, ?, [a-z]) on container and
	// docker tags. Whether GitHub keeps the tags of deleted versions is not
	// confirmed: when no deleted version lists any tag, the plan says so.
	Tags         []string  `json:"tags,omitempty"`
	DeletedSince time.Time `json:"deleted_since,omitzero"`
	DeletedUntil time.Time `json:"deleted_until,omitzero"`
	All          bool      `json:"all,omitempty"`
}

// Validate checks the selector before anything is sent.
func (s Selector) Validate() error {
	if !s.All && len(s.IDs) == 0 && len(s.Names) == 0 && len(s.Tags) == 0 && s.DeletedSince.IsZero() && s.DeletedUntil.IsZero() {
		return &ValidationError{Field: "selector", Reason: "selects nothing: give ids, names, tags, a deletion window, or all"}
	}
	for _, id := range s.IDs {
		if err := validateVersionID(id); err != nil {
			return err
		}
	}
	for _, n := range s.Names {
		if strings.TrimSpace(n) == "" {
			return &ValidationError{Field: "name", Value: n, Reason: "must not be blank"}
		}
	}
	for _, t := range s.Tags {
		if t == "" {
			return &ValidationError{Field: "tag", Value: t, Reason: "must not be empty"}
		}
		if _, err := path.Match(t, ""); err != nil {
			return &ValidationError{Field: "tag", Value: t, Reason: "is not a valid glob pattern"}
		}
	}
	if !s.DeletedSince.IsZero() && !s.DeletedUntil.IsZero() && !s.DeletedSince.Before(s.DeletedUntil) {
		return &ValidationError{Field: "deleted_until", Value: s.DeletedUntil.Format(time.RFC3339), Reason: "must be after deleted_since"}
	}
	return nil
}

// match returns why v is selected, or nil.
func (s Selector) match(v Version) []string {
	if v.DeletedAt == nil {
		return nil
	}
	inWindow := (s.DeletedSince.IsZero() || !v.DeletedAt.Before(s.DeletedSince)) &&
		(s.DeletedUntil.IsZero() || v.DeletedAt.Before(s.DeletedUntil))
	if !inWindow {
		return nil
	}
	var why []string
	if s.All {
		why = append(why, "all deleted versions")
	}
	if slices.Contains(s.IDs, v.ID) {
		why = append(why, "id "+strconv.FormatInt(v.ID, 10))
	}
	if slices.Contains(s.Names, v.Name) {
		why = append(why, "name "+v.Name)
	}
	for _, pat := range s.Tags {
		for _, tag := range v.Tags {
			if ok, _ := path.Match(pat, tag); ok {
				why = append(why, fmt.Sprintf("tag %s matches %s", tag, pat))
			}
		}
	}
	if len(why) == 0 && len(s.IDs) == 0 && len(s.Names) == 0 && len(s.Tags) == 0 {
		why = append(why, "deleted "+windowText(s))
	}
	return why
}

func windowText(s Selector) string {
	switch {
	case !s.DeletedSince.IsZero() && !s.DeletedUntil.IsZero():
		return "between " + s.DeletedSince.UTC().Format(time.RFC3339) + " and " + s.DeletedUntil.UTC().Format(time.RFC3339)
	case !s.DeletedSince.IsZero():
		return "since " + s.DeletedSince.UTC().Format(time.RFC3339)
	}
	return "before " + s.DeletedUntil.UTC().Format(time.RFC3339)
}

// PlanItem is one version a plan restores, and why.
type PlanItem struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Digest    string    `json:"digest,omitempty"`
	Tags      []string  `json:"tags,omitempty"`
	DeletedAt time.Time `json:"deleted_at"`
	// DaysLeft of GitHub's 30-day restore window when the plan was made.
	DaysLeft int      `json:"days_left"`
	Reasons  []string `json:"reasons"`
}

// Select streams the deleted versions of pkg that sel chooses, listing all
// pages of state=deleted with constant memory. Versions whose restore window
// has passed are skipped.
func (c *Client) Select(ctx context.Context, pkg Package, sel Selector) iter.Seq2[PlanItem, error] {
	return func(yield func(PlanItem, error) bool) {
		if err := sel.Validate(); err != nil {
			yield(PlanItem{}, err)
			return
		}
		now := c.clock.Now()
		for v, err := range c.Versions(ctx, pkg, &ListOptions{State: StateDeleted}) {
			if err != nil {
				yield(PlanItem{}, err)
				return
			}
			why := sel.match(v)
			if why == nil || v.DaysLeft(now) < 0 {
				continue
			}
			item := PlanItem{ID: v.ID, Name: v.Name, Digest: v.Digest, Tags: v.Tags, DeletedAt: *v.DeletedAt, DaysLeft: v.DaysLeft(now), Reasons: why}
			if !yield(item, nil) {
				return
			}
		}
	}
}

// Plan is what Apply will do: JSON-serialisable, in a stable order (by id),
// for review and for other tools.
type Plan struct {
	Package  Package   `json:"package"`
	Selector Selector  `json:"selector"`
	MadeAt   time.Time `json:"made_at"`
	// RestorePackage is set when the package itself was deleted (its last
	// version went with it): Apply restores the package first, then selects
	// again and restores what the selector chooses.
	RestorePackage bool       `json:"restore_package,omitempty"`
	Items          []PlanItem `json:"items"`
	// Notes explain what the selection could not find.
	Notes []string `json:"notes,omitempty"`
}

// MakePlan selects the deleted versions to restore. When the package cannot
// be listed because it was deleted as a whole, the plan restores the package
// first.
func (c *Client) MakePlan(ctx context.Context, pkg Package, sel Selector) (Plan, error) {
	if err := pkg.Validate(); err != nil {
		return Plan{}, err
	}
	p := Plan{Package: pkg, Selector: sel, MadeAt: c.clock.Now().UTC(), Items: []PlanItem{}}
	for item, err := range c.Select(ctx, pkg, sel) {
		if err != nil {
			var apiErr *Error
			if errors.As(err, &apiErr) && apiErr.StatusCode == 404 && apiErr.Message == "Package not found." {
				p.RestorePackage = true
				p.Notes = append(p.Notes, "the package itself is deleted: it is restored first, with the versions deleted along with it; then the selection is made again")
				return p, nil
			}
			return Plan{}, err
		}
		p.Items = append(p.Items, item)
	}
	slices.SortFunc(p.Items, func(a, b PlanItem) int { return cmp.Compare(a.ID, b.ID) })
	p.Notes = append(p.Notes, c.selectionNotes(ctx, pkg, sel, p.Items)...)
	return p, nil
}

// selectionNotes says which ids, names and tags found nothing.
func (c *Client) selectionNotes(ctx context.Context, pkg Package, sel Selector, items []PlanItem) []string {
	var notes []string
	for _, id := range sel.IDs {
		if slices.ContainsFunc(items, func(it PlanItem) bool { return it.ID == id }) {
			continue
		}
		v, err := c.GetVersion(ctx, pkg, id)
		switch {
		case err == nil && !v.Deleted():
			notes = append(notes, fmt.Sprintf("version %d is active: nothing to restore", id))
		case err == nil:
			notes = append(notes, fmt.Sprintf("version %d is deleted but outside the deletion window or past the 30-day restore window", id))
		default:
			notes = append(notes, fmt.Sprintf("version %d was not found among deleted versions (past GitHub's 30-day window, or never existed)", id))
		}
	}
	for _, n := range sel.Names {
		if !slices.ContainsFunc(items, func(it PlanItem) bool { return it.Name == n }) {
			notes = append(notes, fmt.Sprintf("no deleted version is named %s", n))
		}
	}
	if len(sel.Tags) > 0 && len(items) == 0 {
		notes = append(notes, "no deleted version carries a tag matching "+strings.Join(sel.Tags, ", ")+
			": GitHub may not list the tags of deleted versions; select by digest (name) or deletion time instead")
	}
	return notes
}

// Result is the outcome of restoring one version.
type Result struct {
	Item    PlanItem `json:"item"`
	Outcome Outcome  `json:"outcome"`
	Err     error    `json:"-"`
}

// MarshalJSON writes the error as its text under "error".
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	out := struct {
		plain
		Error string `json:"error,omitempty"`
	}{plain: plain(r)}
	if r.Err != nil {
		out.Error = r.Err.Error()
	}
	return json.Marshal(out)
}

// Progress is reported after each step of Apply.
type Progress struct {
	Done, Total int
	Result      Result
}

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// Progress is called after each version, from Apply's goroutine.
	Progress func(Progress)
}

// Report is what Apply did.
type Report struct {
	Package Package `json:"package"`
	// PackageOutcome is set when the plan restored the package itself.
	PackageOutcome Outcome  `json:"package_outcome,omitempty"`
	Results        []Result `json:"results"`
	Restored       int      `json:"restored"`
	AlreadyActive  int      `json:"already_active"`
	Failed         int      `json:"failed"`
}

// OK reports whether nothing failed.
func (r Report) OK() bool { return r.Failed == 0 }

// Apply performs a plan: the package first if it is deleted, then each
// version, one at a time through the client's pacing and retries. Each
// version gets an outcome: restored, already active, or failed with its
// error (a name taken by a newer version matches ErrNamespaceReused).
// Applying a plan again is safe: what is active already is reported so.
// The error is non-nil only when the context ends or the plan is invalid;
// versions not attempted then are not in the report.
func (c *Client) Apply(ctx context.Context, plan Plan, opts *ApplyOptions) (Report, error) {
	if err := plan.Package.Validate(); err != nil {
		return Report{}, err
	}
	for _, it := range plan.Items {
		if err := validateVersionID(it.ID); err != nil {
			return Report{}, err
		}
	}
	var o ApplyOptions
	if opts != nil {
		o = *opts
	}
	rep := Report{Package: plan.Package, Results: make([]Result, 0, len(plan.Items))}
	items := plan.Items
	if plan.RestorePackage {
		out, err := c.RestorePackage(ctx, plan.Package)
		if err != nil {
			return rep, fmt.Errorf("restore: restoring the deleted package %s: %w", plan.Package, err)
		}
		rep.PackageOutcome = out
		again, err := c.MakePlan(ctx, plan.Package, plan.Selector)
		if err != nil {
			return rep, err
		}
		items = again.Items
	}
	for i, it := range items {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		out, err := c.RestoreVersion(ctx, plan.Package, it.ID)
		r := Result{Item: it, Outcome: out, Err: err}
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return rep, ctxErr
			}
			r.Outcome = OutcomeFailed
			rep.Failed++
		} else if out == OutcomeAlreadyActive {
			rep.AlreadyActive++
		} else {
			rep.Restored++
		}
		rep.Results = append(rep.Results, r)
		if o.Progress != nil {
			o.Progress(Progress{Done: i + 1, Total: len(items), Result: r})
		}
	}
	return rep, nil
}
