package api

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ghpackages/restore/gen"
)

// Outcome is what a restore achieved.
type Outcome string

// Outcomes of a restore.
const (
	// OutcomeRestored: GitHub restored it in this call.
	OutcomeRestored Outcome = "restored"
	// OutcomeAlreadyActive: it was active already (restored earlier, or never
	// deleted); nothing changed.
	OutcomeAlreadyActive Outcome = "already_active"
	// OutcomeFailed: the restore failed; the error says why. Only plans use it.
	OutcomeFailed Outcome = "failed"
)

// RestoreVersion restores a deleted version of an organization's package.
//
// POST /orgs/{org}/packages/{package_type}/{package_name}/versions/{package_version_id}/restore
// (https://docs.github.com/rest/packages/packages#restore-package-version-for-an-organization)
//
// The call is idempotent for the caller: when GitHub answers 400 or 404, the
// version is looked up, and if it is active the outcome is
// OutcomeAlreadyActive, or OutcomeRestored when an earlier attempt of this
// call may have restored it (a dropped connection or a 5xx). A version whose
// name is taken by a newer active version gives an error matching
// ErrNamespaceReused. The token needs read:packages and write:packages, and
// its user must be an admin of the organization (and of the package, for
// registries with granular permissions).
func (c *Client) RestoreVersion(ctx context.Context, pkg Package, id int64) (Outcome, error) {
	if err := pkg.Validate(); err != nil {
		return "", err
	}
	if err := validateVersionID(id); err != nil {
		return "", err
	}
	return c.restore(ctx, OpRestoreVersion, c.versionURL(pkg, id, true), pkg, func() bool {
		v, err := c.GetVersion(ctx, pkg, id)
		return err == nil && !v.Deleted()
	})
}

// RestorePackage restores an organization's package that was deleted as a
// whole (deleting the last version of a package deletes the package).
//
// POST /orgs/{org}/packages/{package_type}/{package_name}/restore
// (https://docs.github.com/rest/packages/packages#restore-a-package-for-an-organization)
//
// Like RestoreVersion it is idempotent for the caller: a 400 or 404 answer
// for a package that lists active versions gives OutcomeAlreadyActive (or
// OutcomeRestored after an attempt with an unknown outcome).
func (c *Client) RestorePackage(ctx context.Context, pkg Package) (Outcome, error) {
	if err := pkg.Validate(); err != nil {
		return "", err
	}
	return c.restore(ctx, OpRestorePackage, c.packageRestoreURL(pkg), pkg, func() bool {
		for _, err := range c.Versions(ctx, pkg, &ListOptions{State: StateActive, PerPage: 1}) {
			return err == nil
		}
		return false
	})
}

// restore sends one restore and makes it idempotent for the caller: when
// GitHub answers 400 or 404, active reports whether the target is active
// now; if so the restore took effect, in this call (an attempt whose
// outcome was unknown) or before it.
func (c *Client) restore(ctx context.Context, op Operation, u string, pkg Package, active func() bool) (Outcome, error) {
	cctx, st := newCall(ctx)
	resp, err := c.send(cctx, http.MethodPost, u)
	if err != nil {
		return "", c.sendError(op.ID(pkg.Owner.kind), err)
	}
	if resp.StatusCode/100 == 2 {
		drainClose(resp.Body)
		return OutcomeRestored, nil
	}
	apiErr := c.errorFrom(op, pkg.Owner.kind, resp, st, pkg.Type)
	if (resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusNotFound) && active() {
		if st.uncertain {
			return OutcomeRestored, nil
		}
		return OutcomeAlreadyActive, nil
	}
	return "", apiErr
}

// GetVersion returns one version of an organization's package, active or
// deleted.
//
// GET /orgs/{org}/packages/{package_type}/{package_name}/versions/{package_version_id}
// (https://docs.github.com/rest/packages/packages#get-a-package-version-for-an-organization)
func (c *Client) GetVersion(ctx context.Context, pkg Package, id int64) (Version, error) {
	if err := pkg.Validate(); err != nil {
		return Version{}, err
	}
	if err := validateVersionID(id); err != nil {
		return Version{}, err
	}
	cctx, st := newCall(ctx)
	resp, err := c.send(cctx, http.MethodGet, c.versionURL(pkg, id, false))
	if err != nil {
		return Version{}, c.sendError(OpGetVersion.ID(pkg.Owner.kind), err)
	}
	if resp.StatusCode != http.StatusOK {
		return Version{}, c.errorFrom(OpGetVersion, pkg.Owner.kind, resp, st, pkg.Type)
	}
	var g gen.PackageVersion
	if err := c.decode(OpGetVersion.ID(pkg.Owner.kind), resp, &g); err != nil {
		return Version{}, err
	}
	return versionFrom(&g), nil
}

// ListOptions selects versions to list.
type ListOptions struct {
	// State is StateActive (GitHub's default) or StateDeleted.
	State State
	// PerPage is the page size, 1 to 100; 0 means 100, the fewest requests.
	PerPage int
}

// Versions lists an organization package's versions, following GitHub's
// Link headers across all pages. It streams: one page is held at a time, and
// no further page is fetched once the loop stops. An error ends the
// sequence; it is yielded with a zero Version.
//
// GET /orgs/{org}/packages/{package_type}/{package_name}/versions
// (https://docs.github.com/rest/packages/packages#list-package-versions-for-a-package-owned-by-an-organization)
//
// Listing needs read:packages; listing deleted versions may need
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
		if o.State == "" {
			o.State = StateActive
		}
		if !o.State.Valid() {
			yield(Version{}, &ValidationError{Field: "state", Value: string(o.State), Reason: "must be active or deleted"})
			return
		}
		if o.PerPage == 0 {
			o.PerPage = 100
		}
		if o.PerPage < 1 || o.PerPage > 100 {
			yield(Version{}, &ValidationError{Field: "per_page", Value: fmt.Sprint(o.PerPage), Reason: "must be between 1 and 100"})
			return
		}
		op := OpListVersions.ID(pkg.Owner.kind)
		cctx, st := newCall(ctx)
		resp, err := c.send(cctx, http.MethodGet, c.versionsURL(pkg, o.State, o.PerPage))
		for {
			if err != nil {
				yield(Version{}, c.sendError(op, err))
				return
			}
			if resp.StatusCode != http.StatusOK {
				yield(Version{}, c.errorFrom(OpListVersions, pkg.Owner.kind, resp, st, pkg.Type))
				return
			}
			next, nerr := c.nextPage(op, resp.Header)
			var page []gen.PackageVersion
			if err := c.decode(op, resp, &page); err != nil {
				yield(Version{}, err)
				return
			}
			for i := range page {
				if !yield(versionFrom(&page[i]), nil) {
					return
				}
			}
			if nerr != nil {
				yield(Version{}, nerr)
				return
			}
			if next == nil {
				return
			}
			resp, err = c.send(cctx, http.MethodGet, next.String())
		}
	}
}

// nextPage returns the rel="next" URL of a Link header, refusing one that
// leaves the API's origin.
func (c *Client) nextPage(op string, h http.Header) (*url.URL, error) {
	for _, v := range h.Values("Link") {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			end := strings.IndexByte(part, '>')
			if !strings.HasPrefix(part, "<") || end < 0 {
				continue
			}
			isNext := false
			for param := range strings.SplitSeq(part[end+1:], ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(param), "=")
				if strings.EqualFold(k, "rel") && slices.Contains(strings.Fields(strings.Trim(val, `"`)), "next") {
					isNext = true
				}
			}
			if !isNext {
				continue
			}
			u, err := c.base.Parse(part[1:end])
			if err != nil {
				return nil, fmt.Errorf("restore: %s: bad Link header: %w", op, err)
			}
			if !sameOrigin(c.base, u) {
				return nil, fmt.Errorf("restore: %s: the next page (%s://%s) is outside the API base URL; not followed", op, u.Scheme, u.Host)
			}
			return u, nil
		}
	}
	return nil, nil
}

// RateLimitStatus is one resource's budget.
type RateLimitStatus struct {
	Limit     int       `json:"limit"`
	Remaining int       `json:"remaining"`
	Used      int       `json:"used"`
	Reset     time.Time `json:"reset"`
}

// PreflightReport says whether the token can use this API.
type PreflightReport struct {
	TokenKind TokenKind `json:"token_kind"`
	// Scopes are the token's OAuth scopes; ScopesKnown is false when GitHub
	// sent no X-OAuth-Scopes (tokens that are not classic).
	Scopes      []string `json:"scopes"`
	ScopesKnown bool     `json:"scopes_known"`
	// Missing are the scopes restoring needs that the token lacks.
	Missing []string `json:"missing,omitempty"`
	// Core is the primary rate limit of REST calls.
	Core RateLimitStatus `json:"core"`
	// Problems are what stands in the way, in words; empty when none is known.
	Problems []string `json:"problems,omitempty"`
}

// OK reports whether no problem is known. Organization and package admin
// rights cannot be checked in advance.
func (r PreflightReport) OK() bool { return len(r.Problems) == 0 }

// Preflight checks the token without spending rate limit: GET /rate_limit
// reports the token's scopes (X-OAuth-Scopes, for classic tokens) and budget.
//
// GET /rate_limit
// (https://docs.github.com/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user)
func (c *Client) Preflight(ctx context.Context) (PreflightReport, error) {
	cctx, st := newCall(ctx)
	resp, err := c.send(cctx, http.MethodGet, c.rateLimitURL())
	if err != nil {
		return PreflightReport{}, c.sendError(OpRateLimit.ID(""), err)
	}
	if resp.StatusCode != http.StatusOK {
		return PreflightReport{}, c.errorFrom(OpRateLimit, "", resp, st, "")
	}
	r := PreflightReport{TokenKind: st.tokenKind}
	r.Scopes, r.ScopesKnown = splitScopes(resp.Header, "X-Oauth-Scopes")
	var overview gen.RateLimitOverview
	if err := c.decode(OpRateLimit.ID(""), resp, &overview); err != nil {
		return PreflightReport{}, err
	}
	core := overview.Resources.Core
	r.Core = RateLimitStatus{Limit: core.Limit, Remaining: core.Remaining, Used: core.Used, Reset: time.Unix(int64(core.Reset), 0).UTC()}
	if p := tokenKindProblem(r.TokenKind); p != "" {
		r.Problems = append(r.Problems, p)
	}
	if r.ScopesKnown {
		r.Missing = missingScopes(restoreScopes, r.Scopes)
		if len(r.Missing) > 0 {
			r.Problems = append(r.Problems, "the token lacks the "+strings.Join(r.Missing, " and ")+" scope(s) that restoring needs")
		}
	}
	if r.Core.Remaining == 0 && r.Core.Limit > 0 {
		r.Problems = append(r.Problems, "the primary rate limit is exhausted until "+r.Core.Reset.Format(time.RFC3339))
	}
	return r, nil
}
