package apitest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/ghpackages/restore/api"
)

// call is one request being answered.
type call struct {
	r          *http.Request
	at         time.Time // arrival, by the server's clock
	op         api.Operation
	kind       api.OwnerKind // "" for /rate_limit
	route      string        // operationId
	token      *tokenState
	acct       *accountState // the owner, once resolved
	params     map[string]string
	apiVersion string // the selected API version
	input      *openapi3filter.RequestValidationInput
}

// reply is one answer before it is validated and written.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func jsonReply(status int, v any) reply {
	b, _ := json.Marshal(v)
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	return reply{status: status, header: h, body: b}
}

func errReply(status int, message, docs string) reply {
	return jsonReply(status, map[string]string{"message": message, "documentation_url": docs, "status": fmt.Sprint(status)})
}

const (
	docsPackages   = "https://docs.github.com/rest/packages/packages"
	docsRateLimits = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
	apiV2022       = "2022-11-28"
	apiV2026       = "2026-03-10"
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request, op api.Operation, kind api.OwnerKind, fn func(*call) reply) {
	c := &call{r: r, at: arrival(r, s.clock), op: op, kind: kind, route: op.ID(kind), params: map[string]string{}, apiVersion: apiV2022}
	for _, p := range []string{"org", "username", "package_type", "package_name", "package_version_id"} {
		if v := r.PathValue(p); v != "" {
			c.params[p] = v
		}
	}
	c.input = &openapi3filter.RequestValidationInput{
		Request: r, PathParams: c.params, Route: s.routes[c.route],
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}

	// A scripted fault answers first, in place of GitHub.
	if f, ok := s.nextFault(op); ok {
		s.applyFault(w, c, f, fn)
		return
	}
	rep := s.withStdHeaders(c, s.respond(c, fn))
	s.validateReply(c, rep)
	s.log(c, rep.status)
	s.write(w, rep)
}

// respond answers a request in GitHub's order: required headers,
// authentication, rate limits and the token's kind, then the request's
// validity, then the owner, then the route's model (which looks the package
// up before it checks scopes: a missing package is 404 whatever the
// token's scopes).
func (s *Server) respond(c *call, fn func(*call) reply) reply {
	r := c.r
	if r.Header.Get("User-Agent") == "" {
		return errReply(http.StatusForbidden, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.", "")
	}
	switch v := r.Header.Get("X-Github-Api-Version"); v {
	case "", apiV2022:
	case apiV2026:
		c.apiVersion = v
	default:
		return errReply(http.StatusBadRequest, fmt.Sprintf(`The version you specified in the "X-GitHub-API-Version" request header, %q, is not a supported version. The following versions are currently supported: %q, %q.`, v, apiV2026, apiV2022), "https://docs.github.com/rest/overview/api-versions")
	}
	if rep, ok := s.authenticate(c); !ok {
		return rep
	}
	if s.packagesDisabled && c.op != api.OpRateLimit {
		return errReply(http.StatusNotFound, msgPackagesDisabled, docsPackages)
	}
	if err := openapi3filter.ValidateRequest(r.Context(), c.input); err != nil {
		s.violation(r, false, err.Error())
		return invalidRequest(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rep, ok := s.resolveOwner(c); !ok {
		return rep
	}
	return fn(c)
}

// authenticate checks the token, counts the request against its rate
// limits, and refuses the token kinds GitHub Packages refuses.
func (s *Server) authenticate(c *call) (reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := c.r
	now := s.clock.Now()
	if s.lockedOut(now) {
		return errReply(http.StatusForbidden, msgLockedOut, "https://docs.github.com/rest"), false
	}
	tok := bearer(r.Header.Get("Authorization"))
	t := s.tokens[tok]
	if t == nil {
		if tok == "" {
			return errReply(http.StatusUnauthorized, "Requires authentication", "https://docs.github.com/rest"), false
		}
		s.noteBadCredentials(now)
		return errReply(http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest"), false
	}
	c.token = t
	if now.Sub(t.windowStart) >= time.Hour {
		t.windowStart, t.used = now, 0
	}
	if c.op != api.OpRateLimit {
		if t.used >= t.Budget {
			return errReply(http.StatusForbidden, "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID "+s.requestID()+".", docsRateLimits+"#about-the-primary-rate-limit"), false
		}
		t.used++
	}
	if s.secondaryLimited(c, now) {
		return s.secondaryLimitReply(), false
	}
	// GitHub Packages' REST routes refuse fine-grained and App tokens;
	// /rate_limit and the Actions route of workflow runs (actions:read)
	// answer any valid token.
	packagesRoute := c.op != api.OpRateLimit && c.op != api.OpGetWorkflowRun
	if t.Kind == api.TokenFineGrained && packagesRoute {
		return errReply(http.StatusForbidden, "Resource not accessible by personal access token", docsPackages), false
	}
	if t.Kind == api.TokenApp && packagesRoute {
		return errReply(http.StatusForbidden, "Resource not accessible by integration", docsPackages), false
	}
	return reply{}, true
}

// resolveOwner finds the route's owner: an organization the token's user
// administers, a named user, or the token's own user; s.mu is held.
func (s *Server) resolveOwner(c *call) (reply, bool) {
	notFound := errReply(http.StatusNotFound, "Not Found", docsPackages)
	switch c.kind {
	case api.OwnerOrg:
		a := s.accounts[strings.ToLower(c.params["org"])]
		if a == nil || a.kind != api.OwnerOrg || !c.token.administers(a.login) {
			return notFound, false
		}
		if rep, ok := s.ssoReply(c, a.login); ok {
			return rep, false
		}
		c.acct = a
	case api.OwnerUser:
		a := s.accounts[strings.ToLower(c.params["username"])]
		if a == nil || a.kind != api.OwnerUser {
			return notFound, false
		}
		c.acct = a
	case api.OwnerMe:
		c.acct = s.accounts[strings.ToLower(c.token.User)]
	}
	return reply{}, true
}

// self reports whether the call's owner is the token's own user.
func (c *call) self() bool {
	return c.acct.kind == api.OwnerUser && strings.EqualFold(c.acct.login, c.token.User)
}

// canSee reports whether the token sees a package: an organization's to
// its administrators, a user's to that user, and a user's public packages
// to everyone.
func (c *call) canSee(p *pkgState) bool {
	return c.acct.kind == api.OwnerOrg || c.self() || p.visibility == "public"
}

// canAdmin reports whether the token may restore the owner's packages.
func (c *call) canAdmin() bool { return c.acct.kind == api.OwnerOrg || c.self() }

// needScopes answers 403 with message unless the token has every scope.
// write:packages includes read:packages, as GitHub nests them: a classic
// token given write:packages lists it alone in X-OAuth-Scopes.
func (c *call) needScopes(message string, scopes ...string) (reply, bool) {
	for _, n := range scopes {
		implied := n == "read:packages" && slices.Contains(c.token.Scopes, "write:packages")
		if !implied && !slices.Contains(c.token.Scopes, n) {
			return errReply(http.StatusForbidden, message, docsPackages), false
		}
	}
	return reply{}, true
}

// Scope messages, as GitHub words them (README.md, behaviour table).
const (
	msgScopesRestoreVersion = "You need at least write:packages and read:packages scopes to restore a package version."
	msgScopesRestorePackage = "You need at least write:packages and read:packages scopes to restore a package."
	msgScopesRead           = "You need at least read:packages scope to list packages."
	msgScopesDeleted        = "You need at least delete:packages and read:packages scopes to get a package's deleted versions."
)

func bearer(h string) string {
	for _, p := range []string{"Bearer ", "bearer ", "token "} {
		if strings.HasPrefix(h, p) {
			return strings.TrimSpace(h[len(p):])
		}
	}
	return ""
}

func (t *tokenState) administers(org string) bool {
	if len(t.Orgs) == 0 {
		return true
	}
	for _, o := range t.Orgs {
		if strings.EqualFold(o, org) {
			return true
		}
	}
	return false
}

// acceptedScopes is X-Accepted-OAuth-Scopes: what the operation checks.
func acceptedScopes(c *call) []string {
	switch c.op {
	case api.OpRestoreVersion, api.OpRestorePackage:
		return []string{"read:packages", "write:packages"}
	case api.OpListVersions:
		if c.r.URL.Query().Get("state") == "deleted" {
			return []string{"delete:packages", "read:packages"}
		}
		return []string{"read:packages"}
	case api.OpGetVersion, api.OpListPackages:
		return []string{"read:packages"}
	}
	return nil
}

// invalidRequest answers a request the description does not allow, as
// GitHub does: 422 for a bad or missing parameter, 404 for a path it cannot
// route.
func invalidRequest(err error) reply {
	var re *openapi3filter.RequestError
	if errors.As(err, &re) && re.Parameter != nil {
		switch name := re.Parameter.Name; name {
		case "package_version_id":
			return errReply(http.StatusNotFound, "Not Found", docsPackages)
		default:
			if errors.Is(err, openapi3filter.ErrInvalidRequired) {
				return errReply(http.StatusUnprocessableEntity, "The "+name+" parameter is required.", docsPackages)
			}
			return errReply(http.StatusUnprocessableEntity, "The "+name+" parameter is invalid.", docsPackages)
		}
	}
	return errReply(http.StatusUnprocessableEntity, "Invalid request.\n\n"+err.Error(), docsPackages)
}

// requestID returns a new X-GitHub-Request-Id; s.mu must be held.
func (s *Server) requestID() string {
	s.reqSeq++
	return fmt.Sprintf("C0DE:%04X:%06X:%06X:%08X", s.reqSeq&0xffff, s.reqSeq*7919&0xffffff, s.reqSeq*104729&0xffffff, s.reqSeq)
}

// withStdHeaders adds the headers GitHub sends with every answer.
func (s *Server) withStdHeaders(c *call, rep reply) reply {
	if rep.header == nil {
		rep.header = http.Header{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rep.header.Set("X-Github-Request-Id", s.requestID())
	v := c.apiVersion
	if v == "" {
		v = apiV2022
	}
	rep.header.Set("X-Github-Api-Version-Selected", v)
	if t := c.token; t != nil {
		reset := t.windowStart.Add(time.Hour).Unix()
		rep.header.Set("X-Ratelimit-Limit", fmt.Sprint(t.Budget))
		rep.header.Set("X-Ratelimit-Remaining", fmt.Sprint(max(t.Budget-t.used, 0)))
		rep.header.Set("X-Ratelimit-Used", fmt.Sprint(t.used))
		rep.header.Set("X-Ratelimit-Reset", fmt.Sprint(reset))
		rep.header.Set("X-Ratelimit-Resource", "core")
		if t.Kind == api.TokenClassic || t.Kind == api.TokenOAuth {
			rep.header.Set("X-Oauth-Scopes", strings.Join(t.Scopes, ", "))
			rep.header.Set("X-Accepted-Oauth-Scopes", strings.Join(acceptedScopes(c), ", "))
		}
	}
	return rep
}
