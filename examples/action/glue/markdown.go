package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// markdown renders the job summary: whether anything changed, the broken
// images, the plan, and after an apply the outcome per version and, for
// images, per platform; then the counts.
func markdown(r *result, in inputs) string {
	var b strings.Builder
	b.WriteString("## Restore GitHub Packages\n\n")
	mode, _ := r.summary["mode"].(string)
	applied, _ := r.summary["applied"].(bool)
	switch {
	case applied:
		b.WriteString("**Applied.**")
	case in.isDryRun():
		b.WriteString("**Dry run: nothing changed.** Set `dry-run: false` to restore.")
	default:
		b.WriteString("**Nothing was applied.**")
	}
	if mode != "" {
		fmt.Fprintf(&b, " Mode: %s.", code(mode))
	}
	fmt.Fprintf(&b, " Exit status: %d.\n\n", r.exitCode)
	if r.selection != "" {
		fmt.Fprintf(&b, "Selection: %s\n\n", cell(r.selection))
	}
	if run := r.run; run != nil {
		fmt.Fprintf(&b, "Undoing the workflow run %s #%d (%s), %s, which ran from %s to %s.\n\n",
			code(run.Name), run.RunNumber, code(fmt.Sprintf("%s/%s/%d", run.Ref.Owner, run.Ref.Repo, run.Ref.ID)), cell(firstOf(run.Conclusion, "not finished")), cell(run.StartedAt), cell(run.UpdatedAt))
	}
	for _, e := range append([]string{r.usage}, r.errors...) {
		if e != "" {
			fmt.Fprintf(&b, "> [!CAUTION]\n> %s\n\n", cell(e))
		}
	}
	// The broken images open the summary: a scheduled doctor's reader
	// wants them first.
	if broken := r.list("broken"); len(broken) > 0 {
		fmt.Fprintf(&b, "### Broken images (%d)\n\n", len(broken))
		for _, ref := range broken {
			fmt.Fprintf(&b, "- %s\n", code(ref))
		}
		b.WriteString("\n")
	}
	writePlan(&b, r.plan)
	writeResults(&b, r.results)
	writeImages(&b, r.images)
	if r.summary != nil {
		b.WriteString("### Summary\n\n| Restored | Failed | Unknown | Not tried | Broken |\n|---:|---:|---:|---:|---:|\n")
		fmt.Fprintf(&b, "| %d | %d | %d | %d | %d |\n\n", len(r.list("restored")), len(r.list("failed")), len(r.list("unknown")), len(r.list("not_tried")), len(r.list("broken")))
		for _, name := range []string{"failed", "unknown", "not_tried"} {
			if l := r.list(name); len(l) > 0 {
				fmt.Fprintf(&b, "%s: %s\n\n", strings.ReplaceAll(name, "_", " "), codes(l))
			}
		}
	}
	return b.String()
}

// planJSON is what the summary reads of an api.Plan.
type planJSON struct {
	Items []struct {
		Package   json.RawMessage `json:"package"`
		ID        int64           `json:"id"`
		Name      string          `json:"name"`
		Tags      []string        `json:"tags"`
		DeletedAt string          `json:"deleted_at"`
		DaysLeft  *int            `json:"days_left"`
	} `json:"items"`
	RestorePackages []json.RawMessage `json:"restore_packages"`
	Notes           []string          `json:"notes"`
	// An image plan (image.Plan): the package and its images.
	Package json.RawMessage `json:"package"`
	Images  []imagePlan     `json:"images"`
	// A doctor's report (image.DoctorReport): a plan per package.
	Packages []struct {
		Package json.RawMessage `json:"package"`
		Error   string          `json:"error"` // why the package could not be checked
		Plan    struct {
			Package string      `json:"package"`
			Images  []imagePlan `json:"images"`
			Scanned int         `json:"scanned"`
		} `json:"plan"`
	} `json:"packages"`
}

func writePlan(b *strings.Builder, raw json.RawMessage) {
	if len(raw) == 0 || string(raw) == "null" {
		return
	}
	var p planJSON
	if err := json.Unmarshal(raw, &p); err != nil {
		return
	}
	if len(p.Items) == 0 && (len(p.Images) > 0 || len(p.Packages) > 0) {
		writeImagePlan(b, p)
		return
	}
	pkgs := map[string]bool{}
	for _, it := range p.Items {
		pkgs[packageName(it.Package)] = true
	}
	fmt.Fprintf(b, "### Plan: %s in %s\n\n", plural(len(p.Items), "version"), plural(len(pkgs), "package"))
	for _, pk := range p.RestorePackages {
		fmt.Fprintf(b, "- restore the package %s whole first\n", code(packageName(pk)))
	}
	for _, n := range p.Notes {
		fmt.Fprintf(b, "- %s\n", cell(n))
	}
	if len(p.RestorePackages)+len(p.Notes) > 0 {
		b.WriteString("\n")
	}
	if len(p.Items) > 0 {
		b.WriteString("| Package | Version id | Name | Tags | Deleted at | Days left |\n|---|---:|---|---|---|---:|\n")
		for _, it := range p.Items {
			days := "—"
			if it.DaysLeft != nil {
				days = fmt.Sprint(*it.DaysLeft)
			}
			fmt.Fprintf(b, "| %s | %d | %s | %s | %s | %s |\n", code(packageName(it.Package)), it.ID, code(short(it.Name)), codes(it.Tags), cell(it.DeletedAt), days)
		}
		b.WriteString("\n")
	}
}

func writeResults(b *strings.Builder, results []json.RawMessage) {
	if len(results) == 0 {
		return
	}
	b.WriteString("### Outcome per version\n\n| Package | Version id | What | Outcome | Detail |\n|---|---:|---|---|---|\n")
	for _, raw := range results {
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			continue
		}
		pkg := packageName(m["package"])
		id := text(m["id"])
		if id == "" {
			id = text(m["version_id"])
		}
		if id == "" {
			id = "(whole package)"
		}
		what := strings.TrimSpace(text(m["role"]) + " " + text(m["platform"]))
		if what == "" {
			what = firstOf(short(text(m["name"])), "—")
		}
		outcome := firstOf(text(m["outcome"]), text(m["status"]))
		detail := firstOf(text(m["error"]), text(m["message"]), text(m["hint"]))
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", code(pkg), cell(id), cell(what), mark(outcome)+cell(outcome), cell(detail))
	}
	b.WriteString("\n")
}

func yesNo(ok bool) string {
	if ok {
		return "✅ yes"
	}
	return "❌ no"
}

func mark(outcome string) string {
	switch outcome {
	case "restored", "already_active", "already active":
		return "✅ "
	case "failed", "unknown", "gone", "missing":
		return "❌ "
	case "deleted":
		return "♻️ "
	}
	return ""
}

// packageName reads a package as the tool writes it: a string, or an
// api.Package ({"owner":{"org":…},"package_type":…,"package_name":…}).
func packageName(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var p struct {
		Owner struct{ Org, User string } `json:"owner"`
		Type  string                     `json:"package_type"`
		Name  string                     `json:"package_name"`
	}
	if json.Unmarshal(raw, &p) != nil || p.Name == "" {
		return string(raw)
	}
	return firstOf(p.Owner.Org, p.Owner.User) + "/" + p.Type + "/" + p.Name
}

// text is a JSON scalar as text ("" for null or absent).
func text(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// cell makes text safe in a Markdown table cell: line breaks become
// spaces; HTML and Markdown's punctuation are escaped, so that no package
// name or message from the API can add rows, links, HTML or formatting.
func cell(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case strings.ContainsRune("\\`*_{}[]()#+!|~$", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// code shows an identifier (a package, digest or tag) in monospace; the
// text is escaped as a cell's (GitHub reads Markdown inside inline HTML, and
// a backtick code span cannot hold "|" in a table).
func code(s string) string {
	if s == "" {
		return "—"
	}
	return "<code>" + cell(s) + "</code>"
}

func codes(l []string) string {
	if len(l) == 0 {
		return "—"
	}
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = code(s)
	}
	return strings.Join(out, " ")
}
