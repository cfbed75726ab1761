package image

import (
	"context"
	"fmt"
	"slices"

	"github.com/ghpackages/restore/api"
)

// Applied is what Restorer.Apply did: the engine's report (the same
// api.Report as a plan of versions gets) and the image view of it.
type Applied struct {
	// Report counts and lists every restore: results, unknown, in flight,
	// not tried.
	Report api.Report `json:"report"`
	// Plan is the images as apply left them: each manifest's state says
	// restored, failed, unknown or not tried; Items are every version the
	// apply restored or meant to, walking on included.
	Plan Plan `json:"plan"`
}

// Apply restores what the plan says is deleted, each version once, through
// the same engine as api.Client.Apply (api.Client.ApplyItems): the
// client's pacing, retries and idempotent restore, the journal
// (opts.Journal: an interrupted apply resumes, and a version deleted again
// after its journal entry is restored again), and the same report: done,
// already active, failed, unknown (never counted as failed), in flight
// (only a restore that had left the client) and not tried. A version whose
// digest an active version holds (api.ErrNamespaceReused) is already
// active: the registry serves that manifest anyway.
//
// The plan is applied as written (a plan read back with ParsePlan needs no
// re-planning): deleted roots first. After each round, an image whose
// deleted index was restored is walked again, and what of its children is
// deleted is restored in the next round: apply walks on through deleted
// nested indexes, at most MaxDepth rounds (an image left deeper stays
// Pending, with the reason in Image.Err). opts.More, if set, is asked after
// that. The versions are listed only when apply walks on.
//
// Apply refuses, with nothing sent, a plan of another kind, one made
// against another API than the client's, for another registry host than
// the Restorer's, or for another package. It returns the images as it left
// them in Applied.Plan (each restored manifest ManifestRestored, failed
// ones ManifestFailed, ManifestUnknown for an unknown outcome or a restore
// in flight, ManifestNotTried for what was not sent) and the engine's
// report. The error is the engine's: ctx ended, the journal failed.
func (r *Restorer) Apply(ctx context.Context, p Plan, opts *api.ApplyOptions) (Applied, error) {
	if r.gh == nil {
		return Applied{Plan: p}, invalid("client", "nil", "apply needs a GitHub client (NewRestorer's gh)")
	}
	if err := r.checkPlan(p); err != nil {
		return Applied{Plan: p}, err
	}
	items := p.Items
	if items == nil {
		items = r.items(nil, p.Images, p.Restores())
	}
	var o api.ApplyOptions
	if opts != nil {
		o = *opts
	}
	a := &applying{r: r, images: slices.Clone(p.Images), results: map[int64]api.Result{}, caller: o.More}
	o.More, o.NameTakenIsDone = a.more, true
	rep, err := r.gh.ApplyItems(ctx, items, &o)
	out := p
	out.Images = a.mark(rep)
	out.Items = a.planned(items)
	return Applied{Report: rep, Plan: out}, err
}

// checkPlan refuses a plan that is not this Restorer's to apply.
func (r *Restorer) checkPlan(p Plan) error {
	kind := p.Kind
	if kind == "" {
		kind = api.PlanKindImage // made in memory, by hand
	}
	if p.Schema != 0 && p.Schema != api.PlanSchema {
		return invalid("schema", fmt.Sprint(p.Schema), "is not %d, the plan version this SDK reads", api.PlanSchema)
	}
	if err := r.gh.CheckPlan(kind, api.PlanKindImage, p.BaseURL); err != nil {
		return err
	}
	if h := r.host(); p.Registry != "" && h != "" && registryHost(p.Registry) != h {
		return invalid("registry", p.Registry, "the plan was read from another registry than this Restorer's %s", h)
	}
	if p.Package != (api.Package{}) && p.Package != r.pkg {
		return invalid("package", p.Package.String(), "the plan is of another package than this Restorer's %s", r.pkg)
	}
	if p.Repository != "" && p.Repository != r.repo {
		return invalid("repository", p.Repository, "the plan is of another repository than this Restorer's %s", r.repo)
	}
	for i, it := range p.Items {
		if it.Package != r.pkg {
			return invalid(fmt.Sprintf("items[%d].package", i), it.Package.String(), "is not this Restorer's package %s", r.pkg)
		}
	}
	return nil
}

// applying is one image apply: the images as they are known now, and the
// results so far by version id.
type applying struct {
	r       *Restorer
	w       *walker
	images  []Image
	results map[int64]api.Result
	extra   []api.PlanItem // items found by walking on
	rounds  int
	caller  func(context.Context, []api.Result) ([]api.PlanItem, error)
}

// more walks on after a round: each image whose deleted index (or root)
// this round restored is walked again, and its deleted manifests not sent
// yet are the next round. An image whose pending index was not restored
// (it failed, or its outcome is unknown) stays pending.
func (a *applying) more(ctx context.Context, round []api.Result) ([]api.PlanItem, error) {
	var restoredIndex bool
	for _, x := range round {
		a.results[x.Item.ID] = x
	}
	var walk []int
	for k, img := range a.images {
		if a.restoredIndexOf(img, round) {
			walk = append(walk, k)
		}
	}
	if len(walk) > 0 && a.rounds >= MaxDepth {
		for _, k := range walk {
			a.images[k].Err = fmt.Sprintf("apply walked on through %d levels of deleted indexes (MaxDepth) and stopped: what is deeper is not restored", MaxDepth)
		}
		walk = nil
	}
	if len(walk) > 0 {
		restoredIndex = true
		if err := a.walker(ctx); err != nil {
			return nil, err
		}
		for _, x := range round {
			if x.Err == nil && (x.Outcome == api.OutcomeRestored || x.Outcome == api.OutcomeAlreadyActive) {
				a.w.versions.restored(x.Item.ID)
				a.w.restored[x.Item.Digest] = true
			}
		}
		a.rounds++
		for _, k := range walk {
			img := a.images[k]
			walked := a.w.plan(ctx, img.Root)
			if len(img.Tags) > len(walked.Tags) {
				walked.Tags = img.Tags
			}
			a.images[k] = walked
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	var next []api.PlanItem
	if restoredIndex {
		var es []Entry
		for _, e := range (Plan{Images: a.images}).Restores() {
			if _, done := a.results[e.VersionID]; !done {
				es = append(es, e)
			}
		}
		next = a.r.items(a.w.versions, a.images, es)
		a.extra = append(a.extra, next...)
	}
	if len(next) == 0 && a.caller != nil {
		return a.caller(ctx, round)
	}
	return next, nil
}

// walker lists the package's versions, once, when apply first walks on.
func (a *applying) walker(ctx context.Context) error {
	if a.w != nil {
		return nil
	}
	w, err := a.r.planner(ctx)
	if err != nil {
		return err
	}
	w.poll, w.restored = a.r.poll, map[string]bool{}
	// Restores of earlier rounds (and of earlier runs, by the journal)
	// count as active, whatever the listing said.
	for _, x := range a.results {
		if x.Err == nil && (x.Outcome == api.OutcomeRestored || x.Outcome == api.OutcomeAlreadyActive) {
			w.versions.restored(x.Item.ID)
			w.restored[x.Item.Digest] = true
		}
	}
	a.w = w
	return nil
}

// restoredIndexOf reports whether this round restored an index of img (or
// a deleted root), whose children the plan could not know.
func (a *applying) restoredIndexOf(img Image, round []api.Result) bool {
	for _, x := range round {
		if x.Err != nil || !(x.Outcome == api.OutcomeRestored || x.Outcome == api.OutcomeAlreadyActive) {
			continue
		}
		for _, e := range img.Manifests {
			if e.VersionID == x.Item.ID && e.State == ManifestDeleted && (e.Role == RoleIndex || e.Role == RoleImage || e.MediaType == MediaTypeOCIIndex) {
				return true
			}
		}
	}
	return false
}

// planned is every item of the apply: the plan's, then those walking on
// found.
func (a *applying) planned(items []api.PlanItem) []api.PlanItem {
	return slices.Concat(items, a.extra)
}

// mark sets the state of each manifest the apply touched, from the report.
func (a *applying) mark(rep api.Report) []Image {
	for _, x := range rep.Results {
		a.results[x.Item.ID] = x
	}
	inFlight, notTried := map[int64]bool{}, map[int64]bool{}
	for _, it := range rep.InFlight {
		inFlight[it.ID] = true
	}
	for _, it := range rep.NotTried {
		notTried[it.ID] = true
	}
	out := make([]Image, len(a.images))
	for k, img := range a.images {
		ms := slices.Clone(img.Manifests)
		for i, e := range ms {
			if e.VersionID == 0 || !(e.State == ManifestDeleted || e.State == ManifestPresent) {
				continue
			}
			x, ok := a.results[e.VersionID]
			switch {
			case inFlight[e.VersionID]:
				e.State, e.Why = ManifestUnknown, fmt.Sprintf("version %d: its restore was in flight when the run was interrupted: it may be restored", e.VersionID)
			case notTried[e.VersionID] && e.State == ManifestDeleted:
				e.State, e.Why = ManifestNotTried, fmt.Sprintf("version %d: not tried: the run ended first", e.VersionID)
			case !ok:
			case x.Outcome == api.OutcomeUnknown:
				e.State, e.Why, e.Err = ManifestUnknown, fmt.Sprintf("version %d: the restore was sent but its outcome is unknown: it may be restored", e.VersionID), errText(x.Err)
			case x.Err != nil || x.Outcome == api.OutcomeFailed:
				e.State, e.Err = ManifestFailed, errText(x.Err)
			default:
				e.State, e.Why = ManifestRestored, fmt.Sprintf("version %d restored", e.VersionID)
				switch {
				case x.Redeleted:
					e.Why = fmt.Sprintf("version %d restored again: deleted again after an earlier run restored it", e.VersionID)
				case x.Resumed:
					e.Why = fmt.Sprintf("version %d: %s (journal)", e.VersionID, x.Outcome)
				case x.Outcome != api.OutcomeRestored:
					e.Why = fmt.Sprintf("version %d: %s", e.VersionID, x.Outcome)
				}
			}
			ms[i] = e
		}
		img.Manifests = ms
		out[k] = img
	}
	return out
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// registryHost is the host[:port] of a registry as a plan keeps it (a host,
// or http://host for a plain-http one), "" when it is not one.
func registryHost(loc string) string {
	h, _, err := ParseRegistry(loc)
	if err != nil {
		return ""
	}
	return h
}
