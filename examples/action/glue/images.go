package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// The job summary's images: image plans (one row per manifest) and image
// events (one row per platform).

// imagePlan is one image of an image plan.
type imagePlan struct {
	Root      string   `json:"root"`
	Tags      []string `json:"tags"`
	Error     string   `json:"error"`
	Manifests []struct {
		Digest    string `json:"digest"`
		Role      string `json:"role"`
		Platform  string `json:"platform"`
		State     string `json:"state"`
		VersionID int64  `json:"version_id"`
	} `json:"manifests"`
}

// writeImagePlan shows an image plan, or a doctor's plans, one row per
// manifest of each image that is not whole.
func writeImagePlan(b *strings.Builder, p planJSON) {
	type pkgImages struct {
		pkg    string
		images []imagePlan
	}
	var all []pkgImages
	if len(p.Images) > 0 {
		all = append(all, pkgImages{packageName(p.Package), p.Images})
	}
	scanned := 0
	for _, pk := range p.Packages {
		scanned += pk.Plan.Scanned
		if len(pk.Plan.Images) > 0 {
			all = append(all, pkgImages{firstOf(pk.Plan.Package, packageName(pk.Package)), pk.Plan.Images})
		}
	}
	images, restores := 0, 0
	for _, pi := range all {
		images += len(pi.images)
		for _, img := range pi.images {
			for _, m := range img.Manifests {
				if m.State == "deleted" {
					restores++
				}
			}
		}
	}
	fmt.Fprintf(b, "### Plan: %s, %s to restore\n\n", plural(images, "image"), plural(restores, "manifest"))
	if len(p.Packages) > 0 {
		fmt.Fprintf(b, "Checked %s (%s).\n\n", plural(len(p.Packages), "package"), plural(scanned, "tagged image"))
		for _, pk := range p.Packages {
			if pk.Error != "" {
				fmt.Fprintf(b, "- %s could not be checked: %s\n", code(packageName(pk.Package)), cell(pk.Error))
			}
		}
	}
	if images == 0 {
		return
	}
	b.WriteString("| Image | Manifest | Platform | State | Version id |\n|---|---|---|---|---:|\n")
	for _, pi := range all {
		for _, img := range pi.images {
			name := pi.pkg + ":" + img.Root
			switch {
			case len(img.Tags) > 0: // a broken scan's root is the digest
				name = pi.pkg + ":" + strings.Join(img.Tags, ",")
			case strings.HasPrefix(img.Root, "sha256:"):
				name = pi.pkg + "@" + short(img.Root)
			}
			if img.Error != "" {
				fmt.Fprintf(b, "| %s | — | — | %s | — |\n", code(name), cell(img.Error))
			}
			for _, m := range img.Manifests {
				id := "—"
				if m.VersionID != 0 {
					id = fmt.Sprint(m.VersionID)
				}
				platform := "—"
				if m.Platform != "" {
					platform = code(m.Platform)
				}
				fmt.Fprintf(b, "| %s | %s %s | %s | %s | %s |\n", code(name), cell(m.Role), code(short(m.Digest)), platform, mark(m.State)+cell(m.State), id)
			}
		}
	}
	b.WriteString("\n")
}

// short abbreviates a digest to sha256:12 hex digits.
func short(d string) string {
	if len(d) > len("sha256:")+12 && strings.HasPrefix(d, "sha256:") {
		return d[:len("sha256:")+12]
	}
	return d
}

// imageJSON is what the summary reads of an image event.
type imageJSON struct {
	Phase     string `json:"phase"`
	Package   string `json:"package"`
	Ref       string `json:"ref"` // REGISTRY/OWNER/NAME:TAG
	Image     string `json:"image"`
	Root      string `json:"root"`
	Digest    string `json:"digest"`
	Whole     *bool  `json:"whole"`
	Error     string `json:"error"`
	Platforms []struct {
		Platform  string          `json:"platform"`
		Whole     bool            `json:"whole"`
		Manifests []manifestEntry `json:"manifests"`
	} `json:"platforms"`
	Manifests []manifestEntry `json:"manifests"`
}

type manifestEntry struct {
	Role     string `json:"role"`
	Platform string `json:"platform"`
	State    string `json:"state"`
}

func writeImages(b *strings.Builder, images []json.RawMessage) {
	if len(images) == 0 {
		return
	}
	b.WriteString("### Images, per platform\n\n| Image | Phase | Platform | Whole | Manifests |\n|---|---|---|---|---|\n")
	for _, raw := range images {
		var img imageJSON
		if json.Unmarshal(raw, &img) != nil {
			continue
		}
		name := firstOf(img.Ref, img.Image)
		if name == "" {
			sep := ":"
			if strings.HasPrefix(img.Root, "sha256:") {
				sep = "@"
			}
			name = img.Package + sep + img.Root
		}
		whole := "—"
		if img.Whole != nil {
			whole = yesNo(*img.Whole)
		}
		root := states(img.Manifests, func(e manifestEntry) bool { return e.Platform == "" })
		if img.Error != "" {
			root = cell(img.Error)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", code(name), cell(img.Phase), "(image)", whole, root)
		if len(img.Platforms) > 0 {
			for _, p := range img.Platforms {
				fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", code(name), cell(img.Phase), code(p.Platform), yesNo(p.Whole), states(p.Manifests, nil))
			}
			continue
		}
		// No platforms grouped by the tool: group the manifests.
		var order []string
		byPlatform := map[string][]manifestEntry{}
		for _, e := range img.Manifests {
			if e.Platform == "" {
				continue
			}
			if _, seen := byPlatform[e.Platform]; !seen {
				order = append(order, e.Platform)
			}
			byPlatform[e.Platform] = append(byPlatform[e.Platform], e)
		}
		for _, p := range order {
			whole := true
			for _, e := range byPlatform[p] {
				whole = whole && (e.State == "present" || e.State == "reused" || e.State == "restored")
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", code(name), cell(img.Phase), code(p), yesNo(whole), states(byPlatform[p], nil))
		}
	}
	b.WriteString("\n")
}

// states counts manifests by role and state: "index present, platform
// restored ×2".
func states(es []manifestEntry, keep func(manifestEntry) bool) string {
	n := map[string]int{}
	for _, e := range es {
		if keep == nil || keep(e) {
			n[e.Role+" "+e.State]++
		}
	}
	var out []string
	for k, c := range n {
		if c > 1 {
			k += fmt.Sprintf(" ×%d", c)
		}
		out = append(out, cell(k))
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "—"
	}
	return strings.Join(out, ", ")
}
