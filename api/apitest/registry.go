package apitest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Registry is a fake container registry (ghcr.io) that shares its state
// with a fake GitHub: a manifest is served only while the package version
// whose name is its digest is active, so a deleted version's manifest
// answers 404 MANIFEST_UNKNOWN and a restore through the REST route brings
// it back. It authenticates like ghcr.io: a 401 challenge, GET /token with
// Basic auth whose password is a GitHub token the fake GitHub knows (with
// read:packages), then Bearer tokens. Like ghcr.io it answers 404 to the
// OCI referrers API unless WithReferrersAPI turns it on; the tag-schema
// fallback (sha256-HEX) and cosign's tags are plain tags.
//
// Seed it with SeedIndexFor, SeedImageFor and PushFor;
// DeleteUntaggedChildrenOf deletes versions the way cleanup incidents did.
type Registry struct {
	// URL is the registry's base URL (http://127.0.0.1:PORT), for
	// image.WithRegistry.
	URL string
	// Host is URL's host:port: images are named HOST/OWNER/NAME.
	Host string

	gh           *Server
	srv          *httptest.Server
	referrersAPI bool
	realm        string
	latency      time.Duration
	tokenTTL     time.Duration
	listener     net.Listener

	mu       sync.Mutex
	repos    map[string]*repoState // by lower-case OWNER/NAME
	issued   map[string]time.Time  // registry token → expiry
	faults   map[string][]Fault
	requests []RegistryRequest
	inFlight int
	maxIn    int

	// grants are the repositories each registry token may pull (lower
	// case), from the scope of its request; under mu.
	grants map[string]map[string]bool
}

// RegistryOption configures a Registry.
type RegistryOption func(*Registry)

// WithReferrersAPI makes the registry answer the OCI 1.1 referrers API
// (GET /v2/NAME/referrers/DIGEST) from the manifests' subjects. Without it
// the API answers 404, as ghcr.io does.
func WithReferrersAPI() RegistryOption { return func(r *Registry) { r.referrersAPI = true } }

// WithRealm points the 401 challenge's realm at u instead of the
// registry's own /token, to test that a client never sends its token to
// another host.
func WithRealm(u string) RegistryOption { return func(r *Registry) { r.realm = u } }

// WithLatency holds every registry answer back by d of real time, for
// benchmarks of concurrent reads (tests should not use it).
func WithLatency(d time.Duration) RegistryOption { return func(r *Registry) { r.latency = d } }

// WithRegistryListener serves the registry on l instead of a new loopback
// port (the standalone command uses it).
func WithRegistryListener(l net.Listener) RegistryOption {
	return func(r *Registry) { r.listener = l }
}

// WithTokenTTL sets how long a registry token stays valid on the fake
// GitHub's clock (default 5 minutes, as ghcr's).
func WithTokenTTL(d time.Duration) RegistryOption { return func(r *Registry) { r.tokenTTL = d } }

// Registry routes, for Script and the request log.
const (
	RegistryRouteManifest  = "manifest"
	RegistryRouteToken     = "token"
	RegistryRouteReferrers = "referrers"
	RegistryRouteBase      = "base" // GET /v2/
)

// RegistryRequest is one request to the fake registry.
type RegistryRequest struct {
	Method string
	Path   string // escaped path, as sent
	Query  string
	Header http.Header
	Route  string // one of the RegistryRoute constants, or ""
	Status int
}

type repoState struct {
	owner, name string // as the fake GitHub spells them
	blobs       map[string]blob
	// versions maps a version id of the fake GitHub to its digest.
	versions []seededVersion
}

type blob struct {
	mediaType string
	body      []byte
	subject   string
	artifact  string
}

type seededVersion struct {
	id     int64
	digest string
}

// StartRegistry starts a fake registry beside gh, sharing its versions and
// tokens, for a program (cmd/fakegithub, the quickstart): close it when
// done. Tests use NewRegistry, as they use New for the fake GitHub.
func StartRegistry(gh *Server, opts ...RegistryOption) *Registry {
	r := &Registry{
		gh:       gh,
		tokenTTL: 5 * time.Minute,
		repos:    map[string]*repoState{},
		issued:   map[string]time.Time{},
		faults:   map[string][]Fault{},
	}
	for _, o := range opts {
		o(r)
	}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
	if r.listener != nil {
		r.srv.Listener.Close()
		r.srv.Listener = r.listener
	}
	r.srv.Start()
	r.URL = r.srv.URL
	r.Host = strings.TrimPrefix(r.srv.URL, "http://")
	if r.realm == "" {
		r.realm = r.URL + "/token"
	}
	gh.registryStarted(r.URL) // GET /packages/container-registry-url answers it (discovery.go)
	return r
}

// NewRegistry starts a fake registry beside gh for a test and closes it
// when the test ends: the registry's counterpart of New.
func NewRegistry(t testing.TB, gh *Server, opts ...RegistryOption) *Registry {
	t.Helper()
	r := StartRegistry(gh, opts...)
	t.Cleanup(r.Close)
	return r
}

// Close shuts the registry down.
func (r *Registry) Close() {
	r.srv.CloseClientConnections()
	r.srv.Close()
}

// Requests returns the registry's request log, in arrival order.
func (r *Registry) Requests() []RegistryRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]RegistryRequest(nil), r.requests...)
}

// ResetRequests clears the request log and the in-flight high-water mark.
func (r *Registry) ResetRequests() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = nil
	r.maxIn = 0
}

// MaxInFlight is the most requests the registry answered at once since the
// last ResetRequests.
func (r *Registry) MaxInFlight() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.maxIn
}

// ExpireTokens invalidates every registry token issued so far, so that the
// next request answers 401 and the client must exchange again.
func (r *Registry) ExpireTokens() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.issued)
}

// Script queues faults for a registry route (RegistryRouteManifest,
// RegistryRouteToken, ...): each request to the route takes the next one in
// place of the registry's answer; only Status, Header and Body are used.
func (r *Registry) Script(route string, faults ...Fault) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.faults[route] = append(r.faults[route], faults...)
}

// TooManyRequests is the registry's 429 with Retry-After (seconds).
func TooManyRequests(retryAfter int) Fault {
	h := http.Header{"Content-Type": {"application/json"}}
	h.Set("Retry-After", strconv.Itoa(retryAfter))
	return Fault{Status: http.StatusTooManyRequests, Header: h, Body: `{"errors":[{"code":"TOOMANYREQUESTS","message":"rate limit exceeded"}]}`}
}
