package api

import (
	"context"
	"iter"
	"net/url"
	"strconv"
	"time"

	"github.com/ghpackages/restore/gen"
)

// PackageInfo is one package as GitHub lists it.
type PackageInfo struct {
	// Package names it for the other calls, with the owner as it was asked
	// for: the packages of Me() stay on the /user routes.
	Package      Package   `json:"package"`
	ID           int64     `json:"id"`
	Visibility   string    `json:"visibility"` // "public" or "private"
	VersionCount int       `json:"version_count"`
	Repository   string    `json:"repository,omitempty"` // OWNER/REPO, when linked to a repository
	URL          string    `json:"url"`
	HTMLURL      string    `json:"html_url"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// PackagesOptions select the packages to list.
type PackagesOptions struct {
	// Visibility is "public", "private" or "internal"; empty lists all.
	Visibility string
	// PerPage is the page size, 1 to 100; 0 means 100, the fewest requests.
	PerPage int
}

func (o *PackagesOptions) validate() error {
	switch o.Visibility {
	case "", "public", "private", "internal":
	default:
		return &ValidationError{Field: "visibility", Value: o.Visibility, Reason: "must be public, private or internal"}
	}
	return validatePerPage(&o.PerPage)
}

// Packages lists an owner's packages of one type, following GitHub's Link
// headers across all pages (never stopping at a short page). GitHub often
// answers this listing with a full page and no Link although more pages
// exist: after a full page without any Link header, the next page is asked
// for by number (same filters, per_page always sent) until a short or
// empty page. GitHub shows at most MaxListed results of a listing; a
// listing that fills every page up to that cap ends with a
// *ListingCapError (ErrListingCapped). It streams as Versions does, and an
// error ends the sequence, yielded with a zero PackageInfo. opts may be
// nil.
//
// GET /orgs/{org}/packages
// (https://docs.github.com/rest/packages/packages#list-packages-for-an-organization),
// GET /users/{username}/packages (https://docs.github.com/rest/packages/packages#list-packages-for-a-user)
// or GET /user/packages (https://docs.github.com/rest/packages/packages#list-packages-for-the-authenticated-users-namespace),
// as owner says, with package_type, per_page and visibility.
//
// Pages stay within the listing, as for Versions: GitHub's numeric-id links
// (/organizations/{id}/packages, /user/{id}/packages) are followed, and the
// package type, visibility and page size are kept on every page. A package
// is yielded once. GitHub lists packages that exist: a package deleted as a
// whole is not listed. Listing needs read:packages; a user's private
// packages are listed only to that user.
func (c *Client) Packages(ctx context.Context, owner Owner, pkgType PackageType, opts *PackagesOptions) iter.Seq2[PackageInfo, error] {
	return func(yield func(PackageInfo, error) bool) {
		var o PackagesOptions
		if opts != nil {
			o = *opts
		}
		if err := owner.Validate(); err != nil {
			yield(PackageInfo{}, err)
			return
		}
		if err := validatePackageType(pkgType); err != nil {
			yield(PackageInfo{}, err)
			return
		}
		if err := o.validate(); err != nil {
			yield(PackageInfo{}, err)
			return
		}
		filters := url.Values{"package_type": {string(pkgType)}, "per_page": {strconv.Itoa(o.PerPage)}}
		if o.Visibility != "" {
			filters.Set("visibility", o.Visibility)
		}
		pages := newPager(c.base, OpListPackages.ID(owner.kind), owner, "/packages", filters)
		readPages(ctx, c, OpListPackages, owner.kind, pkgType, c.packagesURL(owner, pkgType, o.PerPage, o.Visibility), pages,
			func(g *gen.Package) int64 { return int64(g.ID) },
			func(g *gen.Package) PackageInfo { return packageFrom(owner, pkgType, g) }, yield)
	}
}

// packageFrom is GitHub's package as a PackageInfo of owner's listing of
// type typ.
func packageFrom(owner Owner, typ PackageType, g *gen.Package) PackageInfo {
	p := PackageInfo{
		Package:      Package{Owner: owner, Type: typ, Name: g.Name},
		ID:           int64(g.ID),
		Visibility:   string(g.Visibility),
		VersionCount: g.VersionCount,
		URL:          g.URL,
		HTMLURL:      g.HTMLURL,
		CreatedAt:    g.CreatedAt,
		UpdatedAt:    g.UpdatedAt,
	}
	if g.PackageType != "" {
		p.Package.Type = g.PackageType
	}
	if r := g.Repository; r != nil {
		p.Repository = r.FullName
	}
	return p
}
