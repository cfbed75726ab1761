package main

import (
	"context"
	"errors"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/image"
)

// runDoctor checks every container package of the owner (or those whose
// names match --package GLOB) for broken images, and prints one report:
// every broken image and the plan that fixes it. It changes nothing; it
// exits 0 once printed, 1 when a package could not be checked or an image
// stays broken whatever is restored, and with --exit-status 1 when any
// image is broken.
func (c *cli) runDoctor(ctx context.Context, o *doctorOptions) int {
	client, rc, done, err := c.imageClients(ctx)
	if err != nil {
		return c.fail(err)
	}
	defer done()
	rep, err := image.Doctor(ctx, client, rc, o.owner, &image.DoctorOptions{Packages: o.glob,
		Checked: func(_ api.Package, done, total int) {
			if total >= 20 && (done*10/total != (done-1)*10/total || done == total) {
				c.show(progressEvent{Event: "progress", What: "packages", Done: done, Total: total})
			}
		}})
	if errors.Is(err, api.ErrNotFound) {
		if derr := c.ownerNotFound(ctx, client, o.owner, api.PackageTypeContainer); derr != nil {
			return c.fail(derr)
		}
	}
	if err != nil {
		return c.fail(err)
	}
	ir := &imageReport{c: c, registry: rc.Host()}
	plan := doctorPlan{Owner: o.owner.String(), Registry: escape(rc.Host()), Packages: []doctorPackage{}}
	code, stays, broken, failed := exitOK, 0, 0, 0
	for _, h := range rep.Packages {
		dp := doctorPackage{Package: h.Package.String(), Plan: cleanPlan(h.Plan)}
		if dp.Plan.Images == nil {
			dp.Plan.Images = []image.Image{}
		}
		if h.Err != nil {
			dp.Error = message(h.Err)
			failed++
		}
		plan.Packages = append(plan.Packages, dp)
		for _, img := range h.Plan.Images {
			if img.Whole() {
				continue
			}
			broken++
			c.tally.broken = append(c.tally.broken, ir.ref(h.Plan.Repository, img))
			if staysBroken(img) {
				stays++
			}
		}
	}
	if failed > 0 || stays > 0 || (c.exitStatus && broken > 0) {
		code = exitFailed
	}
	if c.talk == modeJSON {
		emit(c.stdout, planEvent{Event: "plan", Mode: modeDoctor, Selection: doctorWords(o), Plan: plan})
		for _, h := range rep.Packages {
			ir.print("plan", h.Plan) // an image event per broken image
		}
		return code
	}
	c.say(c.stdout, "Checked %s (%s) in %s: %s broken.", plural(len(rep.Packages), "container package"), escape(doctorWords(o)), escape(rc.Host()), plural(broken, "image"))
	for _, h := range rep.Packages {
		if h.Err != nil {
			c.say(c.stdout, "%s: could not be checked: %s", escape(h.Package.String()), message(h.Err))
			continue
		}
		for _, img := range h.Plan.Images {
			ir.printImage("plan", h.Plan.Repository, img)
		}
	}
	switch {
	case broken == 0 && failed == 0:
		c.say(c.stdout, "Every image is whole.")
	case broken > 0:
		c.say(c.stdout, "Nothing changed. Restore a package's images with: restore %s --package NAME --broken --apply --verify", ownerFlag(o.owner))
	}
	return code
}

// doctorWords says which packages were checked.
func doctorWords(o *doctorOptions) string {
	if o.glob == "" || o.glob == "*" {
		return "all of " + o.owner.String()
	}
	return o.owner.String() + "'s matching " + o.glob
}

// ownerFlag is the flag that names owner on a command line.
func ownerFlag(o api.Owner) string {
	if o.Kind() == api.OwnerOrg {
		return "--org " + o.Login()
	}
	return "--user " + o.String()
}
