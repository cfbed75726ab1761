package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ghpackages/restore/api"
)

// diagnose says why GitHub answered 404 for pkg, when the flags are the
// cause: the owner is of the other kind (exit 2, "use --org"), no such
// owner (exit 3), or the package exists under another type (exit 2, "use
// --type"). It returns nil when the owner exists and no other type has the
// name: the package was deleted as a whole, or its name is a typo.
func (c *cli) diagnose(ctx context.Context, client *api.Client, pkg api.Package) error {
	_, err := packageNames(ctx, client, pkg)
	if errors.Is(err, api.ErrNotFound) {
		return c.ownerNotFound(ctx, client, pkg.Owner, pkg.Type)
	}
	if err != nil {
		return nil // the not-found text says the listing failed
	}
	for _, t := range packageTypes {
		if t == pkg.Type {
			continue
		}
		names, err := packageNames(ctx, client, api.Package{Owner: pkg.Owner, Type: t})
		if err == nil && slices.Contains(names, pkg.Name) {
			return withFix(exitUsage, "", "%s is a %s package, not %s: use --type %s", escape(pkg.Name), t, pkg.Type, t)
		}
	}
	return nil
}

// packageTypes are GitHub's package types, in the order checked.
var packageTypes = []api.PackageType{api.PackageTypeContainer, api.PackageTypeNpm, api.PackageTypeMaven,
	api.PackageTypeRubygems, api.PackageTypeDocker, api.PackageTypeNuget}

// ownerNotFound tells a wrong owner kind (--user for an organization, or
// --org for a user) from an owner that does not exist.
func (c *cli) ownerNotFound(ctx context.Context, client *api.Client, owner api.Owner, typ api.PackageType) error {
	var other api.Owner
	var flag, kind string
	switch owner.Kind() {
	case api.OwnerOrg:
		other, flag, kind = api.User(owner.Login()), "--user", "a user"
	case api.OwnerUser:
		other, flag, kind = api.Org(owner.Login()), "--org", "an organization"
	default:
		return withFix(exitNotFound, "", "GitHub answered 404 for the token's own packages")
	}
	if _, err := packageNames(ctx, client, api.Package{Owner: other, Type: typ}); err == nil {
		return withFix(exitUsage, "", "%s is %s: use %s %s", escape(owner.Login()), kind, flag, escape(owner.Login()))
	}
	c.show(notFoundEvent{Event: "not_found", Kind: "owner", Name: escape(owner.Login()), Similar: []string{},
		Message: fmt.Sprintf("No organization or user %s was found (a typo, or the token cannot see it).", escape(owner.Login()))})
	return &exitError{code: exitNotFound, err: errQuiet}
}

// errQuiet ends a run whose reason was already said.
var errQuiet = errors.New("(said above)")

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
		if similar == nil {
			similar = []string{}
		}
		var b strings.Builder
		if applied {
			fmt.Fprintf(&b, "Package %s: no such package, or deleted more than 30 days ago (GitHub answered 404 to its restore).\n", escape(pkg.String()))
		} else {
			fmt.Fprintf(&b, "Package %s was not found. GitHub answers so for two causes:\n", escape(pkg.String()))
			b.WriteString("- the package was deleted as a whole (with its last version): --apply restores it first, if that was less than 30 days ago;\n")
			b.WriteString("- the name (--package) is wrong.\n")
		}
		switch {
		case offline:
			b.WriteString("Set a token (GH_TOKEN) to see similar package names.")
		case len(similar) > 0:
			fmt.Fprintf(&b, "Did you mean (%s packages of %s):", pkg.Type, escape(pkg.Owner.String()))
		case listErr != nil:
			fmt.Fprintf(&b, "Listing the %s packages of %s to suggest names failed: %s", pkg.Type, escape(pkg.Owner.String()), message(listErr))
		case len(names) > 0:
			fmt.Fprintf(&b, "No %s package of %s has a similar name (it has %s).", pkg.Type, escape(pkg.Owner.String()), plural(len(names), "package"))
		default:
			fmt.Fprintf(&b, "%s has no active %s package.", escape(pkg.Owner.String()), pkg.Type)
		}
		ev := notFoundEvent{Event: "not_found", Kind: "package", Name: escape(pkg.Name), Package: pkg.String(), Similar: similar, Applied: applied, Message: b.String()}
		if c.talk == modeJSON {
			emit(c.stdout, ev)
			continue
		}
		for _, line := range strings.Split(ev.Message, "\n") {
			c.say(c.stdout, "%s", line)
		}
		for _, n := range similar {
			fmt.Fprintf(c.stdout, "  --package %s\n", escape(n))
		}
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
