package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ghpackages/restore/api"
)

// printPlan prints the plan: a table per package, or JSON objects. now
// re-checks the days left of a plan made earlier.
func (c *cli) printPlan(p api.Plan, now time.Time) {
	if c.mode == modeJSON {
		for _, it := range p.Items {
			emit(c.stdout, map[string]any{"type": "plan_item", "package": it.Package.String(), "id": it.ID, "name": it.Name, "digest": it.Digest,
				"tags": it.Tags, "deleted_at": it.DeletedAt, "days_left": it.DaysLeftAt(now), "reasons": it.Reasons})
		}
		for _, pkg := range p.RestorePackages {
			emit(c.stdout, map[string]any{"type": "package_not_found", "package": pkg.String()})
		}
		for _, n := range p.Notes {
			emit(c.stdout, map[string]any{"type": "note", "note": n})
		}
		emit(c.stdout, map[string]any{"type": "plan", "packages": len(p.Packages()), "count": len(p.Items), "made_at": p.MadeAt,
			"base_url": p.BaseURL, "apply": c.apply})
		return
	}
	w := c.stdout
	mode := "dry run: add --apply to restore"
	if c.apply {
		mode = "applying"
	}
	pkgs := p.Packages()
	what := plural(len(p.Items), "deleted version")
	switch {
	case len(pkgs) == 1:
		what += " of " + escape(pkgs[0].String())
	case len(pkgs) > 1:
		what += " in " + plural(len(pkgs), "package")
	case c.label != "":
		what += " of " + escape(c.label)
	}
	if len(p.RestorePackages) > 0 && len(p.Items) == 0 {
		names := make([]string, len(p.RestorePackages))
		for i, pkg := range p.RestorePackages {
			names[i] = escape(pkg.String())
		}
		fmt.Fprintln(w, wrap(fmt.Sprintf("Plan: restore %s (not found: deleted as a whole, or a typo), then what the selection chooses (%s)", strings.Join(names, ", "), mode), c.width, "  "))
	} else {
		fmt.Fprintln(w, wrap(fmt.Sprintf("Plan: %s to restore (%s)", what, mode), c.width, "  "))
	}
	for _, pkg := range pkgs {
		items := slices.DeleteFunc(slices.Clone(p.Items), func(it api.PlanItem) bool { return it.Package != pkg })
		if len(pkgs) > 1 {
			fmt.Fprintf(w, "\n%s: %s\n", escape(pkg.String()), plural(len(items), "version"))
		}
		if slices.Contains(p.RestorePackages, pkg) && len(pkgs) > 1 {
			fmt.Fprintln(w, "  not found: deleted as a whole (--apply restores it first), or a typo")
		}
		if len(items) == 0 {
			continue
		}
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  ID\tNAME\tTAGS\tDELETED\tDAYS LEFT\tWHY")
		for _, it := range items {
			name := escape(it.Name)
			if !c.wide {
				name = short(name)
			}
			left := fmt.Sprint(it.DaysLeftAt(now))
			if it.DaysLeftAt(now) < 0 {
				left = "gone"
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\n", it.ID, name, dash(escape(strings.Join(it.Tags, ","))),
				it.DeletedAt.UTC().Format("2006-01-02 15:04"), left, escape(strings.Join(it.Reasons, "; ")))
		}
		tw.Flush()
	}
	for _, n := range p.Notes {
		fmt.Fprintln(w, wrap("note: "+escape(n), c.width, "  "))
	}
}

func short(name string) string {
	if strings.HasPrefix(name, "sha256:") && len(name) > 19 {
		return name[:19] + "…"
	}
	return name
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printReport prints what Apply did.
func (c *cli) printReport(r api.Report) {
	if c.mode == modeJSON {
		v := map[string]any{"type": "summary", "restored": r.Restored, "already_active": r.AlreadyActive, "failed": r.Failed,
			"unknown": r.Unknown, "skipped": r.Skipped, "in_flight": ids(r.InFlight), "not_tried": ids(r.NotTried)}
		var pkgs []map[string]any
		for _, p := range r.Packages {
			pv := map[string]any{"package": p.Package.String(), "outcome": p.Outcome}
			if p.Err != nil {
				pv["error"] = message(p.Err)
			}
			pkgs = append(pkgs, pv)
		}
		if pkgs != nil {
			v["packages"] = pkgs
		}
		emit(c.stdout, v)
		return
	}
	failed := 0
	for _, p := range r.Packages {
		if p.Err != nil {
			failed++
		}
		if errors.Is(p.Err, api.ErrNotFound) {
			continue // said with suggestions after the report
		}
		line := fmt.Sprintf("Package %s: %s", escape(p.Package.String()), strings.ReplaceAll(string(p.Outcome), "_", " "))
		if p.Err != nil {
			line += ": " + message(p.Err)
		}
		fmt.Fprintln(c.stdout, wrap(line, c.width, "  "))
	}
	if failed > 0 && len(r.Results) == 0 {
		return // no version was tried: a summary of zeros would say nothing true
	}
	s := fmt.Sprintf("Restored %d, already active %d, failed %d", r.Restored, r.AlreadyActive, r.Failed)
	if failed > 0 {
		s += fmt.Sprintf("; %s could not be restored", plural(failed, "package"))
	}
	if r.Unknown > 0 {
		s += fmt.Sprintf(", outcome unknown %d (they may be restored: run again to settle them)", r.Unknown)
	}
	if r.Skipped > 0 {
		s += fmt.Sprintf("; %s done in an earlier run (journal), not sent again", plural(r.Skipped, "version"))
	}
	fmt.Fprintln(c.stdout, wrap(s+".", c.width, "  "))
}

// printInterrupted reports an interrupted apply, each part on its own line,
// and how to resume.
func (c *cli) printInterrupted(r api.Report, resume string) {
	done := r.Restored + r.AlreadyActive + r.Skipped
	var w io.Writer = c.stdout
	head := "Interrupted."
	switch {
	case c.stdout.Err() != nil:
		// Nobody reads stdout (a closed pipe) and that stopped the run:
		// the report goes where it can still be read.
		w, head = c.stderr, "Stopped: the output could not be written."
	case c.mode == modeJSON:
		emit(c.stdout, map[string]any{"type": "interrupted", "done": done, "failed": r.Failed, "unknown": r.Unknown,
			"in_flight": ids(r.InFlight), "not_tried": ids(r.NotTried), "resume": resume})
		return
	}
	fmt.Fprintln(w, head)
	fmt.Fprintf(w, "  done:       %s (restored %d, already active %d, done earlier %d)\n", plural(done, "version"), r.Restored, r.AlreadyActive, r.Skipped)
	if r.Failed > 0 || r.Unknown > 0 {
		fmt.Fprintf(w, "  failed:     %d; outcome unknown %d\n", r.Failed, r.Unknown)
	}
	if len(r.InFlight) > 0 {
		fmt.Fprintf(w, "  in flight:  %s, outcome unknown (it may have been restored)\n", joinIDs(r.InFlight))
	} else {
		fmt.Fprintln(w, "  in flight:  none")
	}
	fmt.Fprintf(w, "  not tried:  %s\n", plural(len(r.NotTried), "version"))
	fmt.Fprintln(w, "To resume:")
	fmt.Fprintln(w, "  "+resume)
}

func ids(items []api.PlanItem) []int64 {
	out := make([]int64, 0, len(items))
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func joinIDs(items []api.PlanItem) string {
	var s []string
	for _, it := range items {
		s = append(s, fmt.Sprint(it.ID))
	}
	return strings.Join(s, ", ")
}
