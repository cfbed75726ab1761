package main

import (
	"fmt"
	"strings"

	"github.com/ghpackages/restore/api/image"
)

// printImage prints one image as a tree of its manifests. A manifest's
// line is its label, digest, state and what happens to it; when that does
// not fit the terminal, what happens moves to the next line.
func (ir *imageReport) printImage(phase, pkg string, img image.Image) {
	c := ir.c
	width := c.outWidth
	name := escape(pkg) + ":" + escape(img.Root)
	if image.IsDigest(img.Root) {
		name = escape(pkg) + "@" + ir.digest(img.Root)
	}
	state := "whole"
	switch {
	case img.Pending:
		state = "pending: its manifests become known once it is restored"
	case phase == "plan" && len(img.ToRestore()) > 0:
		state = plural(len(img.ToRestore()), "manifest") + " to restore"
		if n := len(img.Lost()); n > 0 {
			state += fmt.Sprintf(", %d gone", n)
		}
	case !img.Whole():
		state = "BROKEN"
	}
	head := fmt.Sprintf("%s %s", strings.ToUpper(phase[:1])+phase[1:], name)
	if len(img.Tags) > 0 && image.IsDigest(img.Root) {
		head += " (" + escape(strings.Join(img.Tags, ", ")) + ")"
	}
	c.say(c.stdout, "%s: %s", head, state)
	if img.TagsOK != nil && !*img.TagsOK {
		c.sayIn(c.stdout, "  ", "a tag does not resolve to %s", ir.digest(img.Digest))
	}
	if img.Err != "" {
		c.sayIn(c.stdout, "  ", "error: %s", escape(img.Err))
	}
	t := treeOf(img.Manifests)
	type row struct{ label, digest, state, detail, cont string }
	var rows []row
	var walk func(k int, prefix string, last bool, depth int)
	walk = func(k int, prefix string, last bool, depth int) {
		e := img.Manifests[k]
		branch, next := "", prefix
		if depth > 0 {
			branch, next = prefix+"├─ ", prefix+"│  "
			if last {
				branch, next = prefix+"└─ ", prefix+"   "
			}
		}
		under := k > 0 && img.Manifests[t.parent[k]].Role == image.RolePlatform
		// A detail moved to its own line continues the tree: the prefix of
		// this entry's children, then an indent.
		cont := next
		if len(t.children[k]) > 0 {
			cont += "│  "
		} else {
			cont += "   "
		}
		rows = append(rows, row{branch + escape(ir.label(e, under)), ir.digest(e.Digest), stateText(e.State), ir.detail(e), "  " + cont + " "})
		for n, child := range t.children[k] {
			walk(child, next, n == len(t.children[k])-1, depth+1)
		}
	}
	if len(img.Manifests) > 0 {
		walk(0, "", true, 0)
	}
	lw, dw := 0, 0
	for _, r := range rows {
		lw, dw = max(lw, cells(r.label)), max(dw, cells(r.digest))
	}
	if width > 0 {
		lw = min(lw, max(width-2-dw-1-10, 12))
	}
	for _, r := range rows {
		label := cut(r.label, lw)
		line := "  " + label + strings.Repeat(" ", lw-cells(label)) + " " + r.digest + strings.Repeat(" ", dw-cells(r.digest)) + " " + r.state
		switch {
		case r.detail == "":
			fmt.Fprintln(c.stdout, line)
		case width <= 0 || cells(line)+1+cells(r.detail) <= width:
			fmt.Fprintln(c.stdout, line+strings.Repeat(" ", max(9-cells(r.state), 0))+" "+r.detail)
		default:
			fmt.Fprintln(c.stdout, line)
			fmt.Fprintln(c.stdout, r.cont+wrap(r.detail, width-cells(r.cont), r.cont))
		}
	}
	if phase == "verify" {
		for _, p := range img.Platforms() {
			verdict := "whole"
			if !p.Whole {
				var bad []string
				for _, e := range p.Manifests {
					if e.State != image.ManifestPresent && e.State != image.ManifestReused && e.State != image.ManifestRestored {
						bad = append(bad, fmt.Sprintf("%s %s %s", e.Role, ir.digest(e.Digest), stateText(e.State)))
					}
				}
				verdict = "BROKEN: " + strings.Join(bad, "; ")
			}
			c.sayIn(c.stdout, "  ", "platform %-14s %s", escape(p.Platform), verdict)
		}
	}
}

// label names a manifest in the tree: its platform for a platform image,
// else its role (and platform, for an attestation not under it).
func (ir *imageReport) label(e image.Entry, underPlatform bool) string {
	switch {
	case e.Role == image.RolePlatform && e.Platform != "":
		return e.Platform
	case e.Role == image.RoleAttestation && e.Platform != "" && !underPlatform:
		return "attestation " + e.Platform
	case strings.HasPrefix(e.Tag, "sha256-"):
		if i := strings.LastIndex(e.Tag, "."); i > 0 {
			return string(e.Role) + " (" + e.Tag[i:] + " tag)"
		}
		return string(e.Role) + " (referrers tag)"
	}
	return string(e.Role)
}

// detail says what happens to a manifest and why.
func (ir *imageReport) detail(e image.Entry) string {
	why := escape(e.Why)
	if e.Err != "" {
		why = escape(e.Err)
	}
	if e.State == image.ManifestDeleted {
		return fmt.Sprintf("restore version %d: %s", e.VersionID, why)
	}
	return why
}

// digest shortens a digest to 12 hex digits unless --wide or --json. An
// index's child digest is whatever was pushed: it is printed escaped.
func (ir *imageReport) digest(d string) string {
	if ir.c.wide || len(d) < len("sha256:")+12 {
		return escape(d)
	}
	return escape(d[:len("sha256:")+12])
}

// tree is the display tree of an image's manifests: an attestation hangs
// under the platform it describes, everything else under its parent.
type tree struct {
	parent   []int
	children [][]int
}

func treeOf(ms []image.Entry) tree {
	t := tree{parent: make([]int, len(ms)), children: make([][]int, len(ms))}
	first := map[string]int{}
	platform := map[string]int{}
	for k, e := range ms {
		if _, ok := first[e.Digest]; !ok {
			first[e.Digest] = k
		}
		if e.Role == image.RolePlatform && e.Platform != "" {
			platform[e.Parent+" "+e.Platform] = k
		}
	}
	for k, e := range ms {
		t.parent[k] = -1
		if k == 0 {
			continue
		}
		p, ok := platform[e.Parent+" "+e.Platform]
		if e.Role != image.RoleAttestation || e.Platform == "" || !ok {
			p, ok = first[e.Parent]
		}
		if !ok || p == k {
			p = 0
		}
		t.parent[k] = p
		t.children[p] = append(t.children[p], k)
	}
	return t
}

// stateText is a manifest's state as the tree shows it: "not tried".
func stateText(s image.ManifestState) string {
	return strings.ReplaceAll(string(s), "_", " ")
}
