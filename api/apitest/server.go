// Package apitest is a fake GitHub for the packages restore API, in the style
// of net/http/httptest. It keeps organizations and users, their packages
// and versions with soft delete and GitHub's 30-day window, tokens with
// scopes and rate-limit budgets, and answers as GitHub does. README.md in
// this directory lists each GitHub behaviour the fake models, its evidence,
// and the test that checks it.
//
// Every request is validated against the embedded OpenAPI slice with the
// project's documented corrections applied (spec.LoadOverlaid: the one gen
// and the SDK are built from), with kin-openapi's openapi3filter, and so is
// every answer the fake's model produces (statuses the description does not
// declare included). A request
// that violates the description gets GitHub's answer (422 or 404) and is
// recorded; so is an answer of the model that drifts from it. Tests build
// the server with New(t), which fails the test on any unexpected
// violation; programs that are not tests use Start and read Violations.
//
// Faults are scripted per operation: answers (status, headers, body),
// dropped connections before or after the action, and delays.
package apitest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/spec"
)

// Option configures a Server.
type Option func(*Server)

// WithBasePath serves the API under a path prefix, as GitHub Enterprise
// Server does under /api/v3.
func WithBasePath(p string) Option {
	return func(s *Server) { s.basePath = "/" + strings.Trim(p, "/") }
}

// WithClock sets the server's clock (deletion times, the 30-day window,
// rate-limit windows, the request log): an *apitest.Clock shared with the
// client's api.WithClock. The server only reads Now.
func WithClock(c api.Clock) Option { return func(s *Server) { s.clock = c } }

// WithSecondaryLimit answers GitHub's secondary rate limit when more than n
// mutating requests arrive within a minute of the clock, as GitHub was seen
// to answer it: 403, a positive x-ratelimit-remaining, and no retry-after.
// 0 (the default) turns it off.
func WithSecondaryLimit(n int) Option { return func(s *Server) { s.secondaryPerMinute = n } }

// WithListener serves on l instead of a new loopback port (the standalone
// command uses it to serve on a chosen address).
func WithListener(l net.Listener) Option { return func(s *Server) { s.listener = l } }

// WithRoundTrip holds every answer back by d on the server's clock, to
// simulate the round trip to GitHub: with the default wall clock it is a
// real wait, for benchmarks (issue 13's sweep benchmark uses 100 ms); with
// an *apitest.Clock it costs no real time and moves the clock instead.
// (WithLatency is the registry's option.)
func WithRoundTrip(d time.Duration) Option { return func(s *Server) { s.latency = d } }

// Request is one request as it came over the wire.
type Request struct {
	Method  string
	RawPath string // escaped, as sent: /orgs/o/packages/container/a%2Fb/versions/1/restore
	Query   string
	Header  http.Header
	Op      api.Operation // the operation, or 0 when no route matched
	Route   string        // GitHub's operationId, or "" when no route matched
	Status  int           // the answer's status; 0 for a dropped connection
	At      time.Time     // arrival, by the server's clock
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
	clock              api.Clock
	secondaryPerMinute int
	pointsPerMinute    int
	latency            time.Duration
	round3             // GitHub's answers of issue 17 (options in answers.go)
	doc                *openapi3.T
	routes             map[string]*routers.Route // by operationId
	load               loadMeter

	mu          sync.Mutex
	accounts    map[string]*accountState // by lower-case login
	tokens      map[string]*tokenState
	nextID      int64 // version ids
	nextPackage int64
	nextAccount int64
	requests    []Request
	violations  []Violation
	faults      map[api.Operation][]Fault
	writes      []time.Time
	points      map[api.Operation][]pointsLog
	runs        workflowRuns // runs.go
	reqSeq      int
	discovery   discovery // GET /packages/container-registry-url (discovery.go)
}

// Start starts a fake GitHub for a program rather than a test (the
// fakegithub command, Example functions): the caller must Close it, and
// reads Violations itself. Tests and benchmarks use New. Start fails only
// if the embedded description does not load or lacks an operation the fake
// serves, or when an option is invalid (the error names it).
func Start(opts ...Option) (*Server, error) {
	s := &Server{
		clock:    api.SystemClock{},
		accounts: map[string]*accountState{},
		tokens:   map[string]*tokenState{},
		faults:   map[api.Operation][]Fault{},
		points:   map[api.Operation][]pointsLog{},
		routes:   map[string]*routers.Route{},
	}
	for _, o := range opts {
		o(s)
	}
	if err := s.checkOptions(); err != nil {
		return nil, err
	}
	doc, err := spec.LoadOverlaid(context.Background())
	if err != nil {
		return nil, fmt.Errorf("apitest: loading the description: %w", err)
	}
	s.doc = doc
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			s.routes[op.OperationID] = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
		}
	}
	h, err := s.handler()
	if err != nil {
		return nil, err
	}
	s.srv = httptest.NewUnstartedServer(h)
	if s.listener != nil {
		s.srv.Listener.Close()
		s.srv.Listener = s.listener
	}
	s.srv.Start()
	s.URL = s.srv.URL + s.basePath
	if s.basePath == "/" {
		s.URL = s.srv.URL
	}
	return s, nil
}

// checkOptions refuses options that make no sense, naming the option.
func (s *Server) checkOptions() error {
	switch {
	case s.clock == nil:
		return errors.New("apitest: WithClock: the clock is nil")
	case s.latency < 0:
		return fmt.Errorf("apitest: WithRoundTrip: negative duration %v", s.latency)
	case s.secondaryPerMinute < 0:
		return fmt.Errorf("apitest: WithSecondaryLimit: negative limit %d", s.secondaryPerMinute)
	case s.pointsPerMinute < 0:
		return fmt.Errorf("apitest: WithPointsPerMinute: negative limit %d", s.pointsPerMinute)
	case strings.ContainsAny(s.basePath, "?#%") || strings.Contains(s.basePath, ".."):
		return fmt.Errorf("apitest: WithBasePath: %q is not a plain path", s.basePath)
	}
	return s.round3.check()
}

// New starts a fake GitHub for a test or benchmark, the one constructor
// tests use: it is closed when the test ends, and the test fails if any
// request or answer violated the description (unless TakeViolations
// consumed them).
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatal(err)
	}
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

// Close shuts the server down and closes its listener.
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
	s.violations = append(s.violations, Violation{Request: r.Method + " " + rawPathOf(r), Response: response, Detail: detail})
}

func (s *Server) log(c *call, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{
		Method: c.r.Method, RawPath: rawPathOf(c.r), Query: c.r.URL.RawQuery,
		Header: c.r.Header.Clone(), Op: c.op, Route: c.route, Status: status, At: c.at,
	})
}

func (s *Server) prefix() string {
	if s.basePath == "/" {
		return ""
	}
	return s.basePath
}

// ownerPrefixes are the route prefixes of the three owner kinds.
var ownerPrefixes = []struct {
	kind   api.OwnerKind
	prefix string
}{
	{api.OwnerOrg, "/orgs/{org}"},
	{api.OwnerUser, "/users/{username}"},
	{api.OwnerMe, "/user"},
}

// handler routes every operation of every owner kind, the Link forms
// (/organizations/{id}/..., /user/{id}/...) mapped onto them, and answers
// anything else as an undescribed path.
func (s *Server) handler() (http.Handler, error) {
	mux := http.NewServeMux()
	pkg := "/packages/{package_type}/{package_name}"
	ops := []struct {
		method, suffix string
		op             api.Operation
		fn             func(*call) reply
	}{
		{"POST", pkg + "/versions/{package_version_id}/restore", api.OpRestoreVersion, s.restoreVersion},
		{"GET", pkg + "/versions", api.OpListVersions, s.listVersions},
		{"GET", pkg + "/versions/{package_version_id}", api.OpGetVersion, s.getVersion},
		{"POST", pkg + "/restore", api.OpRestorePackage, s.restorePackage},
		{"GET", "/packages", api.OpListPackages, s.listPackages},
	}
	add := func(method, pattern string, op api.Operation, kind api.OwnerKind, fn func(*call) reply) error {
		id := op.ID(kind)
		if s.routes[id] == nil {
			return fmt.Errorf("apitest: the description has no operation %q", id)
		}
		mux.HandleFunc(method+" "+s.prefix()+pattern, func(w http.ResponseWriter, r *http.Request) {
			s.serve(w, r, op, kind, fn)
		})
		return nil
	}
	for _, o := range ops {
		for _, p := range ownerPrefixes {
			if err := add(o.method, p.prefix+o.suffix, o.op, p.kind, o.fn); err != nil {
				return nil, err
			}
		}
	}
	if err := add("GET", "/rate_limit", api.OpRateLimit, "", s.rateLimit); err != nil {
		return nil, err
	}
	if err := add("GET", "/packages/container-registry-url", api.OpContainerRegistryURL, "", s.containerRegistryURL); err != nil {
		return nil, err
	}
	if err := s.handleWorkflowRuns(mux); err != nil {
		return nil, err
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c := &call{r: r, at: s.clock.Now()}
		if !linkForm(r.Context()) {
			s.violation(r, false, "no operation of the description matches this method and path")
		}
		rep := s.withStdHeaders(c, errReply(http.StatusNotFound, "Not Found", "https://docs.github.com/rest"))
		s.log(c, rep.status)
		s.write(w, rep)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inFlight, done := s.load.enter()
		defer done()
		r = s.mapLinkForm(r, inFlight) // notes the arrival
		if s.latency > 0 && s.clock.Sleep(r.Context(), s.latency) != nil {
			return // the client went away
		}
		mux.ServeHTTP(w, r)
	}), nil
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
