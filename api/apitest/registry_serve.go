package apitest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// How the fake registry answers: routing, ghcr's authentication, manifests
// by tag or digest from the fake GitHub's active versions, and the referrers
// API.

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
	if valid, granted := r.authorized(req, repo); !valid || !granted {
		rep := regError(http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
		challenge := fmt.Sprintf(`Bearer realm=%q,service=%q`, r.realm, r.Host)
		if repo != "" {
			challenge += fmt.Sprintf(`,scope="repository:%s:pull"`, repo)
		}
		if valid {
			// A token for other repositories: the distribution spec's
			// answer to a token without the scope.
			rep = regError(http.StatusUnauthorized, "DENIED", "requested access to the resource is denied")
			challenge += `,error="insufficient_scope"`
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
	if r.grants == nil {
		r.grants = map[string]map[string]bool{}
	}
	r.grants[tok] = pullScopes(req.URL.Query()["scope"])
	r.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"token": tok, "expires_in": int(r.tokenTTL / time.Second)})
	return regReply{status: http.StatusOK, header: http.Header{"Content-Type": {"application/json"}}, body: b}
}

// pullScopes are the repositories that the scope parameters of a token
// request ask to pull ("repository:OWNER/NAME:pull", actions separated by
// commas), lower-case.
func pullScopes(scopes []string) map[string]bool {
	repos := map[string]bool{}
	for _, sc := range scopes {
		for one := range strings.FieldsSeq(sc) { // several scopes may share one parameter
			rest, ok := strings.CutPrefix(one, "repository:")
			i := strings.LastIndexByte(rest, ':')
			if !ok || i <= 0 {
				continue
			}
			for action := range strings.SplitSeq(rest[i+1:], ",") {
				if action == "pull" || action == "*" {
					repos[strings.ToLower(rest[:i])] = true
				}
			}
		}
	}
	return repos
}

// authorized reports whether the request carries a registry token that is
// valid, and whether it was issued for pulling repo (as ghcr.io does, a
// token is good for the repositories of its scope only; the base route
// /v2/ takes any valid token).
func (r *Registry) authorized(req *http.Request, repo string) (valid, granted bool) {
	tok, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	exp, ok := r.issued[tok]
	if !ok || !r.gh.clock.Now().Before(exp) {
		return false, false
	}
	return true, repo == "" || r.grants[tok][strings.ToLower(repo)]
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
		v, ok := r.gh.lockedVersion(owner, name, sv.id)
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
