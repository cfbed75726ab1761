package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Result is the outcome of restoring one version.
type Result struct {
	Item    PlanItem `json:"item"`
	Outcome Outcome  `json:"outcome"`
	// Resumed is set when the journal recorded the outcome in an earlier
	// run: nothing was sent this time.
	Resumed bool  `json:"resumed,omitempty"`
	Err     error `json:"-"`
}

// MarshalJSON writes the error as its text under "error".
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	return json.Marshal(struct {
		plain
		Error string `json:"error,omitempty"`
	}{plain(r), errText(r.Err)})
}

// errText is err's text, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// PackageResult is the outcome of restoring a package deleted as a whole.
type PackageResult struct {
	Package Package `json:"package"`
	Outcome Outcome `json:"outcome"`
	Resumed bool    `json:"resumed,omitempty"`
	Err     error   `json:"-"`
}

// MarshalJSON writes the error as its text under "error", as Result does.
func (r PackageResult) MarshalJSON() ([]byte, error) {
	type plain PackageResult
	return json.Marshal(struct {
		plain
		Error string `json:"error,omitempty"`
	}{plain(r), errText(r.Err)})
}

// Progress is reported around each version Apply restores.
type Progress struct {
	// Done counts the versions finished so far, Total all of them (it grows
	// when the restore of a package deleted whole brings back versions to
	// select).
	Done, Total int
	// Result is the version's result; in ApplyOptions.Sending only its Item
	// is set.
	Result Result
}

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// Progress is called after each version, from Apply's goroutine.
	Progress func(Progress)
	// Sending, if set, is called before each restore is sent.
	Sending func(Progress)
	// Journal, if set, records each outcome as it happens, and what it
	// recorded as restored or already active is not sent again (see
	// Journal).
	Journal Journal
}

// Report is what Apply did.
type Report struct {
	// Packages are the restores of packages deleted as a whole.
	Packages []PackageResult `json:"packages,omitempty"`
	Results  []Result        `json:"results"`
	Restored int             `json:"restored"`
	// AlreadyActive were active before this run's restore.
	AlreadyActive int `json:"already_active"`
	Failed        int `json:"failed"`
	// Unknown were sent, but whether they took effect could not be checked
	// (their error matches ErrOutcomeUnknown): they may be restored. Running
	// the plan again settles them.
	Unknown int `json:"unknown"`
	// Skipped were recorded as done by the journal: nothing was sent.
	Skipped int `json:"skipped"`
	// InFlight is the version whose restore was sent when the context ended:
	// its outcome is unknown. NotTried were never sent.
	InFlight []PlanItem `json:"in_flight,omitempty"`
	NotTried []PlanItem `json:"not_tried,omitempty"`
}

// OK reports whether everything in the plan is now restored: nothing
// failed, nothing is unknown, and nothing was left undone.
func (r Report) OK() bool {
	for _, p := range r.Packages {
		if p.Err != nil {
			return false
		}
	}
	return r.Failed == 0 && r.Unknown == 0 && len(r.InFlight) == 0 && len(r.NotTried) == 0
}

// Apply performs a plan: the packages deleted whole first, then each
// version, one at a time through the client's pacing and retries. Each
// version gets an outcome: restored, already active, failed with its error
// (a name taken by a newer version matches ErrNamespaceReused), or unknown
// (the error matches ErrOutcomeUnknown: it may have taken effect).
//
// With a journal, each outcome is recorded as it happens and what the
// journal records as done is not sent again, so applying the same plan
// after an interruption resumes. Without one, applying again is still safe:
// what is active already is reported so.
//
// The error is non-nil when the plan is invalid or was made against another
// API (its BaseURL, when set, is not the client's; nothing is sent), when the
// journal cannot be written, or when ctx ends: the report then names the
// version in flight (outcome unknown) and those never tried.
func (c *Client) Apply(ctx context.Context, plan Plan, opts *ApplyOptions) (Report, error) {
	if err := plan.Validate(); err != nil {
		return Report{}, err
	}
	if plan.BaseURL != "" && strings.TrimRight(plan.BaseURL, "/") != c.BaseURL() {
		return Report{}, &ValidationError{Field: "base_url", Value: plan.BaseURL,
			Reason: "the plan was made against another API than this client's " + c.BaseURL() + ": its version ids mean nothing here"}
	}
	var o ApplyOptions
	if opts != nil {
		o = *opts
	}
	a := applier{c: c, o: o, rep: Report{Results: make([]Result, 0, len(plan.Items))}}
	items := slices.Clone(plan.Items)
	for _, pkg := range plan.RestorePackages {
		more, err := a.restorePackage(ctx, pkg, plan.Selector)
		if err != nil {
			a.rep.NotTried = a.left(items)
			return a.rep, err
		}
		for _, it := range more {
			if !slices.ContainsFunc(items, func(x PlanItem) bool { return x.Package == it.Package && x.ID == it.ID }) {
				items = append(items, it)
			}
		}
	}
	for i, it := range items {
		if err := ctx.Err(); err != nil {
			a.rep.NotTried = a.left(items[i:])
			return a.rep, err
		}
		r, err := a.restoreVersion(ctx, it, i, len(items))
		if err != nil {
			switch {
			case r.Outcome != "":
				// GitHub answered; only the journal failed to record it.
				a.rep.Results = append(a.rep.Results, r)
				a.rep.NotTried = a.left(items[i+1:])
			case ctx.Err() != nil:
				a.rep.InFlight = []PlanItem{it}
				a.rep.NotTried = a.left(items[i+1:])
			default:
				// The journal failed before the restore was sent.
				a.rep.NotTried = a.left(items[i:])
			}
			return a.rep, err
		}
		a.rep.Results = append(a.rep.Results, r)
		if o.Progress != nil {
			o.Progress(Progress{Done: i + 1, Total: len(items), Result: r})
		}
	}
	return a.rep, nil
}

// applier carries one Apply's options and report.
type applier struct {
	c   *Client
	o   ApplyOptions
	rep Report
}

// left is what of items is still to do: those the journal does not record
// as done.
func (a *applier) left(items []PlanItem) []PlanItem {
	var out []PlanItem
	for _, it := range items {
		if _, ok := a.lookup(it.Package, it.ID); !ok {
			out = append(out, it)
		}
	}
	return out
}

func (a *applier) lookup(pkg Package, id int64) (Outcome, bool) {
	if a.o.Journal == nil {
		return "", false
	}
	out, ok := a.o.Journal.Lookup(pkg, id)
	return out, ok && done(out)
}

// sentBefore reports whether the journal records a restore of the target
// that was sent and never answered (an interrupted run).
func (a *applier) sentBefore(pkg Package, id int64) bool {
	if a.o.Journal == nil {
		return false
	}
	out, ok := a.o.Journal.Lookup(pkg, id)
	return ok && out == OutcomeUnknown
}

func (a *applier) record(pkg Package, id int64, out Outcome, err error) error {
	if a.o.Journal == nil {
		return nil
	}
	e := JournalEntry{Package: pkg, ID: id, Outcome: out, At: a.c.clock.Now().UTC()}
	if err != nil {
		e.Error = err.Error()
	}
	return a.o.Journal.Record(e)
}

// restoreVersion restores one version and counts it. The error is non-nil
// only when ctx ended while the restore was in flight (the Result is zero),
// or the journal failed: before sending (the Result is zero) or after the
// answer (the Result has it).
func (a *applier) restoreVersion(ctx context.Context, it PlanItem, i, total int) (Result, error) {
	if out, ok := a.lookup(it.Package, it.ID); ok {
		a.rep.Skipped++
		return Result{Item: it, Outcome: out, Resumed: true}, nil
	}
	if a.o.Sending != nil {
		a.o.Sending(Progress{Done: i, Total: total, Result: Result{Item: it}})
	}
	if err := a.record(it.Package, it.ID, OutcomeUnknown, nil); err != nil {
		return Result{}, err
	}
	out, err := a.c.RestoreVersion(ctx, it.Package, it.ID)
	if err != nil && ctx.Err() != nil {
		return Result{}, ctx.Err() // in flight: the journal keeps "unknown"
	}
	r := Result{Item: it, Outcome: out, Err: err}
	switch {
	case errors.Is(err, ErrOutcomeUnknown):
		r.Outcome = OutcomeUnknown
		a.rep.Unknown++
	case err != nil:
		r.Outcome = OutcomeFailed
		a.rep.Failed++
	case out == OutcomeAlreadyActive:
		a.rep.AlreadyActive++
	default:
		a.rep.Restored++
	}
	return r, a.record(it.Package, it.ID, r.Outcome, err)
}

// restorePackage restores a package deleted whole and selects its versions
// again. A failure is recorded in the report; the error is non-nil only
// when ctx ended or the journal failed.
func (a *applier) restorePackage(ctx context.Context, pkg Package, sel Selector) ([]PlanItem, error) {
	pr := PackageResult{Package: pkg}
	if out, ok := a.lookup(pkg, 0); ok {
		pr.Outcome, pr.Resumed = out, true
	} else {
		sentBefore := a.sentBefore(pkg, 0)
		if err := a.record(pkg, 0, OutcomeUnknown, nil); err != nil {
			return nil, err
		}
		out, err := a.c.RestorePackage(ctx, pkg, nil)
		if err != nil && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		pr.Outcome, pr.Err = out, err
		switch {
		case errors.Is(err, ErrNameInUse) && sentBefore:
			// An earlier run sent this restore and never heard back: the
			// package GitHub says is active is the one it restored.
			pr.Outcome, pr.Err = OutcomeAlreadyActive, nil
		case errors.Is(err, ErrOutcomeUnknown):
			pr.Outcome = OutcomeUnknown
		case errors.Is(err, ErrNotFound):
			pr.Outcome = OutcomeFailed
			pr.Err = fmt.Errorf("%s: no such package, or deleted more than 30 days ago: %w", pkg, err)
		case err != nil:
			pr.Outcome = OutcomeFailed
		}
		if err := a.record(pkg, 0, pr.Outcome, pr.Err); err != nil {
			a.rep.Packages = append(a.rep.Packages, pr) // answered, not recorded
			return nil, err
		}
	}
	a.rep.Packages = append(a.rep.Packages, pr)
	if pr.Err != nil {
		return nil, nil
	}
	plan, err := a.c.MakePlan(ctx, pkg, sel)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		a.rep.Packages[len(a.rep.Packages)-1].Err = fmt.Errorf("%s: restored, but its deleted versions could not be listed: %w", pkg, err)
		return nil, nil
	}
	return plan.Items, nil
}
