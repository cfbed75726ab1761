// Package apitest is a fake GitHub for the packages restore API, in the style
// of net/http/httptest. It keeps organizations, packages and versions with
// soft delete and GitHub's 30-day window, tokens with scopes and rate-limit
// budgets, and answers as GitHub does (see the repository's GITHUB.md).
//
// Every request is validated against the embedded OpenAPI slice with
// kin-openapi's openapi3filter, and so is every answer the fake's model
// produces (statuses the description does not declare included). A request
// that violates the description gets GitHub's answer (422 or 404) and is
// recorded; so is an answer of the model that drifts from it. Tests call
// Violations, or build the server with New(t), which fails the test on any
// unexpected violation.
//
// Faults are scripted per route: answers (status, headers, body), dropped
// connections before or after the action, and delays.
package apitest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/spec"
)

// Routes, by GitHub's operationIds, for faults and the request log.
const (
	RouteRestoreVersion = "packages/restore-package-version-for-org"
	RouteListVersions   = "packages/get-all-package-versions-for-package-owned-by-org"
	RouteGetVersion     = "packages/get-package-version-for-organization"
	RouteRestorePackage = "packages/restore-package-for-org"
	RouteRateLimit      = "rate-limit/get"
)

// NowFunc is the clock the server reads (an *apitest.Clock, or anything
// with Now).
type NowFunc interface{ Now() time.Time }

// Option configures a Server.
type Option func(*Server)

// WithBasePath serves the API under a path prefix, as GitHub Enterprise
// Server does under /api/v3.
func WithBasePath(p string) Option {
	return func(s *Server) { s.basePath = "/" + strings.Trim(p, "/") }
}

// WithClock sets the server's clock (deletion times, the 30-day window,
// rate-limit windows). Share it with the client's api.WithClock.
func WithClock(c NowFunc) Option { return func(s *Server) { s.clock = c } }

// WithSecondaryLimit answers GitHub's secondary rate limit (403 with
// retry-after: 60) when more than n mutating requests arrive within a minute
// of the clock. 0 (the default) turns it off.
func WithSecondaryLimit(n int) Option { return func(s *Server) { s.secondaryPerMinute = n } }

// WithListener serves on l instead of a new loopback port (the standalone
// command uses it to serve on a chosen address).
func WithListener(l net.Listener) Option { return func(s *Server) { s.listener = l } }

// Request is one request as it came over the wire.
type Request struct {
	Method  string
	RawPath string // escaped, as sent: /orgs/o/packages/container/a%2Fb/versions/1/restore
	Query   string
	Header  http.Header
	Route   string // the operationId, or "" when no route matched
	Status  int    // the answer's status; 0 for a dropped connection
	At      time.Time
}

// Violation is a request or an answer that does not match the description.
type Violation struct {
	Request  string // METHOD raw-path
	Response bool   // true for an answer of the fake, false for a request
	Detail   string
}

// String reads "request|answer METHOD PATH: detail".
func (v Violation) String() string {
	side := "request"
	if v.Response {
		side = "answer"
	}
	return fmt.Sprintf("%s %s: %s", side, v.Request, v.Detail)
}

// Server is a fake GitHub. Its methods are safe for concurrent use.
type Server struct {
	// URL is the API's base URL (with the base path), for api.WithBaseURL.
	URL string

	srv                *httptest.Server
	listener           net.Listener
	basePath           string
	clock              NowFunc
	secondaryPerMinute int
	doc                *openapi3.T
	routes             map[string]*routers.Route

	mu         sync.Mutex
	orgs       map[string]*orgState
	tokens     map[string]*tokenState
	nextID     int64
	requests   []Request
	violations []Violation
	faults     map[string][]Fault
	writes     []time.Time
	reqSeq     int
}

// NewServer starts a fake GitHub on a loopback port. Close it when done.
// Like httptest.NewServer it panics if it cannot start (the embedded
// description failing to load counts: the spec package's tests rule it out).
func NewServer(opts ...Option) *Server {
	s := &Server{
		clock:  api.SystemClock{},
		orgs:   map[string]*orgState{},
		tokens: map[string]*tokenState{},
		faults: map[string][]Fault{},
		routes: map[string]*routers.Route{},
	}
	for _, o := range opts {
		o(s)
	}
	doc, err := spec.Load(context.Background())
	if err != nil {
		// The slice is embedded and tested: this cannot happen in a build
		// that passed its own tests.
		panic("apitest: " + err.Error())
	}
	s.doc = doc
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			s.routes[op.OperationID] = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
		}
	}
	s.srv = httptest.NewUnstartedServer(s.handler())
	if s.listener != nil {
		s.srv.Listener.Close()
		s.srv.Listener = s.listener
	}
	s.srv.Start()
	s.URL = s.srv.URL + s.basePath
	if s.basePath == "/" {
		s.URL = s.srv.URL
	}
	return s
}

// New starts a fake GitHub for a test: it is closed when the test ends, and
// the test fails if any request or answer violated the description (unless
// TakeViolations consumed them).
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(func() {
		s.Close()
		for _, v := range s.Violations() {
			t.Errorf("apitest: spec violation: %s", v)
		}
	})
	return s
}

// Client returns an *http.Client for the server (plain, with no SDK layers).
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Close shuts the server down.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Requests returns the request log, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ResetRequests clears the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Violations returns the violations recorded so far.
func (s *Server) Violations() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Violation(nil), s.violations...)
}

// TakeViolations returns the violations recorded so far and forgets them,
// for tests that send bad requests on purpose.
func (s *Server) TakeViolations() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.violations
	s.violations = nil
	return v
}

func (s *Server) violation(r *http.Request, response bool, detail string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, Violation{Request: r.Method + " " + r.URL.EscapedPath(), Response: response, Detail: detail})
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

const docsPackages = "https://docs.github.com/rest/packages/packages"

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	pkg := "/orgs/{org}/packages/{package_type}/{package_name}"
	handle := func(method, pattern, route string, fn func(*call) reply) {
		mux.HandleFunc(method+" "+s.prefix()+pattern, func(w http.ResponseWriter, r *http.Request) {
			s.serve(w, r, route, fn)
		})
	}
	handle("POST", pkg+"/versions/{package_version_id}/restore", RouteRestoreVersion, s.restoreVersion)
	handle("GET", pkg+"/versions", RouteListVersions, s.listVersions)
	handle("GET", pkg+"/versions/{package_version_id}", RouteGetVersion, s.getVersion)
	handle("POST", pkg+"/restore", RouteRestorePackage, s.restorePackage)
	handle("GET", "/rate_limit", RouteRateLimit, s.rateLimit)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.violation(r, false, "no operation of the description matches this method and path")
		s.log(r, "", http.StatusNotFound)
		s.write(w, s.withStdHeaders(errReply(http.StatusNotFound, "Not Found", "https://docs.github.com/rest"), nil, ""))
	})
	return mux
}

func (s *Server) prefix() string {
	if s.basePath == "/" {
		return ""
	}
	return s.basePath
}

func (s *Server) log(r *http.Request, route string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{
		Method: r.Method, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		Header: r.Header.Clone(), Route: route, Status: status, At: s.clock.Now(),
	})
}

// call is one request being answered.
type call struct {
	r      *http.Request
	route  string
	token  *tokenState
	org    *orgState
	params map[string]string
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, route string, fn func(*call) reply) {
	rt := s.routes[route]
	c := &call{r: r, route: route, params: map[string]string{}}
	for _, p := range []string{"org", "package_type", "package_name", "package_version_id"} {
		if v := r.PathValue(p); v != "" {
			c.params[p] = v
		}
	}
	input := &openapi3filter.RequestValidationInput{
		Request: r, PathParams: c.params, Route: rt,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}

	// A scripted fault answers first, in place of GitHub.
	if f, ok := s.nextFault(route); ok {
		s.applyFault(w, c, f, fn)
		return
	}

	var rep reply
	if err := openapi3filter.ValidateRequest(r.Context(), input); err != nil {
		s.violation(r, false, err.Error())
		rep = invalidRequest(err)
	} else {
		rep = s.answer(c, fn)
	}
	rep = s.withStdHeaders(rep, c.token, route)
	s.validateReply(r, input, rep)
	s.log(r, route, rep.status)
	s.write(w, rep)
}

// invalidRequest answers a request the description does not allow, as
// GitHub does: 422 for a bad enum, 404 for a path it cannot route.
func invalidRequest(err error) reply {
	msg := err.Error()
	switch {
	case strings.Contains(msg, `"package_type"`):
		return errReply(http.StatusUnprocessableEntity, "The package_type parameter is invalid.", docsPackages)
	case strings.Contains(msg, `"package_version_id"`):
		return errReply(http.StatusNotFound, "Not Found", docsPackages)
	}
	return errReply(http.StatusUnprocessableEntity, "Invalid request.\n\n"+msg, docsPackages)
}

// answer checks GitHub's required headers, the token, the rate limits and
// the org, then runs the route's model.
func (s *Server) answer(c *call, fn func(*call) reply) reply {
	r := c.r
	if r.Header.Get("User-Agent") == "" {
		return errReply(http.StatusForbidden, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.", "")
	}
	if v := r.Header.Get("X-Github-Api-Version"); v != "" && v != "2022-11-28" && v != "2026-03-10" {
		return errReply(http.StatusBadRequest, fmt.Sprintf(`The version you specified in the "X-GitHub-API-Version" request header, %q, is not a supported version. The following versions are currently supported: "2022-11-28", "2026-03-10".`, v), "https://docs.github.com/rest/overview/api-versions")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := bearer(r.Header.Get("Authorization"))
	t := s.tokens[tok]
	if t == nil {
		if tok == "" {
			return errReply(http.StatusUnauthorized, "Requires authentication", "https://docs.github.com/rest")
		}
		return errReply(http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
	}
	c.token = t
	now := s.clock.Now()
	if now.Sub(t.windowStart) >= time.Hour {
		t.windowStart, t.used = now, 0
	}
	if c.route != RouteRateLimit {
		if t.used >= t.Budget {
			return errReply(http.StatusForbidden, "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID "+s.requestID()+".", "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit")
		}
		t.used++
	}
	if r.Method != http.MethodGet && s.secondaryPerMinute > 0 {
		recent := s.writes[:0]
		for _, at := range s.writes {
			if now.Sub(at) < time.Minute {
				recent = append(recent, at)
			}
		}
		s.writes = recent
		if len(recent) >= s.secondaryPerMinute {
			rep := errReply(http.StatusForbidden, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID "+s.requestID()+".", "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
			rep.header.Set("Retry-After", "60")
			return rep
		}
		s.writes = append(s.writes, now)
	}
	// GitHub Packages' REST routes refuse fine-grained and App tokens;
	// /rate_limit answers any valid token.
	if t.Kind == FineGrained && c.route != RouteRateLimit {
		return errReply(http.StatusForbidden, "Resource not accessible by personal access token", docsPackages)
	}
	if t.Kind == App && c.route != RouteRateLimit {
		return errReply(http.StatusForbidden, "Resource not accessible by integration", docsPackages)
	}
	if name, ok := c.params["org"]; ok {
		o := s.orgs[strings.ToLower(name)]
		if o == nil || !t.administers(name) {
			return errReply(http.StatusNotFound, "Not Found", docsPackages)
		}
		c.org = o
	}
	if need := scopesFor(c.route); !t.hasScopes(need) {
		return errReply(http.StatusForbidden, scopeMessage(c.route), docsPackages)
	}
	return fn(c)
}

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

func (t *tokenState) hasScopes(need []string) bool {
	for _, n := range need {
		found := false
		for _, s := range t.Scopes {
			if s == n {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func scopesFor(route string) []string {
	switch route {
	case RouteRestoreVersion, RouteRestorePackage:
		return []string{"read:packages", "write:packages"}
	case RouteListVersions, RouteGetVersion:
		return []string{"read:packages"}
	}
	return nil
}

func scopeMessage(route string) string {
	switch route {
	case RouteRestoreVersion:
		return "You need at least write:packages and read:packages scopes to restore a package version."
	case RouteRestorePackage:
		return "You need at least write:packages and read:packages scopes to restore a package."
	}
	return "You need at least read:packages scope to list packages."
}

// requestID returns a new X-GitHub-Request-Id; s.mu must be held.
func (s *Server) requestID() string {
	s.reqSeq++
	return fmt.Sprintf("C0DE:%04X:%06X:%06X:%08X", s.reqSeq&0xffff, s.reqSeq*7919&0xffffff, s.reqSeq*104729&0xffffff, s.reqSeq)
}

// withStdHeaders adds the headers GitHub sends with every answer.
func (s *Server) withStdHeaders(rep reply, t *tokenState, route string) reply {
	if rep.header == nil {
		rep.header = http.Header{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rep.header.Set("X-Github-Request-Id", s.requestID())
	rep.header.Set("X-Github-Api-Version-Selected", "2022-11-28")
	if t != nil {
		reset := t.windowStart.Add(time.Hour).Unix()
		rep.header.Set("X-Ratelimit-Limit", fmt.Sprint(t.Budget))
		rep.header.Set("X-Ratelimit-Remaining", fmt.Sprint(max(t.Budget-t.used, 0)))
		rep.header.Set("X-Ratelimit-Used", fmt.Sprint(t.used))
		rep.header.Set("X-Ratelimit-Reset", fmt.Sprint(reset))
		rep.header.Set("X-Ratelimit-Resource", "core")
		if t.Kind == Classic || t.Kind == OAuth {
			rep.header.Set("X-Oauth-Scopes", strings.Join(t.Scopes, ", "))
			rep.header.Set("X-Accepted-Oauth-Scopes", strings.Join(scopesFor(route), ", "))
		}
	}
	return rep
}

// undeclaredOK are the statuses GitHub really answers on these routes
// although the description does not declare them (GITHUB.md): their bodies
// must still be GitHub's basic-error.
var undeclaredOK = map[int]bool{400: true, 401: true, 403: true, 404: true, 410: true, 422: true, 429: true}

// validateReply checks one of the model's answers against the description.
func (s *Server) validateReply(r *http.Request, in *openapi3filter.RequestValidationInput, rep reply) {
	if in.Route == nil {
		return
	}
	resps := in.Route.Operation.Responses
	if resps.Value(fmt.Sprint(rep.status)) == nil && resps.Default() == nil {
		if !undeclaredOK[rep.status] {
			s.violation(r, true, fmt.Sprintf("status %d is neither declared nor a known GitHub answer", rep.status))
			return
		}
		var e map[string]any
		if err := json.Unmarshal(rep.body, &e); err != nil {
			s.violation(r, true, fmt.Sprintf("undeclared status %d without a JSON error body", rep.status))
			return
		}
		if err := s.doc.Components.Schemas["basic-error"].Value.VisitJSON(e); err != nil {
			s.violation(r, true, fmt.Sprintf("status %d body is not a basic-error: %v", rep.status, err))
		}
		return
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 rep.status,
		Header:                 rep.header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	out.SetBodyBytes(rep.body)
	if err := openapi3filter.ValidateResponse(r.Context(), out); err != nil {
		s.violation(r, true, err.Error())
	}
}

func (s *Server) write(w http.ResponseWriter, rep reply) {
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rep.status)
	if len(rep.body) > 0 && rep.status != http.StatusNoContent {
		_, _ = w.Write(rep.body)
	}
}

// linkHeader builds GitHub's Link header for page of last.
func linkHeader(r *http.Request, page, last, perPage int, state string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host + r.URL.EscapedPath()
	link := func(p int, rel string) string {
		return fmt.Sprintf(`<%s?page=%d&per_page=%d&state=%s>; rel="%s"`, base, p, perPage, state, rel)
	}
	var parts []string
	if page < last {
		parts = append(parts, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		parts = append(parts, link(1, "first"), link(page-1, "prev"))
	}
	return strings.Join(parts, ", ")
}
