package main

import (
	"fmt"
	"strings"

	"github.com/ghpackages/restore/api/image"
)

// imageReport prints image plans and reports: a tree of manifests per
// image on stdout, or, with --json, one object per image, restore and
// summary.
type imageReport struct {
	c           *cli
	done, total int // restores so far, and planned (it grows as deleted indexes are walked)
}

// restored is Apply's progress callback.
func (ir *imageReport) restored(x image.Restored) {
	c := ir.c
	ir.done++
	ir.total = max(ir.total, ir.done)
	if c.mode == modeJSON {
		emit(c.stdout, struct {
			Type string `json:"type"`
			image.Restored
		}{"restore", x})
		return
	}
	what := string(x.Role)
	if x.Platform != "" {
		what += " " + x.Platform
	}
	if x.Err != nil {
		fmt.Fprintf(c.stderr, "[%d/%d] failed   version %d (%s): %s\n", ir.done, ir.total, x.VersionID, what, escape(x.Error))
		return
	}
	fmt.Fprintf(c.stderr, "[%d/%d] %-8s version %d (%s)\n", ir.done, ir.total, x.Outcome, x.VersionID, what)
}

// finish prints the last phase and its summary, and returns the exit code.
func (ir *imageReport) finish(phase string, p image.Plan, failed int) int {
	ir.print(phase, p)
	code := exitFor(p, failed)
	ir.summary(phase, p, failed, code)
	return code
}

// print shows every image of p.
func (ir *imageReport) print(phase string, p image.Plan) {
	c := ir.c
	if c.mode == modeJSON {
		for _, img := range p.Images {
			obj := map[string]any{"type": "image", "phase": phase, "package": p.Package, "root": img.Root, "digest": img.Digest,
				"tags": img.Tags, "whole": img.Whole(), "pending": img.Pending, "manifests": img.Manifests, "platforms": img.Platforms()}
			if img.TagsOK != nil {
				obj["tags_ok"] = *img.TagsOK
			}
			if img.Err != "" {
				obj["error"] = img.Err
			}
			emit(c.stdout, obj)
		}
		return
	}
	if p.Scanned > 0 && phase == "plan" {
		fmt.Fprintf(c.stdout, "Scanned %s of %s: %s broken.\n", plural(p.Scanned, "tagged image"), p.Package, plural(len(p.Images), "image"))
	}
	for _, img := range p.Images {
		ir.printImage(phase, p.Package, img)
	}
}

// summary closes a phase: counts, and in JSON the exit code.
func (ir *imageReport) summary(phase string, p image.Plan, failed, code int) {
	c := ir.c
	whole := 0
	for _, img := range p.Images {
		if img.Whole() {
			whole++
		}
	}
	restores := len(p.Restores())
	if c.mode == modeJSON {
		emit(c.stdout, map[string]any{"type": "summary", "phase": phase, "images": len(p.Images), "whole": whole,
			"broken": len(p.Images) - whole, "to_restore": restores, "failed": failed, "exit_code": code})
		return
	}
	switch {
	case phase == "plan" && restores > 0:
		fmt.Fprintf(c.stdout, "%s to restore. Nothing changed: run again with --apply (and --verify) to restore.\n", plural(restores, "manifest"))
	case phase == "plan":
		fmt.Fprintln(c.stdout, "Nothing to restore.")
	case whole == len(p.Images):
		fmt.Fprintf(c.stdout, "%s whole.\n", plural(whole, "image"))
	default:
		fmt.Fprintf(c.stdout, "%s still broken (%s whole); see the manifests marked gone, missing or failed.\n", plural(len(p.Images)-whole, "image"), plural(whole, "image"))
	}
	if failed > 0 {
		fmt.Fprintf(c.stdout, "%s failed.\n", plural(failed, "restore"))
	}
}

// printImage prints one image as a tree of its manifests.
func (ir *imageReport) printImage(phase, pkg string, img image.Image) {
	c := ir.c
	name := pkg + ":" + img.Root
	if image.IsDigest(img.Root) {
		name = pkg + "@" + ir.digest(img.Root)
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
	head := fmt.Sprintf("%s %s", strings.ToUpper(phase[:1])+phase[1:], escape(name))
	if len(img.Tags) > 0 && image.IsDigest(img.Root) {
		head += " (" + escape(strings.Join(img.Tags, ", ")) + ")"
	}
	fmt.Fprintf(c.stdout, "%s: %s\n", head, state)
	if img.TagsOK != nil && !*img.TagsOK {
		fmt.Fprintf(c.stdout, "  a tag does not resolve to %s\n", ir.digest(img.Digest))
	}
	if img.Err != "" {
		fmt.Fprintf(c.stdout, "  error: %s\n", escape(img.Err))
	}
	t := treeOf(img.Manifests)
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
		fmt.Fprintf(c.stdout, "  %-34s %-19s %-9s %s\n", branch+escape(ir.label(e, under)), ir.digest(e.Digest), e.State, ir.detail(e))
		for n, child := range t.children[k] {
			walk(child, next, n == len(t.children[k])-1, depth+1)
		}
	}
	if len(img.Manifests) > 0 {
		walk(0, "", true, 0)
	}
	if phase == "verify" {
		for _, p := range img.Platforms() {
			verdict := "whole"
			if !p.Whole {
				var bad []string
				for _, e := range p.Manifests {
					if e.State != image.StatePresent && e.State != image.StateReused && e.State != image.StateRestored {
						bad = append(bad, fmt.Sprintf("%s %s %s", e.Role, ir.digest(e.Digest), e.State))
					}
				}
				verdict = "BROKEN: " + strings.Join(bad, "; ")
			}
			fmt.Fprintf(c.stdout, "  platform %-14s %s\n", escape(p.Platform), verdict)
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
	if e.State == image.StateDeleted {
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
