package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ghpackages/restore/api"
)

// runSweep makes one plan across the owner's packages of a type for the
// versions deleted in a window: the window given, or (undo-run) the
// workflow run's.
func (c *cli) runSweep(ctx context.Context, cancel context.CancelFunc, o *sweepOptions) int {
	client, err := c.client(ctx, true)
	if err != nil {
		return c.fail(err)
	}
	defer client.CloseIdleConnections()
	head := planHead{mode: c.mode}
	if c.mode == modeUndoRun {
		run, err := client.WorkflowRun(ctx, o.run)
		if errors.Is(err, api.ErrNotFound) {
			c.show(notFoundEvent{Event: "not_found", Kind: "run", Name: o.run.String(), Similar: []string{},
				Message: fmt.Sprintf("Workflow run %s was not found: check the owner, the repository and the run id (the token must be able to read the repository's Actions).", escape(o.run.String()))})
			return exitNotFound
		}
		if err != nil {
			return c.fail(err)
		}
		o.sweep.DeletedSince, o.sweep.DeletedUntil = run.Window(api.RunWindowMargin)
		head.run = &run
		if !run.Finished() && c.talk != modeJSON {
			c.say(c.stderr, "note: run %s is %s: its window ends at its last update; undo it once it has finished.", escape(o.run.String()), escape(run.Status))
		}
	}
	sw := o.sweep
	which := "every " + string(sw.Type) + " package"
	if sw.Names != "" && sw.Names != "*" {
		which = string(sw.Type) + " packages matching " + sw.Names
	}
	head.selection = which + " of " + sw.Owner.String() + ", deleted " + windowWords(sw.DeletedSince, sw.DeletedUntil)
	head.label = string(sw.Type) + " packages of " + sw.Owner.String()
	plan, err := client.MakeSweepPlan(ctx, sw)
	if errors.Is(err, api.ErrNotFound) && !api.IsPackageNotFound(err) {
		if derr := c.ownerNotFound(ctx, client, sw.Owner, sw.Type); derr != nil {
			return c.fail(derr)
		}
	}
	if err != nil {
		return c.fail(err)
	}
	plan.Notes = sweepNotes(plan)
	if code, done := c.showPlan(plan, head); done {
		return code
	}
	return c.afterPlan(ctx, cancel, client, plan)
}

// sweepNotes keeps the SDK's notes that say something about this plan: its
// first note (what was read) and the reminder that GitHub does not list
// packages deleted whole are boilerplate, said once only when the sweep
// found nothing.
func sweepNotes(p api.Plan) []string {
	var out []string
	for _, n := range p.Notes {
		if strings.HasPrefix(n, "swept ") || strings.HasPrefix(n, "GitHub does not list packages deleted as a whole") {
			continue
		}
		out = append(out, n)
	}
	if len(p.Items) == 0 {
		out = append(out, "nothing was deleted in this window in the packages GitHub lists; a package deleted as a whole is not listed: name it with --package NAME and the same window")
	}
	return out
}
