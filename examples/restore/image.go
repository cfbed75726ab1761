package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/image"
)

// runImages plans, applies and verifies whole images (--image), or every
// broken image of one package (--broken).
func (c *cli) runImages(ctx context.Context, cancel context.CancelFunc, o *imageOptions) int {
	client, rc, done, err := c.imageClients(ctx)
	if err != nil {
		return c.fail(err)
	}
	defer done()
	r, err := image.NewRestorer(client, rc, o.pkg, &image.RestorerOptions{Walked: c.imagesWalked})
	if err != nil {
		return c.fail(err)
	}
	ir := &imageReport{c: c, registry: rc.Host(), pkg: o.pkg}

	if c.verify && !c.apply && !o.broken {
		rep, err := r.Verify(ctx, image.Roots(o.refs...))
		if err != nil {
			return c.imageFail(ctx, client, o.pkg, err)
		}
		rep.Repository = image.Repository(o.pkg)
		return ir.finish("verify", rep, api.Report{})
	}
	var plan image.Plan
	if o.broken {
		plan, err = r.Broken(ctx)
	} else {
		plan, err = r.Plan(ctx, o.refs...)
	}
	var nf *image.ImageNotFoundError
	if errors.As(err, &nf) {
		return ir.notFound(plan, nf)
	}
	if err != nil {
		return c.imageFail(ctx, client, o.pkg, err)
	}
	if code, done := ir.showPlan(plan); done {
		return code
	}
	return ir.afterPlan(ctx, cancel, client, r, plan, c.savePlan)
}

// runImagePlanFile shows or applies an image plan file (api.PlanKindImage):
// the plan names its package and registry; its journal is FILE.journal,
// as for a plan of versions.
func (c *cli) runImagePlanFile(ctx context.Context, cancel context.CancelFunc, client *api.Client, data []byte, o *planOptions) int {
	p, err := image.ParsePlan(data)
	if err != nil {
		return c.fail(usageErr("--plan %s: %s", o.file, message(err)))
	}
	if err := checkPlanHeader(o.file, p.BaseURL, client.BaseURL()); err != nil {
		return c.fail(err)
	}
	if !o.owner.IsZero() && p.Package.Owner != o.owner {
		return c.fail(usageErr("--plan %s is for %s, not %s", o.file, escape(p.Package.Owner.String()), o.owner))
	}
	host := c.planRegistry(p)
	rc, err := c.registryClient(host)
	if err != nil {
		return c.fail(err)
	}
	defer rc.CloseIdleConnections()
	r, err := image.NewRestorer(client, rc, p.Package, &image.RestorerOptions{Walked: c.imagesWalked})
	if err != nil {
		return c.fail(err)
	}
	ir := &imageReport{c: c, registry: rc.Host(), pkg: p.Package}
	if c.talk != modeJSON {
		c.say(c.stdout, "%s", planAge(p.MadeAt, p.Items, c.now()))
	}
	if code, done := ir.showPlan(p); done {
		return code
	}
	return ir.afterPlan(ctx, cancel, client, r, p, o.file)
}

// planRegistry is the registry an image plan file is read against:
// --registry when given, else the plan's own (as WithRegistry takes it:
// http://HOST for a plain-http loopback registry).
func (c *cli) planRegistry(p image.Plan) string {
	if c.registry != "" {
		return c.registry
	}
	return p.Registry
}

// afterPlan ends a dry run, or applies the plan (and verifies with
// --verify).
func (ir *imageReport) afterPlan(ctx context.Context, cancel context.CancelFunc, client *api.Client, r *image.Restorer, plan image.Plan, planFile string) int {
	c := ir.c
	if !c.apply {
		if c.verify {
			rep, err := r.Verify(ctx, plan)
			if err != nil {
				return c.fail(err)
			}
			return ir.finish("verify", rep, api.Report{})
		}
		return ir.dryRunEnd(plan)
	}
	c.applied = true
	ir.total = len(plan.Restores())
	ir.index(plan)
	opts := &api.ApplyOptions{Sending: c.rep.sending, Progress: func(p api.Progress) {
		ir.restored(p)
		if c.stdout.Err() != nil || c.stop.stopRequested() {
			cancel() // Ctrl-C, or nobody reads the output: stop after this version
		}
	}}
	j, code, ok := c.journalFor(planFile)
	if !ok {
		return code
	}
	if j != nil {
		defer j.Close()
		opts.Journal = j
		if j.Done() > 0 {
			plan.Items = refreshDeletedAt(ctx, client, plan.Items)
		}
	}
	res, err := r.Apply(ctx, plan, opts)
	c.rep.idle()
	c.record(res.Report)
	if err != nil {
		if ctx.Err() != nil {
			ir.print("apply", res.Plan)
			c.printInterrupted(res.Report, c.resumeCommand(planFile))
			if c.stdout.Err() != nil {
				return exitFailed // a closed pipe stopped the run, not Ctrl-C
			}
			return exitInterrupted
		}
		return c.fail(err)
	}
	if !c.verify {
		return ir.finish("apply", res.Plan, res.Report)
	}
	rep, err := r.Verify(ctx, res.Plan)
	if err != nil {
		if ctx.Err() != nil {
			// The restores are done: "nothing changed" would be false.
			return ir.interrupted(res.Report, "verifying")
		}
		return c.fail(err)
	}
	return ir.finish("verify", rep, res.Report)
}

// imageFail explains an error of an image run: a package not found gets
// its diagnosis and suggestions (exit 3), a registry that serves none of
// the package's images is named (exit 1).
func (c *cli) imageFail(ctx context.Context, client *api.Client, pkg api.Package, err error) int {
	var wr *image.WrongRegistryError
	if errors.As(err, &wr) {
		host := wr.Host
		if host == "" {
			host = c.registry
		}
		return c.fail(withFix(exitFailed, "Give the package's registry with --registry HOST|URL (or omit it to let the API name it).",
			"the registry %s serves none of %s's images: is --registry right?", escape(host), escape(pkg.String())))
	}
	if !errors.Is(err, api.ErrNotFound) {
		return c.fail(err)
	}
	if derr := c.diagnose(ctx, client, pkg); derr != nil {
		return c.fail(derr)
	}
	names, _ := packageNames(ctx, client, pkg)
	similar := similarNames(pkg.Name, names)
	if similar == nil {
		similar = []string{}
	}
	ev := notFoundEvent{Event: "not_found", Kind: "package", Name: escape(pkg.Name), Package: pkg.String(), Similar: similar,
		Message: fmt.Sprintf("Package %s was not found: the name (--package) is wrong, or the package was deleted as a whole. Restore a package deleted as a whole first (--all-deleted, without --image), then its images.", escape(pkg.String()))}
	if c.talk == modeJSON {
		emit(c.stdout, ev)
		return exitNotFound
	}
	c.say(c.stdout, "%s", ev.Message)
	if len(similar) > 0 {
		fmt.Fprintf(c.stdout, "Did you mean (container packages of %s):\n", escape(pkg.Owner.String()))
		for _, n := range similar {
			fmt.Fprintf(c.stdout, "  --package %s\n", escape(n))
		}
	}
	return exitNotFound
}

// notFound ends the run (exit 3, nothing restored) when a tag or digest
// given with --image is on no version, with the nearest tags the SDK
// found.
func (ir *imageReport) notFound(p image.Plan, nf *image.ImageNotFoundError) int {
	c := ir.c
	for _, ref := range nf.Refs {
		kind := "tag"
		if image.IsDigest(ref) {
			kind = "digest"
		}
		similar := nf.Suggestions[ref]
		if similar == nil || kind == "digest" {
			similar = []string{}
		}
		msg := fmt.Sprintf("No version of %s has the %s %s (a typo, or deleted more than 30 days ago).", escape(nf.Package), kind, escape(ref))
		ev := notFoundEvent{Event: "not_found", Kind: kind, Name: escape(ref), Package: ir.pkg.String(), Similar: escapeAll(similar), Message: msg}
		if c.talk == modeJSON {
			emit(c.stdout, ev)
			continue
		}
		c.say(c.stdout, "%s", msg)
		if len(similar) > 0 {
			fmt.Fprintln(c.stdout, "Nearest tags:")
			for _, s := range similar {
				fmt.Fprintf(c.stdout, "  --image %s\n", escape(s))
			}
		}
	}
	if c.apply && c.talk != modeJSON {
		c.say(c.stderr, "Nothing was restored: fix or drop what was not found, and run again.")
	}
	return exitNotFound
}

func escapeAll(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = escape(s)
	}
	return out
}

// imagesWalked reports the progress of a long walk (a --broken scan of
// many tags): every tenth of the way, from 20 images up.
func (c *cli) imagesWalked(done, total int) {
	if total < 20 || (done*10/total == (done-1)*10/total && done != total) {
		return
	}
	c.show(progressEvent{Event: "progress", What: "images", Done: done, Total: total})
}

// interrupted reports a run stopped (Ctrl-C) while verifying: the restores
// are done, and the report says how many.
func (ir *imageReport) interrupted(r api.Report, while string) int {
	c := ir.c
	done := r.Restored + r.AlreadyActive + r.Skipped
	if c.talk == modeJSON {
		emit(c.stdout, interruptedEvent{Event: "interrupted", While: while, Done: done, Failed: r.Failed, Unknown: r.Unknown,
			InFlight: refs(r.InFlight), NotTried: refs(r.NotTried)})
		return exitInterrupted
	}
	c.say(c.stderr, "restore: interrupted while %s after %s; run the same command again to resume: what is restored is no longer deleted.", while, plural(done, "restore"))
	return exitInterrupted
}
