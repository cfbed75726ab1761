package api

import (
	"context"
	"encoding/json"
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
	Resumed bool `json:"resumed,omitempty"`
	// Redeleted is set when the journal recorded the version restored, but
	// it was deleted again after that (its DeletedAt is after the entry): a
	// new deletion, restored again in this run.
	Redeleted bool  `json:"redeleted,omitempty"`
	Err       error `json:"-"`
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

// ApplyOptions tune Apply and ApplyItems.
type ApplyOptions struct {
	// Progress is called after each version, from Apply's goroutine.
	Progress func(Progress)
	// Sending, if set, is called when a version's restore really leaves the
	// client: after write pacing, the rate-limit gate and the read budget
	// let it through, once per version (retries are not announced again),
	// on the goroutine that called Apply. A restore that was still waiting
	// when ctx ended was never announced, and the report has it NotTried.
	Sending func(Progress)
	// Journal, if set, records each outcome as it happens, and what it
	// recorded as restored or already active is not sent again (see
	// Journal).
	Journal Journal
	// More, if set, is called when the items to restore run out, with the
	// results of the round just done; the items it returns (those not sent
	// already in this Apply) are the next round. Return none to stop. The
	// image half walks on this way through deleted indexes, whose children
	// are known only once they are restored.
	More func(ctx context.Context, round []Result) ([]PlanItem, error)
	// NameTakenIsDone counts a restore refused because an active version
	// holds the same name (ErrNamespaceReused) as already active. Right for
	// image plans: a container version's name is its manifest's digest, so
	// the registry serves that manifest anyway.
	NameTakenIsDone bool
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
	// InFlight is the version (or package, ID 0) whose restore had left the
	// client when the context ended: its outcome is unknown. NotTried were
	// never sent, including one still waiting for pacing or a rate-limit
	// gate when the context ended.
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
// version, one at a time through the client's pacing and retries, with the
// one engine ApplyItems and api/image use. Each version gets an outcome:
// restored, already active, failed with its error (a name taken by a newer
// version matches ErrNamespaceReused), or unknown (the error matches
// ErrOutcomeUnknown: it may have taken effect). Once a package deleted
// whole is restored, its versions are selected again with the plan's
// Selector, and what that adds is restored in a further round. A version
// planned from an id that could not be listed (no name: MakePlan with a
// token without delete:packages) is looked up once restored or found active
// (one GET .../versions/{package_version_id}, as GetVersion), and its
// Result names it, with its digest and tags; a failed look-up leaves the
// Result unnamed and the outcome as it is.
//
// With a journal, each outcome is recorded as it happens and what the
// journal records as done is not sent again, so applying the same plan
// after an interruption resumes; a version the plan shows deleted after the
// journal's entry was deleted again, and is restored again
// (Result.Redeleted). Without one, applying again is still safe: what is
// active already is reported so.
//
// The error is non-nil when the plan is invalid, is an image plan, or was
// made against another API (its BaseURL, when set, is not the client's;
// nothing is sent), when the journal cannot be written, or when ctx ends:
// the report then names the version in flight (sent, outcome unknown) and
// those never tried (including one that waited for pacing or a gate).
func (c *Client) Apply(ctx context.Context, plan Plan, opts *ApplyOptions) (Report, error) {
	if err := plan.Validate(); err != nil {
		return Report{}, err
	}
	if err := c.CheckPlan(plan.Kind, PlanKindVersions, plan.BaseURL); err != nil {
		return Report{}, err
	}
	e := newEngine(c, opts)
	first := make([]target, 0, len(plan.RestorePackages)+len(plan.Items))
	for _, pkg := range plan.RestorePackages {
		first = append(first, target{item: PlanItem{Package: pkg, Reasons: []string{"the package was deleted whole"}}, whole: true})
	}
	for _, it := range plan.Items {
		first = append(first, target{item: it})
	}
	public := e.publicMore()
	reselected := len(plan.RestorePackages) == 0
	more := func(ctx context.Context) ([]target, error) {
		if !reselected {
			reselected = true
			next := e.reselect(ctx, plan.Selector)
			next = slices.DeleteFunc(next, func(t target) bool { return e.seen[t.key()] })
			if len(next) > 0 || ctx.Err() != nil {
				return next, ctx.Err()
			}
		}
		if public == nil {
			return nil, nil
		}
		return public(ctx)
	}
	return e.run(ctx, first, more)
}

// CheckPlan refuses, as Apply does before sending anything, a plan whose
// kind is not want (an empty kind is PlanKindVersions, as in plans written
// before kinds existed), or one made against another API than the client's
// (baseURL, when set, is not BaseURL(): its ids mean nothing here). The
// error is a *ValidationError naming "kind" or "base_url". The image half
// checks its plans with it.
func (c *Client) CheckPlan(kind, want PlanKind, baseURL string) error {
	if kind == "" {
		kind = PlanKindVersions
	}
	if kind != want {
		return &ValidationError{Field: "kind", Value: string(kind), Reason: fmt.Sprintf("is not %q: apply it with the %s plan's own Apply", want, kind)}
	}
	if baseURL != "" && strings.TrimRight(baseURL, "/") != c.BaseURL() {
		return &ValidationError{Field: "base_url", Value: baseURL,
			Reason: "the plan was made against another API than this client's " + c.BaseURL() + ": its version ids mean nothing here"}
	}
	return nil
}

// reselect selects again the versions of each package this Apply restored
// whole (or found restored in the journal). A package whose versions cannot
// be listed says so in its result.
func (e *engine) reselect(ctx context.Context, sel Selector) []target {
	var out []target
	for k, pr := range e.rep.Packages {
		if pr.Err != nil || pr.Outcome == OutcomeUnknown {
			continue
		}
		plan, err := e.c.MakePlan(ctx, pr.Package, sel)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			e.rep.Packages[k].Err = fmt.Errorf("%s: restored, but its deleted versions could not be listed: %w", pr.Package, err)
			continue
		}
		for _, it := range plan.Items {
			out = append(out, target{item: it})
		}
	}
	return out
}
