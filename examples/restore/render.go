package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ghpackages/restore/api"
)

// The text presenter: what the events say on a terminal or in a log. Every
// line fits the stream's width when it is a terminal (textwidth.go).

// widthOf is the columns text may take on w: 0 (no limit) unless w is a
// terminal.
func (c *cli) widthOf(w io.Writer) int {
	if w == c.stderr {
		return c.errWidth
	}
	return c.outWidth
}

// say prints one message on w, wrapped to its width.
func (c *cli) say(w *output, format string, args ...any) {
	fmt.Fprintln(w, wrap(fmt.Sprintf(format, args...), c.widthOf(w), "  "))
}

// sayIn prints one message on w indented by indent, its next lines by two
// more.
func (c *cli) sayIn(w *output, indent, format string, args ...any) {
	width := c.widthOf(w)
	if width > 0 {
		width -= cells(indent)
	}
	fmt.Fprintln(w, indent+wrap(fmt.Sprintf(format, args...), width, indent+"  "))
}

// show presents an event that has no richer text form: a JSON line with
// --json, else its message.
func (c *cli) show(ev any) {
	if c.talk == modeJSON {
		emit(c.stdout, ev)
		return
	}
	switch e := ev.(type) {
	case notFoundEvent:
		c.say(c.stdout, "%s", e.Message)
		if len(e.Similar) > 0 {
			fmt.Fprintln(c.stdout, "Did you mean:")
			for _, s := range e.Similar {
				fmt.Fprintln(c.stdout, "  "+s)
			}
		}
	case progressEvent:
		c.say(c.stderr, "checked %d of %d %s", e.Done, e.Total, e.What)
	}
}

// printPlan prints the plan: the selection once, then a table per package.
func (c *cli) printPlan(p api.Plan, head planHead) {
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
	case head.label != "":
		what += " of " + escape(head.label)
	}
	if len(p.RestorePackages) > 0 && len(p.Items) == 0 {
		names := make([]string, len(p.RestorePackages))
		for i, pkg := range p.RestorePackages {
			names[i] = escape(pkg.String())
		}
		c.say(w, "Plan: restore %s (not found: deleted as a whole, or a typo), then what the selection chooses (%s)", strings.Join(names, ", "), mode)
	} else if len(p.Items) == 0 {
		c.say(w, "Nothing to restore in %s: no deleted version matches the selection.", escape(strings.TrimPrefix(what, "0 deleted versions of ")))
	} else {
		c.say(w, "Plan: %s to restore (%s)", what, mode)
	}
	if r := head.run; r != nil {
		name := escape(r.Name)
		if r.WorkflowPath != "" {
			name += " (" + escape(r.WorkflowPath) + ")"
		}
		c.say(w, "Run: %s, workflow %s, run #%d, %s", escape(r.Ref.String()), name, r.RunNumber, escape(r.Status))
	}
	if head.selection != "" {
		c.say(w, "Selected: %s", escape(head.selection))
	}
	for _, pkg := range pkgs {
		items := slices.DeleteFunc(slices.Clone(p.Items), func(it api.PlanItem) bool { return it.Package != pkg })
		if len(pkgs) > 1 {
			fmt.Fprintf(w, "\n%s: %s\n", escape(pkg.String()), plural(len(items), "version"))
		}
		if slices.Contains(p.RestorePackages, pkg) && len(pkgs) > 1 {
			c.sayIn(w, "  ", "not found: deleted as a whole (--apply restores it first), or a typo")
		}
		if len(items) == 0 {
			continue
		}
		fmt.Fprint(w, c.itemTable(items).render(c.outWidth, "  "))
	}
	for _, n := range p.Notes {
		c.say(w, "note: %s", escape(n))
	}
}

// itemTable is the table of a package's items.
func (c *cli) itemTable(items []api.PlanItem) table {
	t := table{head: []string{"ID", "NAME", "TAGS", "DELETED", "LEFT"}, shrink: map[int]int{1: 12, 2: 8}}
	now := c.now()
	for _, it := range items {
		name := escape(it.Name)
		if !c.wide {
			name = short(name)
		}
		// An item given by id that could not be listed (a token without
		// delete:packages) has no deletion time: its window is unknown.
		deleted, left := "?", "unknown"
		if !it.DeletedAt.IsZero() {
			deleted, left = it.DeletedAt.UTC().Format("2006-01-02 15:04"), fmt.Sprintf("%dd", it.DaysLeftAt(now))
			if it.DaysLeftAt(now) < 0 {
				left = "gone"
			}
		}
		t.rows = append(t.rows, []string{itoa64(it.ID), dash(name), dash(escape(strings.Join(it.Tags, ","))), deleted, left})
	}
	return t
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

// plural writes "1 version", "2 versions".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
