package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ghpackages/restore/api"
)

// notFound explains GitHub's 404 "Package not found." and suggests similar
// package names of the same owner and type. After --apply it follows a
// package restore that answered 404.
func (c *cli) notFound(ctx context.Context, client *api.Client, pkgs []api.Package, applied bool) int {
	// Without a token (printing a plan file) nothing is sent, so no names
	// are listed to suggest from.
	offline := c.tok.value == ""
	for _, pkg := range pkgs {
		var names []string
		var listErr error
		if !offline {
			names, listErr = packageNames(ctx, client, pkg)
		}
		similar := similarNames(pkg.Name, names)
		if c.mode == modeJSON {
			v := map[string]any{"type": "not_found", "package": pkg.String(), "similar": similar, "applied": applied}
			if listErr != nil {
				v["list_error"] = message(listErr)
			}
			emit(c.stdout, v)
			continue
		}
		var b strings.Builder
		if applied {
			fmt.Fprintf(&b, "Package %s: no such package, or deleted more than 30 days ago\n(GitHub answered 404 to its restore).\n", escape(pkg.String()))
		} else {
			fmt.Fprintf(&b, "Package %s was not found. GitHub answers so for two causes:\n", escape(pkg.String()))
			b.WriteString("  - the package was deleted as a whole (with its last version): --apply restores it\n" +
				"    first, if that was less than 30 days ago;\n")
			b.WriteString("  - the name (--package) or the type (--type) is wrong.\n")
		}
		switch {
		case offline:
			b.WriteString("Set a token (GH_TOKEN) to see similar package names.\n")
		case len(similar) > 0:
			fmt.Fprintf(&b, "Did you mean (%s packages of %s):\n", pkg.Type, escape(pkg.Owner.String()))
			for _, n := range similar {
				fmt.Fprintf(&b, "  --package %s\n", escape(n))
			}
		case listErr != nil:
			fmt.Fprintln(&b, wrap(fmt.Sprintf("Listing the %s packages of %s to suggest names failed: %s", pkg.Type, escape(pkg.Owner.String()), message(listErr)), c.width, "  "))
		case len(names) > 0:
			fmt.Fprintf(&b, "No %s package of %s has a similar name (it has %s).\n", pkg.Type, escape(pkg.Owner.String()), plural(len(names), "package"))
		default:
			fmt.Fprintf(&b, "%s has no active %s package.\n", escape(pkg.Owner.String()), pkg.Type)
		}
		fmt.Fprint(c.stdout, b.String())
	}
	return exitNotFound
}

// similarNames returns up to five names close to name: the same but for
// case or separators, one containing the other, or a small edit distance.
func similarNames(name string, names []string) []string {
	norm := func(s string) string {
		return strings.Map(func(r rune) rune {
			if strings.ContainsRune("-_./ ", r) {
				return -1
			}
			return r
		}, strings.ToLower(s))
	}
	target := norm(name)
	type scored struct {
		name string
		d    int
	}
	var found []scored
	for _, n := range names {
		if n == name {
			continue
		}
		cand := norm(n)
		d := distance(strings.ToLower(name), strings.ToLower(n))
		limit := max(2, len([]rune(target))/3)
		switch {
		case cand == target:
			d = 0
		case target != "" && cand != "" && (strings.Contains(cand, target) || strings.Contains(target, cand)):
			// kept, ranked by its distance
		case d > limit:
			continue
		}
		found = append(found, scored{n, d})
	}
	slices.SortFunc(found, func(a, b scored) int { return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(a.name, b.name)) })
	var out []string
	for _, s := range found[:min(len(found), 5)] {
		out = append(out, s.name)
	}
	return out
}

// distance is the Levenshtein distance between a and b, by runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// maxSuggestionPackages bounds the listing behind a "did you mean": ten
// pages of 100 are enough to suggest a name, and keep a typo cheap.
const maxSuggestionPackages = 1000

// packageNames lists the names of the owner's packages of pkg's type (all
// pages, up to maxSuggestionPackages), for suggestions.
func packageNames(ctx context.Context, client *api.Client, pkg api.Package) ([]string, error) {
	var names []string
	for info, err := range client.Packages(ctx, pkg.Owner, pkg.Type, nil) {
		if err != nil {
			return names, err
		}
		names = append(names, info.Package.Name)
		if len(names) >= maxSuggestionPackages {
			break
		}
	}
	return names, nil
}
