package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ghpackages/restore/api"
)

// runVersions restores a selection in one package: it lists the package's
// deleted versions, applies the selection rule (selection.go), and names
// what no deleted version has (exit 3, nothing restored).
func (c *cli) runVersions(ctx context.Context, cancel context.CancelFunc, o *versionsOptions) int {
	client, err := c.client(ctx, true)
	if err != nil {
		return c.fail(err)
	}
	defer client.CloseIdleConnections()
	plan, missing, err := c.planVersions(ctx, client, o)
	if err != nil {
		return c.fail(err)
	}
	head := planHead{mode: modeVersions, selection: o.sel.text(), label: o.pkg.String()}
	// When nothing was found, only what was not found is worth saying (in
	// text: --json has its plan event).
	if len(missing) == 0 || len(plan.Items) > 0 || c.talk == modeJSON {
		if code, done := c.showPlan(plan, head); done {
			return code
		}
	}
	if len(missing) > 0 {
		for _, m := range missing {
			c.show(m)
		}
		if c.apply && c.talk != modeJSON {
			c.say(c.stderr, "Nothing was restored: fix or drop what was not found, and run again.")
		}
		return exitNotFound
	}
	return c.afterPlan(ctx, cancel, client, plan)
}

// planVersions lists the deleted versions of the package and selects.
func (c *cli) planVersions(ctx context.Context, client *api.Client, o *versionsOptions) (api.Plan, []notFoundEvent, error) {
	now := c.now()
	plan := api.Plan{Schema: api.PlanSchema, BaseURL: client.BaseURL(), MadeAt: now.UTC(), Selector: o.sel.selector(), Items: []api.PlanItem{}}
	var deleted []api.Version
	for v, err := range client.Versions(ctx, o.pkg, &api.ListOptions{State: api.StateDeleted}) {
		if err != nil {
			if errors.Is(err, api.ErrForbidden) && len(o.sel.ids) > 0 {
				// The listing needs delete:packages, a restore does not:
				// MakePlan restores the given ids without it, and its
				// notes say what could not be listed and why.
				p, err := client.MakePlan(ctx, o.pkg, o.sel.selector())
				return p, nil, err
			}
			if !errors.Is(err, api.ErrNotFound) || errors.Is(err, api.ErrPackagesDisabled) {
				return plan, nil, err
			}
			if err := c.diagnose(ctx, client, o.pkg); err != nil {
				return plan, nil, err
			}
			// The owner exists and no other type has the name: the package
			// was deleted whole, or the name is a typo. Apply restores it
			// first (then selects with the plan's selector).
			plan.RestorePackages = []api.Package{o.pkg}
			return plan, nil, nil
		}
		deleted = append(deleted, v)
	}
	items, notes := o.sel.choose(o.pkg, deleted, now)
	plan.Items = items
	plan.Sort()
	plan.Notes = notes
	var missing []notFoundEvent
	for _, id := range o.sel.ids {
		if slices.ContainsFunc(deleted, func(v api.Version) bool { return v.ID == id }) {
			continue
		}
		_, err := client.GetVersion(ctx, o.pkg, id)
		switch {
		case err == nil:
			plan.Notes = append(plan.Notes, fmt.Sprintf("version %d is active: nothing to restore", id))
		case errors.Is(err, api.ErrNotFound):
			missing = append(missing, notFoundEvent{Event: "not_found", Kind: "version", Name: itoa64(id), Package: o.pkg.String(), Similar: []string{},
				Message: fmt.Sprintf("Version %d of %s was not found: no deleted version has this id (a typo, or deleted more than 30 days ago).", id, escape(o.pkg.String()))})
		default:
			return plan, nil, err
		}
	}
	for _, n := range o.sel.names {
		if slices.ContainsFunc(deleted, func(v api.Version) bool { return v.Name == n }) {
			continue
		}
		kind := "name"
		if strings.HasPrefix(n, "sha256:") {
			kind = "digest"
		}
		missing = append(missing, notFoundEvent{Event: "not_found", Kind: kind, Name: escape(n), Package: o.pkg.String(), Similar: []string{},
			Message: fmt.Sprintf("No deleted version of %s has the %s %s (a typo, an active version, or deleted more than 30 days ago).", escape(o.pkg.String()), kind, escape(n))})
	}
	if len(o.sel.tags) > 0 && !slices.ContainsFunc(deleted, func(v api.Version) bool { return matchesTag(o.sel.tags, v.Tags) }) {
		note := "no deleted version carries a tag matching " + strings.Join(o.sel.tags, " or ")
		if !slices.ContainsFunc(deleted, func(v api.Version) bool { return len(v.Tags) > 0 }) && len(deleted) > 0 {
			note += ": no deleted version of this package lists any tag; select by digest (--version-name) or deletion time instead"
		}
		plan.Notes = append(plan.Notes, note)
	}
	return plan, missing, nil
}

// runPlanFile shows or applies a plan file. Printing it needs no token.
func (c *cli) runPlanFile(ctx context.Context, cancel context.CancelFunc, o *planOptions) int {
	client, err := c.client(ctx, c.apply || c.verify)
	if err != nil {
		return c.fail(err)
	}
	defer client.CloseIdleConnections()
	data, kind, err := readPlanFile(o.file)
	if err != nil {
		return c.fail(err)
	}
	if kind == api.PlanKindImage {
		return c.runImagePlanFile(ctx, cancel, client, data, o)
	}
	if c.verify || c.registry != "" {
		return c.fail(usageErr("--plan %s restores versions, not images: --verify and --registry go with image plans (--image, --broken)", o.file))
	}
	plan, err := loadPlan(o.file, data, client.BaseURL(), o.owner)
	if err != nil {
		return c.fail(err)
	}
	if c.talk != modeJSON {
		c.say(c.stdout, "%s", planAge(plan.MadeAt, plan.Items, c.now()))
	}
	head := planHead{mode: modePlan, selection: selectorText(plan.Selector), label: o.file}
	if code, done := c.showPlan(plan, head); done {
		return code
	}
	return c.afterPlan(ctx, cancel, client, plan)
}

// selectorText states a plan file's selector.
func selectorText(s api.Selector) string {
	sel := selection{ids: s.IDs, names: s.Names, tags: s.Tags, since: s.DeletedSince, until: s.DeletedUntil, all: s.All}
	return sel.text()
}

// planHead is what the plan's first lines say besides its items.
type planHead struct {
	mode      runMode
	selection string
	label     string // what was selected from, for a plan with no items
	run       *api.WorkflowRun
}

// showPlan emits the plan and saves it when asked; done reports that the
// run ends here with code.
func (c *cli) showPlan(plan api.Plan, head planHead) (code int, done bool) {
	if plan.Items == nil {
		plan.Items = []api.PlanItem{} // JSON lists are [], never null
	}
	ev := planEvent{Event: "plan", Mode: head.mode, Apply: c.apply, Selection: head.selection, Run: head.run, Plan: plan}
	if c.savePlan != "" {
		ev.SavedTo = c.savePlan
	}
	if c.talk == modeJSON {
		emit(c.stdout, ev)
	} else {
		c.printPlan(plan, head)
	}
	return c.saveAndTell(plan)
}

// saveAndTell saves the plan with --save-plan FILE, and says how to apply
// it; done reports that the run ends here with code.
func (c *cli) saveAndTell(plan any) (code int, done bool) {
	if c.savePlan == "" {
		return 0, false
	}
	j, stale, err := savePlan(c.savePlan, plan)
	if err != nil {
		return c.fail(err), true
	}
	if c.apply {
		c.journal = j
	} else {
		j.Close()
	}
	if c.talk != modeJSON {
		if stale {
			c.say(c.stdout, "Reset the journal of the earlier plan %s.", c.savePlan)
		}
		if !c.apply {
			c.say(c.stdout, "Plan saved to %s. Apply it with:", c.savePlan)
			fmt.Fprintln(c.stdout, "  "+c.resumeCommand(c.savePlan))
		}
	}
	return 0, false
}

// afterPlan ends a dry run (exit 0, or 3 for a package not found) or
// applies.
func (c *cli) afterPlan(ctx context.Context, cancel context.CancelFunc, client *api.Client, plan api.Plan) int {
	if len(plan.RestorePackages) > 0 && !c.apply {
		return c.notFound(ctx, client, plan.RestorePackages, false)
	}
	if !c.apply {
		return exitOK
	}
	return c.applyPlan(ctx, cancel, client, plan)
}
