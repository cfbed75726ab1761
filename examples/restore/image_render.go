package main

import (
	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/image"
)

// imageReport presents image plans and reports: a tree of manifests per
// image, or, with --json, the plan once and an image event per image and
// phase; and it keeps the run's tally of images.
type imageReport struct {
	c           *cli
	registry    string
	pkg         api.Package
	done, total int // restores so far, and planned (it grows as deleted indexes are walked)
	entries     map[int64]image.Entry
}

// ref names an image as the summary does: REGISTRY/OWNER/NAME:TAG, or
// @sha256:… for a digest.
func (ir *imageReport) ref(pkg string, img image.Image) string {
	sep := ":"
	if image.IsDigest(img.Root) {
		sep = "@"
	}
	return escape(ir.registry + "/" + pkg + sep + img.Root)
}

// index maps the plan's version ids to their manifests, for the result
// lines.
func (ir *imageReport) index(p image.Plan) {
	ir.entries = map[int64]image.Entry{}
	for _, img := range p.Images {
		for _, e := range img.Manifests {
			if e.VersionID != 0 {
				if _, ok := ir.entries[e.VersionID]; !ok {
					ir.entries[e.VersionID] = e
				}
			}
		}
	}
}

// restored is Apply's progress callback: a result event, and a line.
func (ir *imageReport) restored(p api.Progress) {
	c := ir.c
	c.rep.idle()
	x := p.Result
	ir.done++
	ir.total = max(ir.total, ir.done, p.Total)
	e, ok := ir.entries[x.Item.ID]
	if !ok {
		e = image.Entry{Digest: x.Item.Name, Role: "manifest"}
	}
	ev := resultEvent{Event: "result", Package: ir.pkg.String(), ID: x.Item.ID, Name: escape(x.Item.Name), Role: string(e.Role),
		Platform: escape(e.Platform), Outcome: x.Outcome, Done: ir.done, Total: ir.total, Resumed: x.Resumed, Redeleted: x.Redeleted}
	if x.Err != nil {
		ev.Error = message(x.Err)
	}
	if c.talk == modeJSON {
		emit(c.stdout, ev)
		return
	}
	what := ev.Role
	if ev.Platform != "" {
		what += " " + ev.Platform
	}
	outcome := outcomeText(x)
	switch {
	case x.Outcome == api.OutcomeUnknown:
		c.say(c.stderr, "[%d/%d] unknown  version %d (%s): %s; it may be restored: run again to settle it", ir.done, ir.total, x.Item.ID, what, ev.Error)
		return
	case x.Err != nil:
		c.say(c.stderr, "[%d/%d] failed   version %d (%s): %s", ir.done, ir.total, x.Item.ID, what, ev.Error)
		return
	case x.Redeleted:
		c.say(c.stderr, "[%d/%d] %s version %d (%s): %s", ir.done, ir.total, outcome, x.Item.ID, what, redeletedText)
		return
	}
	c.say(c.stderr, "[%d/%d] %-8s version %d (%s)", ir.done, ir.total, outcome, x.Item.ID, what)
}

// showPlan presents a plan (once as a plan event, or as trees) and saves
// it with --save-plan; done reports that the run ends here with code.
func (ir *imageReport) showPlan(p image.Plan) (code int, done bool) {
	c := ir.c
	if c.talk == modeJSON {
		emit(c.stdout, planEvent{Event: "plan", Mode: c.mode, Apply: c.apply, SavedTo: c.savePlan, Plan: cleanPlan(p)})
	}
	ir.print("plan", p) // with --json, an image event per image
	return c.saveAndTell(p)
}

// print shows every image of p as a phase (plan, apply, verify) left it.
func (ir *imageReport) print(phase string, p image.Plan) {
	c := ir.c
	if c.talk == modeJSON {
		for _, img := range p.Images {
			img = cleanImage(img)
			emit(c.stdout, imageEvent{Event: "image", Phase: phase, Package: escape(p.Repository), Ref: ir.ref(p.Repository, img), Root: img.Root,
				Digest: img.Digest, Tags: nonNil(img.Tags), Whole: img.Whole(), Pending: img.Pending, TagsOK: img.TagsOK,
				Manifests: nonNilEntries(img.Manifests), Platforms: nonNilPlatforms(img.Platforms()), Error: img.Err})
		}
		return
	}
	if p.Scanned > 0 && phase == "plan" {
		c.say(c.stdout, "Scanned %s of %s: %s broken.", plural(p.Scanned, "tagged image"), escape(p.Repository), plural(len(p.Images), "image"))
	}
	for _, img := range p.Images {
		ir.printImage(phase, p.Repository, img)
	}
}

// staysBroken reports whether a planned image cannot be made whole by the
// plan: something is gone, missing or unreadable.
func staysBroken(img image.Image) bool {
	if img.Whole() || img.Pending {
		return false
	}
	return img.Err != "" || len(img.Lost()) > 0 || len(img.ToRestore()) == 0
}

// dryRunEnd closes a dry run: exit 0 once a repairable plan is printed, 1
// when an image stays broken whatever is restored, or (--exit-status) when
// any image is broken.
func (ir *imageReport) dryRunEnd(p image.Plan) int {
	c := ir.c
	code, broken, stays := exitOK, 0, 0
	for _, img := range p.Images {
		if img.Whole() {
			continue
		}
		broken++
		c.tally.broken = append(c.tally.broken, ir.ref(p.Repository, img))
		if staysBroken(img) {
			stays++
		}
	}
	if stays > 0 || (c.exitStatus && broken > 0) {
		code = exitFailed
	}
	if c.talk == modeJSON {
		return code
	}
	restores := len(p.Restores())
	switch {
	case restores > 0:
		c.say(c.stdout, "%s to restore. Nothing changed: run again with --apply (and --verify) to restore.", plural(restores, "manifest"))
	case broken == 0:
		c.say(c.stdout, "Every image is whole: nothing to restore.")
	}
	if stays > 0 {
		c.say(c.stdout, "%s %s broken whatever is restored: see the manifests marked gone, missing or failed.", plural(stays, "image"), verb(stays, "stays", "stay"))
	}
	ir.registryHint(p)
	return code
}

// registryHint says that the registry looks wrong when it serves none of
// the manifests active versions hold.
func (ir *imageReport) registryHint(p image.Plan) {
	missing, any := 0, 0
	for _, img := range p.Images {
		for _, e := range img.Manifests {
			any++
			if e.State == image.ManifestMissing {
				missing++
			}
		}
	}
	if any > 0 && missing == any && ir.c.talk != modeJSON {
		ir.c.say(ir.c.stdout, "The registry %s serves none of the manifests the package's active versions hold: is it the package's registry? Check --registry.", escape(ir.registry))
	}
}

// finish prints the last phase and its summary, and returns the exit code:
// 1 when a restore failed, its outcome is unknown, or an image is still
// broken. Unknown outcomes are said as such, never as failures.
func (ir *imageReport) finish(phase string, p image.Plan, r api.Report) int {
	c := ir.c
	ir.print(phase, p)
	whole := 0
	for _, img := range p.Images {
		if img.Whole() {
			whole++
		} else {
			c.tally.broken = append(c.tally.broken, ir.ref(p.Repository, img))
		}
	}
	code := exitOK
	if r.Failed > 0 || r.Unknown > 0 || whole < len(p.Images) {
		code = exitFailed
	}
	if c.talk == modeJSON {
		return code
	}
	switch {
	case whole == len(p.Images):
		c.say(c.stdout, "%s whole.", plural(whole, "image"))
	default:
		c.say(c.stdout, "%s still broken (%s whole); see the manifests marked gone, missing, failed or unknown.", plural(len(p.Images)-whole, "image"), plural(whole, "image"))
		ir.registryHint(p)
	}
	if r.Failed > 0 {
		c.say(c.stdout, "%s failed.", plural(r.Failed, "restore"))
	}
	if r.Unknown > 0 {
		c.say(c.stdout, "%s: outcome unknown (they may be restored: run again to settle them).", plural(r.Unknown, "restore"))
	}
	return code
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func nonNilEntries(l []image.Entry) []image.Entry {
	if l == nil {
		return []image.Entry{}
	}
	return l
}

func nonNilPlatforms(l []image.PlatformStatus) []image.PlatformStatus {
	if l == nil {
		return []image.PlatformStatus{}
	}
	for i := range l {
		l[i].Manifests = nonNilEntries(l[i].Manifests)
	}
	return l
}

// cleanPlan is p with every string the registry or GitHub served escaped
// (escape), as every output prints them.
func cleanPlan(p image.Plan) image.Plan {
	out := p
	out.Repository = escape(p.Repository)
	out.Images = make([]image.Image, len(p.Images)) // [], never null
	for i, img := range p.Images {
		out.Images[i] = cleanImage(img)
	}
	out.Items = make([]api.PlanItem, len(p.Items))
	for i, it := range p.Items {
		it.Name, it.Digest, it.Tags, it.Reasons = escape(it.Name), escape(it.Digest), escapeAll(it.Tags), escapeAll(it.Reasons)
		out.Items[i] = it
	}
	if len(out.Items) == 0 {
		out.Items = nil
	}
	return out
}

func cleanImage(img image.Image) image.Image {
	img.Root, img.Digest, img.Err = escape(img.Root), escape(img.Digest), escape(img.Err)
	img.Tags = escapeAll(img.Tags)
	ms := make([]image.Entry, len(img.Manifests))
	for i, e := range img.Manifests {
		e.Digest, e.Platform, e.MediaType, e.Tag, e.Parent, e.Why, e.Err =
			escape(e.Digest), escape(e.Platform), escape(e.MediaType), escape(e.Tag), escape(e.Parent), escape(e.Why), escape(e.Err)
		ms[i] = e
	}
	img.Manifests = ms
	return img
}
