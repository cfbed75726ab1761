package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ghpackages/restore/gen"
)

// GitHub's operationIds, used in errors.
const (
	OpRestoreVersion = "packages/restore-package-version-for-org"
	OpListVersions   = "packages/get-all-package-versions-for-package-owned-by-org"
	OpGetVersion     = "packages/get-package-version-for-organization"
	OpRestorePackage = "packages/restore-package-for-org"
	OpRateLimit      = "rate-limit/get"
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
	return c.restore(ctx, OpRestoreVersion, c.versionURL(pkg, id, true), pkg.Type, func() bool {
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
	return c.restore(ctx, OpRestorePackage, c.packageRestoreURL(pkg), pkg.Type, func() bool {
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
func (c *Client) restore(ctx context.Context, op, u string, typ PackageType, active func() bool) (Outcome, error) {
	cctx, st := newCall(ctx)
	resp, err := c.send(cctx, http.MethodPost, u)
	if err != nil {
		return "", c.sendError(op, err)
	}
	if resp.StatusCode/100 == 2 {
		drainClose(resp.Body)
		return OutcomeRestored, nil
	}
	apiErr := c.errorFrom(op, resp, st, typ)
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
		return Version{}, c.sendError(OpGetVersion, err)
	}
	if resp.StatusCode != http.StatusOK {
		return Version{}, c.errorFrom(OpGetVersion, resp, st, pkg.Type)
	}
	var g gen.PackageVersion
	if err := c.decode(OpGetVersion, resp, &g); err != nil {
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
		cctx, st := newCall(ctx)
		resp, err := c.send(cctx, http.MethodGet, c.versionsURL(pkg, o.State, o.PerPage))
		for {
			if err != nil {
				yield(Version{}, c.sendError(OpListVersions, err))
				return
			}
			if resp.StatusCode != http.StatusOK {
				yield(Version{}, c.errorFrom(OpListVersions, resp, st, pkg.Type))
				return
			}
			next, nerr := c.nextPage(resp.Header)
			var page []gen.PackageVersion
			if err := c.decode(OpListVersions, resp, &page); err != nil {
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
func (c *Client) nextPage(h http.Header) (*url.URL, error) {
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
				return nil, fmt.Errorf("restore: %s: bad Link header: %w", OpListVersions, err)
			}
			if !sameOrigin(c.base, u) {
				return nil, fmt.Errorf("restore: %s: the next page (%s://%s) is outside the API base URL; not followed", OpListVersions, u.Scheme, u.Host)
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

// restoreScopes are what restoring needs of a classic token.
var restoreScopes = []string{"read:packages", "write:packages"}

// Preflight checks the token without spending rate limit: GET /rate_limit
// reports the token's scopes (X-OAuth-Scopes, for classic tokens) and budget.
//
// GET /rate_limit
// (https://docs.github.com/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user)
func (c *Client) Preflight(ctx context.Context) (PreflightReport, error) {
	cctx, st := newCall(ctx)
	resp, err := c.send(cctx, http.MethodGet, c.rateLimitURL())
	if err != nil {
		return PreflightReport{}, c.sendError(OpRateLimit, err)
	}
	if resp.StatusCode != http.StatusOK {
		return PreflightReport{}, c.errorFrom(OpRateLimit, resp, st, "")
	}
	r := PreflightReport{TokenKind: st.tokenKind}
	r.Scopes, r.ScopesKnown = splitScopes(resp.Header, "X-Oauth-Scopes")
	var overview gen.RateLimitOverview
	if err := c.decode(OpRateLimit, resp, &overview); err != nil {
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

// decode reads a JSON success body, bounded by the client's limit.
func (c *Client) decode(op string, resp *http.Response, v any) error {
	defer drainClose(resp.Body)
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return fmt.Errorf("restore: %s: reading the answer: %w", op, err)
	}
	if int64(len(b)) > c.maxBody {
		return fmt.Errorf("restore: %s: the answer is larger than %d bytes", op, c.maxBody)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("restore: %s: decoding the answer (request %s): %w", op, resp.Header.Get("X-Github-Request-Id"), err)
	}
	return nil
}

// sendError reports a call that got no answer: a local rate-limit refusal is
// returned as it is; anything else is wrapped with the operation.
func (c *Client) sendError(op string, err error) error {
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return rl
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its text repeats the URL; the op names the call
	}
	return fmt.Errorf("restore: %s: %w", op, err)
}

// errorFrom turns a non-2xx answer into *Error or *RateLimitError. The body is
// read up to 1 MiB, whatever it holds; the status is always kept.
func (c *Client) errorFrom(op string, resp *http.Response, st *callState, typ PackageType) error {
	defer drainClose(resp.Body)
	g := parseGitHubError(peekBody(resp))
	e := &Error{
		Op:               op,
		StatusCode:       resp.StatusCode,
		Message:          g.Message,
		DocumentationURL: g.DocumentationURL,
		RequestID:        resp.Header.Get("X-Github-Request-Id"),
		TokenKind:        st.tokenKind,
	}
	if req := resp.Request; req != nil {
		e.Method, e.Path = req.Method, req.URL.EscapedPath()
	}
	e.Scopes, _ = splitScopes(resp.Header, "X-Oauth-Scopes")
	e.AcceptedScopes, _ = splitScopes(resp.Header, "X-Accepted-Oauth-Scopes")
	if !isTransientRestore(resp.StatusCode, g) {
		if rl := rateLimitFrom(resp, g, c.clock.Now()); rl != nil {
			e.rateLimited = true
			rl.Response = e
			return rl
		}
	}
	e.Hint = hint(op, e, typ)
	return e
}

func splitScopes(h http.Header, key string) ([]string, bool) {
	vals, ok := h[key]
	if !ok {
		return nil, false
	}
	scopes := []string{}
	for _, v := range vals {
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				scopes = append(scopes, s)
			}
		}
	}
	return scopes, true
}

func missingScopes(need, have []string) []string {
	var missing []string
	for _, n := range need {
		if !slices.Contains(have, n) {
			missing = append(missing, n)
		}
	}
	return missing
}

func tokenKindProblem(k TokenKind) string {
	switch k {
	case TokenNone:
		return "no token is configured: set GH_TOKEN or GITHUB_TOKEN, or use WithToken"
	case TokenFineGrained:
		return "GitHub Packages' REST API does not accept fine-grained personal access tokens (github_pat_): use a classic personal access token (ghp_) or an OAuth token with read:packages and write:packages"
	case TokenApp:
		return "GitHub Packages' REST API does not accept GitHub App installation tokens (ghs_), except GitHub Actions' GITHUB_TOKEN with packages: write: use a classic personal access token (ghp_) or an OAuth token with read:packages and write:packages"
	}
	return ""
}

// hint explains a 401, 403 or 404 from the token's kind and scopes.
func hint(op string, e *Error, typ PackageType) string {
	if e.StatusCode != 401 && e.StatusCode != 403 && e.StatusCode != 404 {
		return ""
	}
	if p := tokenKindProblem(e.TokenKind); p != "" && e.TokenKind != TokenNone {
		return p
	}
	if e.StatusCode == 401 {
		if e.TokenKind == TokenNone {
			return "no token was sent: set GH_TOKEN or GITHUB_TOKEN, or use WithToken"
		}
		return "GitHub rejected the token: it is wrong, expired or revoked"
	}
	need := []string{"read:packages"}
	if op == OpRestoreVersion || op == OpRestorePackage {
		need = restoreScopes
	}
	if typ == PackageTypeMaven {
		need = append(slices.Clone(need), "repo") // repository-scoped registry
	}
	if e.Scopes != nil {
		if missing := missingScopes(need, e.Scopes); len(missing) > 0 {
			h := "the token lacks the " + strings.Join(missing, " and ") + " scope(s); it has: " + strings.Join(e.Scopes, ", ")
			if len(e.Scopes) == 0 {
				h = "the token lacks the " + strings.Join(missing, " and ") + " scope(s); it has none"
			}
			return h
		}
	}
	if e.StatusCode == 403 {
		return "the token's user must be an admin of the organization, and of the package for container, npm, NuGet and RubyGems packages"
	}
	if e.TokenKind == TokenNone {
		return "no token was sent; GitHub answers 404 for what an anonymous caller cannot see"
	}
	return "check the organization, package type, name and version id; GitHub also answers 404 when the token's user cannot see the package"
}
