package api

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ghpackages/restore/gen"
)

// GetVersion returns one active version of a package.
//
// GET /orgs/{org}/packages/{package_type}/{package_name}/versions/{package_version_id}
// (https://docs.github.com/rest/packages/packages#get-a-package-version-for-an-organization),
// GET /users/{username}/packages/... (https://docs.github.com/rest/packages/packages#get-a-package-version-for-a-user)
// or GET /user/packages/... (https://docs.github.com/rest/packages/packages#get-a-package-version-for-the-authenticated-user),
// as pkg.Owner says.
//
// GitHub answers 404 for a deleted version, as for one that never existed:
// the error matches ErrNotFound. Only the state=deleted listing (Versions
// with StateDeleted) shows deleted versions.
func (c *Client) GetVersion(ctx context.Context, pkg Package, id int64) (Version, error) {
	if err := pkg.Validate(); err != nil {
		return Version{}, err
	}
	if err := validateVersionID(id); err != nil {
		return Version{}, err
	}
	return c.getVersion(ctx, pkg, id)
}

// getVersion is GetVersion on validated arguments.
func (c *Client) getVersion(ctx context.Context, pkg Package, id int64) (Version, error) {
	kind := pkg.Owner.kind
	cctx, st := newCall(ctx)
	resp, err := c.send(cctx, http.MethodGet, c.versionURL(pkg, id, false))
	if err != nil {
		return Version{}, c.sendError(OpGetVersion.ID(kind), err)
	}
	if resp.StatusCode != http.StatusOK {
		return Version{}, c.errorFrom(OpGetVersion, kind, resp, st, pkg.Type)
	}
	var g gen.PackageVersion
	if err := c.decode(OpGetVersion.ID(kind), resp, &g); err != nil {
		return Version{}, err
	}
	return versionFrom(&g), nil
}

// versionActive reports whether a version is active: GET answers 200 for an
// active version and 404 for a deleted or unknown one. A 200 that carries
// deleted_at is taken as not active. Any other failure is returned: then it
// is not known.
func (c *Client) versionActive(ctx context.Context, pkg Package, id int64) (bool, error) {
	v, err := c.getVersion(ctx, pkg, id)
	switch {
	case err == nil:
		return !v.Deleted(), nil
	case isStatus(err, http.StatusNotFound):
		return false, nil
	}
	return false, err
}

// isStatus reports whether err is GitHub's answer with the status (not a
// rate limit, which carries an answer too).
func isStatus(err error, status int) bool {
	var e *Error
	var rl *RateLimitError
	return errors.As(err, &e) && e.StatusCode == status && !errors.As(err, &rl)
}

// ListOptions selects versions to list.
type ListOptions struct {
	// State is StateActive (GitHub's default) or StateDeleted.
	State State
	// PerPage is the page size, 1 to 100; 0 means 100, the fewest requests.
	PerPage int
}

// validate fills in the defaults and checks the options.
func (o *ListOptions) validate() error {
	if o.State == "" {
		o.State = StateActive
	}
	if !o.State.Valid() {
		return &ValidationError{Field: "state", Value: string(o.State), Reason: "must be active or deleted"}
	}
	return validatePerPage(&o.PerPage)
}

func validatePerPage(n *int) error {
	if *n == 0 {
		*n = 100
	}
	if *n < 1 || *n > 100 {
		return &ValidationError{Field: "per_page", Value: strconv.Itoa(*n), Reason: "must be between 1 and 100"}
	}
	return nil
}

// Versions lists a package's versions, following GitHub's Link headers
// across all pages; after a full page without any Link header it asks for
// the next page by number, as Packages does (and stops at GitHub's cap
// with a *ListingCapError). It streams: one page is held at a time, and no further
// page is fetched once the loop stops. An error ends the sequence; it is
// yielded with a zero Version.
//
// GET /orgs/{org}/packages/{package_type}/{package_name}/versions
// (https://docs.github.com/rest/packages/packages#list-package-versions-for-a-package-owned-by-an-organization),
// GET /users/{username}/packages/.../versions (https://docs.github.com/rest/packages/packages#list-package-versions-for-a-package-owned-by-a-user)
// or GET /user/packages/.../versions (https://docs.github.com/rest/packages/packages#list-package-versions-for-a-package-owned-by-the-authenticated-user),
// as pkg.Owner says.
//
// Pages stay within the listing: a next link that names another owner,
// package or state, or leaves the API, ends the sequence with an error, as
// does a page fetched before. Links in GitHub's numeric-id form
// (/organizations/{id}/..., /user/{id}/...) are followed, and the state and
// per_page of the first request are kept on every page. A version id is
// yielded once, even if pages shift while they are read.
//
// Listing needs read:packages; listing deleted versions needs
// delete:packages as well.
func (c *Client) Versions(ctx context.Context, pkg Package, opts *ListOptions) iter.Seq2[Version, error] {
	return func(yield func(Version, error) bool) {
		var o ListOptions
		if opts != nil {
			o = *opts
		}
		if err := pkg.Validate(); err != nil {
			yield(Version{}, err)
			return
		}
		if err := o.validate(); err != nil {
			yield(Version{}, err)
			return
		}
		kind := pkg.Owner.kind
		pages := newPager(c.base, OpListVersions.ID(kind), pkg.Owner, "/packages/"+string(pkg.Type)+"/"+pkg.Name+"/versions",
			url.Values{"state": {string(o.State)}, "per_page": {strconv.Itoa(o.PerPage)}})
		readPages(ctx, c, OpListVersions, kind, pkg.Type, c.versionsURL(pkg, o.State, o.PerPage), pages,
			func(g *gen.PackageVersion) int64 { return int64(g.ID) }, versionFrom, yield)
	}
}
