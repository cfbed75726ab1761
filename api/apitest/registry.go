package apitest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
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
// Seed it with SeedIndex, SeedImage and Push; DeleteUntaggedChildren
// deletes versions the way cleanup incidents did.
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

// NewRegistry starts a fake registry beside gh, sharing its versions and
// tokens. Close it when done (StartRegistry does that for a test).
func NewRegistry(gh *Server, opts ...RegistryOption) *Registry {
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
	return r
}

// StartRegistry starts a fake registry for a test and closes it when the
// test ends.
func StartRegistry(t testing.TB, gh *Server, opts ...RegistryOption) *Registry {
	t.Helper()
	r := NewRegistry(gh, opts...)
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

type regReply struct {
	status int
	header http.Header
	body   []byte
}

func regError(status int, code, msg string) regReply {
	b, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
	return regReply{status: status, header: http.Header{"Content-Type": {"application/json"}}, body: b}
}

func (r *Registry) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.inFlight++
	r.maxIn = max(r.maxIn, r.inFlight)
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.inFlight--
		r.mu.Unlock()
	}()
	if r.latency > 0 {
		t := time.NewTimer(r.latency)
		select {
		case <-t.C:
		case <-req.Context().Done():
			t.Stop()
		}
	}
	route, repo, ref := r.route(req)
	var rep regReply
	if f, ok := r.nextFault(route); ok && f.Status != 0 {
		rep = regReply{status: f.Status, header: f.Header.Clone(), body: []byte(f.Body)}
	} else {
		rep = r.answer(req, route, repo, ref)
	}
	r.mu.Lock()
	r.requests = append(r.requests, RegistryRequest{Method: req.Method, Path: req.URL.EscapedPath(), Query: req.URL.RawQuery, Header: req.Header.Clone(), Route: route, Status: rep.status})
	r.mu.Unlock()
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	if rep.header.Get("Content-Length") == "" {
		w.Header().Set("Content-Length", strconv.Itoa(len(rep.body)))
	}
	w.WriteHeader(rep.status)
	if req.Method != http.MethodHead {
		_, _ = w.Write(rep.body)
	}
}

func (r *Registry) nextFault(route string) (Fault, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.faults[route]
	if len(q) == 0 {
		return Fault{}, false
	}
	r.faults[route] = q[1:]
	return q[0], true
}

// route splits /v2/NAME/manifests/REF and /v2/NAME/referrers/DIGEST.
func (r *Registry) route(req *http.Request) (route, repo, ref string) {
	p := req.URL.Path
	switch {
	case p == "/token":
		return RegistryRouteToken, "", ""
	case p == "/v2/" || p == "/v2":
		return RegistryRouteBase, "", ""
	case !strings.HasPrefix(p, "/v2/"):
		return "", "", ""
	}
	rest := strings.TrimPrefix(p, "/v2/")
	for _, kind := range []string{"/manifests/", "/referrers/"} {
		if i := strings.LastIndex(rest, kind); i > 0 {
			route = RegistryRouteManifest
			if kind == "/referrers/" {
				route = RegistryRouteReferrers
			}
			return route, rest[:i], rest[i+len(kind):]
		}
	}
	return "", "", ""
}

func (r *Registry) answer(req *http.Request, route, repo, ref string) regReply {
	if route == "" {
		return regError(http.StatusNotFound, "NOT_FOUND", "not found")
	}
	if route == RegistryRouteToken {
		return r.token(req)
	}
	if !r.authorized(req) {
		rep := regError(http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
		challenge := fmt.Sprintf(`Bearer realm=%q,service=%q`, r.realm, r.Host)
		if repo != "" {
			challenge += fmt.Sprintf(`,scope="repository:%s:pull"`, repo)
		}
		rep.header.Set("Www-Authenticate", challenge)
		return rep
	}
	switch route {
	case RegistryRouteBase:
		return regReply{status: http.StatusOK, header: http.Header{"Content-Type": {"application/json"}}, body: []byte("{}")}
	case RegistryRouteReferrers:
		if !r.referrersAPI || (req.Method != http.MethodGet) {
			return regReply{status: http.StatusNotFound, header: http.Header{"Content-Type": {"text/plain"}}, body: []byte("404 page not found\n")}
		}
		return r.referrers(repo, ref)
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		return regError(http.StatusMethodNotAllowed, "UNSUPPORTED", "The operation is unsupported.")
	}
	dgst, b, ok := r.lookup(repo, ref)
	if !ok {
		return regError(http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
	}
	h := http.Header{}
	h.Set("Content-Type", b.mediaType)
	h.Set("Docker-Content-Digest", dgst)
	h.Set("Content-Length", strconv.Itoa(len(b.body)))
	return regReply{status: http.StatusOK, header: h, body: b.body}
}

// token answers GET /token?service=…&scope=… with Basic auth whose
// password is a GitHub token with read:packages.
func (r *Registry) token(req *http.Request) regReply {
	_, pass, ok := req.BasicAuth()
	if !ok || !r.gh.registryTokenOK(pass) {
		return regError(http.StatusUnauthorized, "DENIED", "requested access to the resource is denied")
	}
	raw := make([]byte, 16)
	_, _ = rand.Read(raw)
	tok := "ghcr_" + hex.EncodeToString(raw)
	r.mu.Lock()
	r.issued[tok] = r.gh.clock.Now().Add(r.tokenTTL)
	r.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"token": tok, "expires_in": int(r.tokenTTL / time.Second)})
	return regReply{status: http.StatusOK, header: http.Header{"Content-Type": {"application/json"}}, body: b}
}

func (r *Registry) authorized(req *http.Request) bool {
	tok, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	exp, ok := r.issued[tok]
	return ok && r.gh.clock.Now().Before(exp)
}

// lookup finds the active manifest a tag or digest names in repo.
func (r *Registry) lookup(repo, ref string) (string, blob, bool) {
	r.mu.Lock()
	rs := r.repos[strings.ToLower(repo)]
	if rs == nil {
		r.mu.Unlock()
		return "", blob{}, false
	}
	versions := append([]seededVersion(nil), rs.versions...)
	owner, name := rs.owner, rs.name
	r.mu.Unlock()
	for _, sv := range versions {
		v, ok := r.gh.Version(owner, api.PackageTypeContainer, name, sv.id)
		if !ok || v.DeletedAt != nil {
			continue
		}
		match := v.Name == ref
		for _, t := range v.Tags {
			match = match || t == ref
		}
		if !match {
			continue
		}
		r.mu.Lock()
		b, ok := rs.blobs[v.Name]
		r.mu.Unlock()
		if ok {
			return v.Name, b, true
		}
	}
	return "", blob{}, false
}

// referrers answers the OCI referrers API: an index of the active
// manifests whose subject is dgst.
func (r *Registry) referrers(repo, dgst string) regReply {
	r.mu.Lock()
	rs := r.repos[strings.ToLower(repo)]
	var cands []string
	if rs != nil {
		for d, b := range rs.blobs {
			if b.subject == dgst {
				cands = append(cands, d)
			}
		}
	}
	r.mu.Unlock()
	var descs []map[string]any
	for _, d := range cands {
		if _, b, ok := r.lookup(repo, d); ok {
			m := map[string]any{"mediaType": b.mediaType, "digest": d, "size": len(b.body)}
			if b.artifact != "" {
				m["artifactType"] = b.artifact
			}
			descs = append(descs, m)
		}
	}
	if descs == nil {
		descs = []map[string]any{}
	}
	body, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": descs})
	return regReply{status: http.StatusOK, header: http.Header{"Content-Type": {"application/vnd.oci.image.index.v1+json"}}, body: body}
}
