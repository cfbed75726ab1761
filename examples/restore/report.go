package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ghpackages/restore/api"
)

// record adds an apply's outcomes to the run's tally, for the summary.
func (c *cli) record(r api.Report) {
	for _, res := range r.Results {
		ref := versionRef(res.Item.Package, res.Item.ID)
		switch {
		case res.Outcome == api.OutcomeUnknown || errors.Is(res.Err, api.ErrOutcomeUnknown):
			c.tally.unknown = append(c.tally.unknown, ref)
		case res.Err != nil || res.Outcome == api.OutcomeFailed:
			c.tally.failed = append(c.tally.failed, ref)
		default:
			c.tally.restored = append(c.tally.restored, ref)
		}
	}
	for _, it := range r.InFlight {
		c.tally.unknown = append(c.tally.unknown, versionRef(it.Package, it.ID))
	}
	for _, it := range r.NotTried {
		c.tally.notTried = append(c.tally.notTried, versionRef(it.Package, it.ID))
	}
	for _, p := range r.Packages {
		if p.Err != nil {
			c.tally.failed = append(c.tally.failed, p.Package.String())
		}
	}
}

// printReport prints what Apply did (the results were events as they came).
func (c *cli) printReport(r api.Report) {
	if c.talk == modeJSON {
		for _, p := range r.Packages {
			ev := resultEvent{Event: "result", Package: p.Package.String(), Outcome: p.Outcome}
			if p.Err != nil {
				ev.Error = message(p.Err)
			}
			emit(c.stdout, ev) // a package restored whole: no version id
		}
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
		c.say(c.stdout, "%s", line)
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
	c.say(c.stdout, "%s.", s)
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
	case c.talk == modeJSON:
		emit(c.stdout, interruptedEvent{Event: "interrupted", While: "applying", Done: done, Failed: r.Failed, Unknown: r.Unknown,
			InFlight: refs(r.InFlight), NotTried: refs(r.NotTried), Resume: resume})
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

// refs names items as the summary does: PACKAGE@ID.
func refs(items []api.PlanItem) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, versionRef(it.Package, it.ID))
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
