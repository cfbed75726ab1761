package main

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/ghpackages/restore/api"
)

// applyPlan applies the plan with a journal next to the plan file, if there
// is one, and reports.
func (c *cli) applyPlan(ctx context.Context, cancel context.CancelFunc, client *api.Client, plan api.Plan) int {
	planFile := c.plan
	if planFile == "" {
		planFile = c.savePlan
	}
	c.applied = true
	opts := &api.ApplyOptions{Sending: c.rep.sending, Progress: func(p api.Progress) {
		c.rep.progress(p)
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
	c.rep.begin(len(plan.Items))
	rep, err := client.Apply(ctx, plan, opts)
	c.rep.end()
	c.record(rep)
	if err != nil {
		if ctx.Err() != nil {
			c.printInterrupted(rep, c.resumeCommand(planFile))
			if c.stdout.Err() != nil {
				return exitFailed // a closed pipe stopped the run, not Ctrl-C
			}
			return exitInterrupted
		}
		c.printReport(rep)
		return c.fail(err)
	}
	c.printReport(rep)
	var missing []api.Package
	for _, p := range rep.Packages {
		if errors.Is(p.Err, api.ErrNotFound) && p.Outcome == api.OutcomeFailed {
			missing = append(missing, p.Package)
		}
	}
	if len(missing) > 0 {
		return c.notFound(ctx, client, missing, true)
	}
	if !rep.OK() {
		return exitFailed
	}
	return exitOK
}

// resumeCommand is the command that resumes: the plan file with the
// connection flags given, or, without a plan file, the same command (what is
// restored is no longer selected).
func (c *cli) resumeCommand(planFile string) string {
	if planFile == "" {
		return "restore " + shellJoin(c.args)
	}
	args := []string{"--plan", planFile}
	for _, name := range []string{"base-url", "registry", "pacing", "timeout"} {
		if c.given[name] {
			args = append(args, "--"+name, flagValue(c, name))
		}
	}
	return "restore " + shellJoin(append(args, "--apply"))
}

func flagValue(c *cli, name string) string {
	switch name {
	case "base-url":
		return c.baseURL
	case "pacing":
		return c.pacing.String()
	case "registry":
		return c.registry
	}
	return c.timeout.String()
}

// shellJoin quotes arguments for a POSIX shell where needed.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+%") == "" {
			out[i] = a
		} else {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}

// refreshDeletedAt updates, from the deleted listing, when each item of a
// plan applied again was deleted: a version the journal has done but a
// cleanup deleted again since is then restored again (api.Result.Redeleted)
// instead of skipped. Where the listing fails (a token without
// delete:packages), the plan's times stay.
func refreshDeletedAt(ctx context.Context, client *api.Client, items []api.PlanItem) []api.PlanItem {
	now := map[api.Package]map[int64]time.Time{}
	for _, it := range items {
		if _, ok := now[it.Package]; ok {
			continue
		}
		m := map[int64]time.Time{}
		for v, err := range client.Versions(ctx, it.Package, &api.ListOptions{State: api.StateDeleted}) {
			if err != nil {
				m = nil
				break
			}
			if v.DeletedAt != nil {
				m[v.ID] = *v.DeletedAt
			}
		}
		now[it.Package] = m
	}
	out := slices.Clone(items)
	for i, it := range out {
		if t, ok := now[it.Package][it.ID]; ok && t.After(it.DeletedAt) {
			out[i].DeletedAt = t
		}
	}
	return out
}
