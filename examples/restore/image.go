package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/image"
)

// runImages plans, applies and verifies whole images (--image), or every
// broken image of one package (--broken).
func (c *cli) runImages(ctx context.Context, o *imageOptions) int {
	client, err := c.client(ctx, true)
	if err != nil {
		return c.fail(err)
	}
	defer client.CloseIdleConnections()
	host, err := chooseRegistry(c.registry, client.BaseURL())
	if err != nil {
		return c.fail(err)
	}
	rc, err := c.registryClient(host)
	if err != nil {
		return c.fail(err)
	}
	defer rc.CloseIdleConnections()
	r, err := image.NewRestorer(client, rc, o.pkg, &image.RestorerOptions{Walked: c.imagesWalked})
	if err != nil {
		return c.fail(err)
	}
	ir := &imageReport{c: c, registry: rc.Host(), pkg: o.pkg}

	if c.verify && !c.apply && !o.broken {
		rep, err := r.Check(ctx, o.refs...)
		if err != nil {
			return c.imageFail(ctx, client, o.pkg, err)
		}
		if code, done := ir.unknownRefs(ctx, client, o.pkg, rep); done {
			return code
		}
		return ir.finish("verify", rep, 0)
	}
	var plan image.Plan
	if o.broken {
		plan, err = r.Broken(ctx)
	} else {
		plan, err = r.Plan(ctx, o.refs...)
	}
	if err != nil {
		return c.imageFail(ctx, client, o.pkg, err)
	}
	if code, done := ir.unknownRefs(ctx, client, o.pkg, plan); done {
		return code
	}
	ir.plan(plan)
	if !c.apply {
		if c.verify {
			rep, err := r.Verify(ctx, plan)
			if err != nil {
				return c.fail(err)
			}
			return ir.finish("verify", rep, 0)
		}
		return ir.dryRunEnd(plan)
	}
	c.applied = true
	ir.total = len(plan.Restores())
	res, err := r.Apply(ctx, plan, ir.restored)
	if err != nil {
		if ctx.Err() != nil {
			return ir.interrupted(res, "applying")
		}
		return c.fail(err)
	}
	if !c.verify {
		return ir.finish("apply", res.Plan, res.Failed())
	}
	rep, err := r.Verify(ctx, res.Plan)
	if err != nil {
		if ctx.Err() != nil {
			// The restores are done: "nothing changed" would be false.
			return ir.interrupted(res, "verifying")
		}
		return c.fail(err)
	}
	return ir.finish("verify", rep, res.Failed())
}

// imageFail explains an error of an image run: a package not found gets
// its diagnosis and suggestions (exit 3).
func (c *cli) imageFail(ctx context.Context, client *api.Client, pkg api.Package, err error) int {
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

// unknownRoot reports whether the image's root is a tag or digest that no
// version of the package has.
func unknownRoot(img image.Image) bool {
	return len(img.Manifests) == 1 && img.Manifests[0].State == image.StateGone &&
		strings.HasPrefix(img.Manifests[0].Why, "no version of the package has this tag or digest")
}

// unknownRefs ends the run (exit 3, nothing restored) when a tag or digest
// given with --image is on no version, with the nearest tags.
func (ir *imageReport) unknownRefs(ctx context.Context, client *api.Client, pkg api.Package, p image.Plan) (int, bool) {
	var unknown []string
	for _, img := range p.Images {
		if unknownRoot(img) {
			unknown = append(unknown, img.Root)
		}
	}
	if len(unknown) == 0 {
		return 0, false
	}
	c := ir.c
	tags := packageTags(ctx, client, pkg)
	for _, ref := range unknown {
		kind := "tag"
		if image.IsDigest(ref) {
			kind = "digest"
		}
		similar := similarNames(ref, tags)
		if similar == nil || kind == "digest" {
			similar = []string{}
		}
		msg := fmt.Sprintf("No version of %s has the %s %s (a typo, or deleted more than 30 days ago).", escape(p.Package), kind, escape(ref))
		ev := notFoundEvent{Event: "not_found", Kind: kind, Name: escape(ref), Package: pkg.String(), Similar: escapeAll(similar), Message: msg}
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
	return exitNotFound, true
}

// packageTags lists the tags of the package's versions, active and
// deleted, for suggestions (up to maxSuggestionPackages versions each).
func packageTags(ctx context.Context, client *api.Client, pkg api.Package) []string {
	var tags []string
	for _, state := range []api.State{api.StateActive, api.StateDeleted} {
		n := 0
		for v, err := range client.Versions(ctx, pkg, &api.ListOptions{State: state}) {
			if err != nil || n >= maxSuggestionPackages {
				break
			}
			n++
			tags = append(tags, v.Tags...)
		}
	}
	return tags
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

// interrupted reports a run stopped (Ctrl-C) while applying or verifying:
// the images as apply left them, and how many restores were sent.
func (ir *imageReport) interrupted(res image.Result, while string) int {
	ir.print("apply", res.Plan)
	c := ir.c
	done := 0
	for _, x := range res.Restores {
		ref := versionRef(ir.pkg, x.VersionID)
		switch {
		case x.Err == nil && x.Outcome != api.OutcomeUnknown:
			done++
		case x.Outcome == api.OutcomeUnknown || errors.Is(x.Err, api.ErrOutcomeUnknown) || errors.Is(x.Err, context.Canceled):
			c.tally.unknown = append(c.tally.unknown, ref)
		}
	}
	if c.talk == modeJSON {
		emit(c.stdout, interruptedEvent{Event: "interrupted", While: while, Done: done, Failed: res.Failed(), InFlight: []string{}, NotTried: []string{}})
		return exitInterrupted
	}
	c.say(c.stderr, "restore: interrupted while %s after %s; run the same command again to resume: what is restored is no longer deleted.", while, plural(done, "restore"))
	return exitInterrupted
}
