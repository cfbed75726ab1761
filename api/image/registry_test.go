package image_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
)

const repo = "acme/team/app"

func TestRegistryExchangesTheGitHubTokenThroughTheChallenge(t *testing.T) {
	e := newEnv(t, nil)
	img := e.seed(apitest.ImageSpec{Tags: []string{"v1"}})
	d, err := e.rc.Resolve(ctx(t), repo, "v1")
	if err != nil || d.Digest != img.Index.Digest || d.MediaType != image.MediaTypeOCIIndex {
		t.Fatalf("resolve = %+v, %v", d, err)
	}
	reqs := e.reg.Requests()
	if len(reqs) != 3 {
		t.Fatalf("requests = %d, want challenge, exchange, retry", len(reqs))
	}
	if reqs[0].Status != 401 || reqs[0].Header.Get("Authorization") != "" {
		t.Errorf("first request %+v, want an anonymous 401", reqs[0])
	}
	user, pass, ok := (&http.Request{Header: reqs[1].Header}).BasicAuth()
	if reqs[1].Route != apitest.RegistryRouteToken || !ok || pass != testToken || user == "" {
		t.Errorf("token exchange = %+v, want Basic with the GitHub token", reqs[1])
	}
	if !strings.Contains(reqs[1].Query, "scope=repository%3Aacme%2Fteam%2Fapp%3Apull") {
		t.Errorf("token exchange query = %q, want the pull scope", reqs[1].Query)
	}
	if !strings.HasPrefix(reqs[2].Header.Get("Authorization"), "Bearer ghcr_") || reqs[2].Method != http.MethodHead {
		t.Errorf("retry = %s %v, want HEAD with the registry token", reqs[2].Method, reqs[2].Header.Get("Authorization"))
	}
	// The registry token is reused: one request each from now on.
	e.reg.ResetRequests()
	if _, err := e.rc.Manifest(ctx(t), repo, img.Index.Digest); err != nil {
		t.Fatal(err)
	}
	if n := len(e.reg.Requests()); n != 1 {
		t.Errorf("second read took %d requests, want 1", n)
	}
}

func TestRegistryAsksForTheFourManifestMediaTypes(t *testing.T) {
	e := newEnv(t, nil)
	img := e.seed(apitest.ImageSpec{Tags: []string{"v1"}})
	if _, err := e.rc.Manifest(ctx(t), repo, "v1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rc.Resolve(ctx(t), repo, img.Platforms[0].Digest); err != nil {
		t.Fatal(err)
	}
	for _, r := range e.reg.Requests() {
		if r.Route != apitest.RegistryRouteManifest {
			continue
		}
		for _, mt := range []string{image.MediaTypeOCIIndex, image.MediaTypeOCIManifest, image.MediaTypeDockerList, image.MediaTypeDockerImageV2} {
			if !strings.Contains(r.Header.Get("Accept"), mt) {
				t.Errorf("%s %s Accept %q lacks %s", r.Method, r.Path, r.Header.Get("Accept"), mt)
			}
		}
	}
}

func TestRegistryRefreshesAnExpiredRegistryToken(t *testing.T) {
	e := newEnv(t, nil)
	img := e.seed(apitest.ImageSpec{Tags: []string{"v1"}})
	if _, err := e.rc.Resolve(ctx(t), repo, "v1"); err != nil {
		t.Fatal(err)
	}
	e.reg.ExpireTokens()
	e.reg.ResetRequests()
	if _, err := e.rc.Manifest(ctx(t), repo, img.Index.Digest); err != nil {
		t.Fatalf("read after expiry: %v", err)
	}
	var routes []string
	for _, r := range e.reg.Requests() {
		routes = append(routes, fmt.Sprintf("%s %d", r.Route, r.Status))
	}
	if want := "manifest 401,token 200,manifest 200"; strings.Join(routes, ",") != want {
		t.Fatalf("requests = %v, want %s", routes, want)
	}
}

func TestRegistryHonoursRetryAfterOnTheClock(t *testing.T) {
	var waits []api.WaitEvent
	e := newEnv(t, nil, image.WithWaitHook(func(w api.WaitEvent) { waits = append(waits, w) }))
	e.seed(apitest.ImageSpec{Tags: []string{"v1"}})
	e.reg.Script(apitest.RegistryRouteManifest, apitest.TooManyRequests(7), apitest.TooManyRequests(3))
	e.reg.Script(apitest.RegistryRouteToken, apitest.TooManyRequests(11))
	before := time.Now()
	if _, err := e.rc.Manifest(ctx(t), repo, "v1"); err != nil {
		t.Fatal(err)
	}
	if time.Since(before) > 5*time.Second {
		t.Fatal("the client slept for real")
	}
	got := e.clock.Sleeps()
	want := []time.Duration{7 * time.Second, 3 * time.Second, 11 * time.Second}
	if len(got) != len(want) {
		t.Fatalf("sleeps = %v, want the Retry-After of each 429, %v", got, want)
	}
	for i, d := range want {
		if got[i] != d {
			t.Fatalf("sleep %d = %s, want %s", i, got[i], d)
		}
	}
	if len(waits) != 3 || waits[0].Status != 429 || waits[0].Wait != got[0] || waits[0].Reason != api.ReasonRegistryLimit || waits[0].Attempt != 2 {
		t.Fatalf("waits = %+v", waits)
	}
}

func TestRegistryGivesUpOnPersistent429WithATypedError(t *testing.T) {
	e := newEnv(t, nil, image.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 3, MaxWait: time.Minute, BaseDelay: time.Second, MaxDelay: time.Second}))
	e.seed(apitest.ImageSpec{Tags: []string{"v1"}})
	e.reg.Script(apitest.RegistryRouteManifest, apitest.TooManyRequests(1), apitest.TooManyRequests(1), apitest.TooManyRequests(1))
	_, err := e.rc.Resolve(ctx(t), repo, "v1")
	var rl *image.RegistryRateLimitError
	if !errors.Is(err, image.ErrRegistryRateLimited) || !errors.Is(err, api.ErrRateLimited) || !errors.As(err, &rl) || rl.Attempts != 3 {
		t.Fatalf("err = %v, want a rate limit after 3 attempts", err)
	}
}

func TestGitHubTokenNeverReachesARealmOnAnotherHost(t *testing.T) {
	var leaked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Add(1)
		w.Write([]byte(`{"token":"stolen"}`))
	}))
	defer other.Close()
	e := newEnv(t, []apitest.RegistryOption{apitest.WithRealm(other.URL + "/token")})
	e.seed(apitest.ImageSpec{Tags: []string{"v1"}})
	_, err := e.rc.Resolve(ctx(t), repo, "v1")
	var fh *image.ForeignHostError
	if !errors.Is(err, image.ErrForeignHost) || !errors.As(err, &fh) || fh.Host != strings.TrimPrefix(other.URL, "http://") || fh.Why != "token exchange" {
		t.Fatalf("err = %v, want a refused foreign realm", err)
	}
	if _, err := e.r.Plan(ctx(t), "v1"); !errors.Is(err, image.ErrForeignHost) {
		t.Fatalf("Plan: %v, want the refused realm as an error", err)
	}
	if leaked.Load() != 0 {
		t.Fatal("a request reached the foreign realm")
	}
	if strings.Contains(err.Error(), testToken) {
		t.Fatal("the error shows the token")
	}
	// The fake GitHub saw the token only on its own API routes.
	for _, r := range e.reg.Requests() {
		if strings.Contains(r.Header.Get("Authorization"), testToken) {
			t.Errorf("the registry received the raw token on %s", r.Path)
		}
	}
}

func TestRegistryRefusesRedirectsToAnotherHost(t *testing.T) {
	var hit atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit.Add(1) }))
	defer other.Close()
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer reg.Close()
	rc, err := image.NewRegistry(image.WithRegistry(reg.URL), image.WithToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Resolve(ctx(t), repo, "v1"); !errors.Is(err, image.ErrForeignHost) {
		t.Fatalf("err = %v, want ErrForeignHost", err)
	}
	if hit.Load() != 0 {
		t.Fatal("the redirect was followed")
	}
}

func TestRegistryChecksTheDigestOfWhatItReads(t *testing.T) {
	body := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":1},"layers":[]}`
	other := "sha256:" + strings.Repeat("ab", 32)
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", image.MediaTypeOCIManifest)
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.Write([]byte(body))
	}))
	defer reg.Close()
	rc, err := image.NewRegistry(image.WithRegistry(reg.URL))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Manifest(ctx(t), repo, other); err == nil {
		t.Fatal("a body of another digest was accepted")
	}
	m, err := rc.Manifest(ctx(t), repo, "latest")
	if err != nil || !image.IsDigest(m.Digest) || m.IsIndex() {
		t.Fatalf("read by tag = %+v, %v", m.Descriptor, err)
	}
}

func TestRegistryFindsReferrersThroughTheAPIOrTheTagSchema(t *testing.T) {
	for _, api := range []bool{false, true} {
		t.Run(fmt.Sprintf("referrersAPI=%v", api), func(t *testing.T) {
			var opts []apitest.RegistryOption
			if api {
				opts = append(opts, apitest.WithReferrersAPI())
			}
			e := newEnv(t, opts)
			img := e.seed(apitest.ImageSpec{Tags: []string{"v1"}, Signature: true})
			sbom := pushReferrer(t, e.reg, app, img.Index.Digest, "application/spdx+json", "sbom")
			has, err := e.rc.HasReferrersAPI(ctx(t), repo)
			if err != nil || has != api {
				t.Fatalf("HasReferrersAPI = %v, %v; want %v", has, err, api)
			}
			refs, err := e.rc.Referrers(ctx(t), repo, img.Index.Digest)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, r := range refs {
				got[r.Digest] = r.Tag
			}
			if _, ok := got[sbom.Digest]; !ok || len(got) != 2 || got[img.Signature.Digest] != image.TagSchema(img.Index.Digest)+".sig" {
				t.Fatalf("referrers = %+v, want the SBOM and the cosign signature", refs)
			}
		})
	}
}

func TestRegistryBoundsTheReadsInFlight(t *testing.T) {
	// In a synctest bubble, synctest.Wait returns once every goroutine is
	// blocked: the reads the bound admitted wait in the transport, the others
	// for a slot. No real time passes.
	synctest.Test(t, func(t *testing.T) {
		bodies := map[string][]byte{}
		var digests []string
		for i := range 12 {
			body := fmt.Appendf(nil, `{"schemaVersion":2,"mediaType":%q,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%064d","size":2},"layers":[],"annotations":{"n":"%d"}}`,
				image.MediaTypeOCIManifest, i, i)
			d := fmt.Sprintf("sha256:%x", sha256.Sum256(body))
			bodies[d], digests = body, append(digests, d)
		}
		var inFlight, peak atomic.Int32
		release := make(chan struct{})
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			n := inFlight.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			<-release
			inFlight.Add(-1)
			body, ok := bodies[r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]]
			if !ok {
				return &http.Response{StatusCode: http.StatusNotFound, Body: http.NoBody, Request: r}, nil
			}
			h := http.Header{"Content-Type": {image.MediaTypeOCIManifest}, "Docker-Content-Digest": {fmt.Sprintf("sha256:%x", sha256.Sum256(body))}}
			return &http.Response{StatusCode: http.StatusOK, Header: h, ContentLength: int64(len(body)), Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
		})
		rc, err := image.NewRegistry(image.WithRegistry("registry.test"), image.WithToken(testToken), image.WithTransport(rt), image.WithMaxInFlight(3))
		if err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, len(digests))
		for _, d := range digests {
			go func() { _, err := rc.Manifest(context.Background(), repo, d); errs <- err }()
		}
		synctest.Wait()
		if n := inFlight.Load(); n != 3 {
			t.Errorf("%d reads in flight while the first ones are held, want 3", n)
		}
		close(release)
		for range digests {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if p := peak.Load(); p != 3 {
			t.Errorf("peak %d reads in flight, want 3 (the bound)", p)
		}
	})
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

// RoundTrip calls f.
func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestBadInputIsRefusedBeforeAnythingIsSent(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct{ repo, ref, field string }{
		{repo, "v1:bad", "image"},
		{repo, "sha256:abc", "image"},
		{repo, "", "image"},
		{"Acme/App", "v1", "repository"},
		{"noslash", "v1", "repository"},
	} {
		_, err := e.rc.Resolve(ctx(t), tc.repo, tc.ref)
		var ve *api.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field || !errors.Is(err, api.ErrInvalidInput) {
			t.Errorf("Resolve(%q, %q) = %v, want an invalid %s", tc.repo, tc.ref, err, tc.field)
		}
	}
	if _, err := e.rc.Referrers(ctx(t), repo, "v1"); !errors.Is(err, api.ErrInvalidInput) {
		t.Errorf("Referrers of a tag = %v, want invalid input", err)
	}
	if _, err := e.r.Plan(ctx(t), "UPPER CASE"); !errors.Is(err, api.ErrInvalidInput) {
		t.Errorf("Plan of a bad root = %v", err)
	}
	if n := len(e.reg.Requests()) + len(e.gh.Requests()); n != 0 {
		t.Fatalf("%d requests were sent", n)
	}
}

func TestParseRegistry(t *testing.T) {
	for _, tc := range []struct {
		in, host string
		plain    bool
		ok       bool
	}{
		{"ghcr.io", "ghcr.io", false, true},
		{"https://containers.ghe.example.com", "containers.ghe.example.com", false, true},
		{"http://127.0.0.1:5000", "127.0.0.1:5000", true, true},
		{"http://localhost:5000/", "localhost:5000", true, true},
		{"http://[::1]:5000", "[::1]:5000", true, true},
		{"ghcr.io:443", "ghcr.io", false, true},
		{"https://GHCR.io:443/", "ghcr.io", false, true},
		{"ghcr.io:", "ghcr.io", false, true},
		{"ghcr.io:8443", "ghcr.io:8443", false, true},
		{"http://localhost:80", "localhost", true, true},
		{"http://[::1]", "[::1]", true, true},
		{"http://[::1]:443", "[::1]:443", true, true},
		{":", "", false, false},
		{"https://:5000", "", false, false},
		{"http://ghcr.io", "", false, false},
		{"ftp://ghcr.io", "", false, false},
		{"https://ghcr.io/v2/", "", false, false},
		{"https://user:pw@ghcr.io", "", false, false},
		{"", "", false, false},
	} {
		host, plain, err := image.ParseRegistry(tc.in)
		if (err == nil) != tc.ok || host != tc.host || plain != tc.plain {
			t.Errorf("ParseRegistry(%q) = %q, %v, %v", tc.in, host, plain, err)
		}
		if err != nil && (!errors.Is(err, api.ErrInvalidInput) || !strings.Contains(err.Error(), "registry")) {
			t.Errorf("ParseRegistry(%q) error %v does not name the field", tc.in, err)
		}
	}
}

func TestRegistryFor(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.github.com":          "ghcr.io",
		"https://api.github.com/":         "ghcr.io",
		"https://ghe.example.com/api/v3":  "containers.ghe.example.com",
		"https://GHE.example.com/api/v3/": "containers.ghe.example.com",
		"https://api.octo.ghe.com":        "containers.octo.ghe.com",
		"https://api.octo.ghe.com/":       "containers.octo.ghe.com",
		// No rule: nothing is guessed (never containers.127.0.0.1).
		"http://127.0.0.1:8080":          "",
		"http://localhost:8080/api/v3":   "",
		"https://10.0.0.8/api/v3":        "",
		"https://ghe.example.com:8443/x": "",
		"not a url":                      "",
	} {
		got, ok := image.RegistryFor(in)
		if got != want || ok != (want != "") {
			t.Errorf("RegistryFor(%q) = %q, %v; want %q, %v", in, got, ok, want, want != "")
		}
	}
}

func TestOptionsAreValidated(t *testing.T) {
	for name, o := range map[string]image.RegistryOption{
		"token":           image.WithToken(" "),
		"max in flight":   image.WithMaxInFlight(0),
		"retry policy":    image.WithRetryPolicy(api.RetryPolicy{}),
		"attempt timeout": image.WithAttemptTimeout(0),
		"clock":           image.WithClock(nil),
		"transport":       image.WithTransport(nil),
		"username":        image.WithUsername("a:b"),
		"user agent":      image.WithUserAgent("a\nb"),
		"wait hook":       image.WithWaitHook(nil),
		"token source":    image.WithTokenSource(nil),
		"registry":        image.WithRegistry("http://example.com"),
	} {
		_, err := image.NewRegistry(o)
		var ve *api.ValidationError
		if !errors.As(err, &ve) || ve.Field != name {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestRegistryNeverFormatsTheToken(t *testing.T) {
	rc, err := image.NewRegistry(image.WithToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(rc), fmt.Sprintf("%+v", rc), fmt.Sprintf("%#v", rc)} {
		if strings.Contains(s, testToken) || !strings.Contains(s, "ghcr.io") {
			t.Errorf("formatted registry = %q", s)
		}
	}
}

func TestAnUnknownGitHubTokenIsAnUnauthorizedErrorWithoutTheToken(t *testing.T) {
	const wrong = "ghp_wrong0000000000000000000000000000000"
	e := newEnv(t, nil)
	e.seed(apitest.ImageSpec{Tags: []string{"v1"}})
	rc, err := image.NewRegistry(image.WithRegistry(e.reg.URL), image.WithToken(wrong), image.WithClock(e.clock))
	if err != nil {
		t.Fatal(err)
	}
	_, err = rc.Manifest(ctx(t), repo, "v1")
	if !errors.Is(err, api.ErrUnauthorized) || strings.Contains(err.Error(), wrong) {
		t.Fatalf("err = %v, want an unauthorized error that hides the token", err)
	}
	r, err := image.NewRestorer(e.c, rc, e.pkg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Plan(ctx(t), "v1"); !errors.Is(err, api.ErrUnauthorized) {
		t.Fatalf("Plan: %v, want the refused token as an error", err)
	}
}

func TestNewRestorerRefusesWhatCannotBeAnImage(t *testing.T) {
	rc, err := image.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	app := api.Package{Owner: api.Org("acme"), Type: api.PackageTypeContainer, Name: "app"}
	for _, tc := range []struct {
		field string
		reg   image.Reader
		pkg   api.Package
		opts  *image.RestorerOptions
	}{
		{"registry", nil, app, nil},
		{"package_type", rc, api.Package{Owner: api.Org("acme"), Type: api.PackageTypeNpm, Name: "app"}, nil},
		{"owner", rc, api.Package{Owner: api.Me(), Type: api.PackageTypeContainer, Name: "app"}, nil},
		{"concurrency", rc, app, &image.RestorerOptions{Concurrency: 65}},
		{"poll", rc, app, &image.RestorerOptions{Poll: []time.Duration{-time.Second}}},
	} {
		_, err := image.NewRestorer(nil, tc.reg, tc.pkg, tc.opts)
		var ve *api.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%s: err = %v", tc.field, err)
		}
	}
	r, err := image.NewRestorer(nil, rc, app, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Plan(t.Context(), "v1"); !errors.Is(err, api.ErrInvalidInput) {
		t.Errorf("Plan without a GitHub client: %v", err)
	}
}
