package apitest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

const regToken = "ghp_registry000000000000000000000000000"

type regFixture struct {
	hc  *http.Client
	gh  *apitest.Server
	reg *apitest.Registry
	img apitest.SeededImage
}

func newRegFixture(t *testing.T, opts ...apitest.RegistryOption) *regFixture {
	t.Helper()
	clock := apitest.NewClock(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	gh := apitest.New(t, apitest.WithClock(clock))
	gh.AddOrg("acme")
	gh.AddToken(apitest.Token{Value: regToken, Scopes: []string{"read:packages", "write:packages"}})
	reg := apitest.NewRegistry(t, gh, opts...)
	img := seedIndex(t, reg, acmeApp, apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64", "linux/arm64"}, Attestations: true, Signature: true})
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	return &regFixture{hc: hc, gh: gh, reg: reg, img: img}
}

func (f *regFixture) get(t *testing.T, method, path, auth string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, f.reg.URL+path, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := f.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// bearer runs ghcr's token exchange with the GitHub token, for pulling
// acme/team/app.
func (f *regFixture) bearer(t *testing.T) string {
	t.Helper()
	return f.bearerFor(t, "repository:acme/team/app:pull")
}

// bearerFor runs the exchange for scope ("" asks for none).
func (f *regFixture) bearerFor(t *testing.T, scope string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.reg.URL+"/token?service="+f.reg.Host+"&scope="+scope, nil)
	req.SetBasicAuth("anyone", regToken)
	resp, err := f.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != 200 || tok.Token == "" {
		t.Fatalf("token exchange: %s %v", resp.Status, err)
	}
	return "Bearer " + tok.Token
}

func TestFakeRegistryChallengesThenAcceptsTheExchangedToken(t *testing.T) {
	f := newRegFixture(t)
	resp, _ := f.get(t, http.MethodGet, "/v2/acme/team/app/manifests/v1", "")
	want := `Bearer realm="` + f.reg.URL + `/token",service="` + f.reg.Host + `",scope="repository:acme/team/app:pull"`
	if resp.StatusCode != 401 || resp.Header.Get("Www-Authenticate") != want {
		t.Fatalf("anonymous: %s %q, want 401 %q", resp.Status, resp.Header.Get("Www-Authenticate"), want)
	}
	if resp, _ := f.get(t, http.MethodGet, "/v2/acme/team/app/manifests/v1", "Bearer "+regToken); resp.StatusCode != 401 {
		t.Fatalf("the raw GitHub token as Bearer: %s, want 401", resp.Status)
	}
	req, _ := http.NewRequest(http.MethodGet, f.reg.URL+"/token", nil)
	req.SetBasicAuth("anyone", "ghp_unknown")
	r, err := f.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 401 {
		t.Fatalf("exchange with an unknown token: %s, want 401", r.Status)
	}
	auth := f.bearer(t)
	resp, body := f.get(t, http.MethodGet, "/v2/acme/team/app/manifests/v1", auth)
	if resp.StatusCode != 200 || resp.Header.Get("Docker-Content-Digest") != f.img.Index.Digest || resp.Header.Get("Content-Type") != "application/vnd.oci.image.index.v1+json" || !strings.Contains(body, "attestation-manifest") {
		t.Fatalf("GET by tag: %s %v", resp.Status, resp.Header)
	}
	if resp, body := f.get(t, http.MethodHead, "/v2/acme/team/app/manifests/"+f.img.Platforms[0].Digest, auth); resp.StatusCode != 200 || body != "" || resp.ContentLength <= 0 {
		t.Fatalf("HEAD by digest: %s len %d body %q", resp.Status, resp.ContentLength, body)
	}
	f.reg.ExpireTokens()
	if resp, _ := f.get(t, http.MethodGet, "/v2/acme/team/app/manifests/v1", auth); resp.StatusCode != 401 {
		t.Fatalf("after ExpireTokens: %s, want 401", resp.Status)
	}
}

func TestFakeRegistrySharesStateWithTheFakeGitHub(t *testing.T) {
	f := newRegFixture(t)
	auth := f.bearer(t)
	deleted := deleteUntaggedChildren(t, f.reg, acmeApp)
	if len(deleted) != 4 {
		t.Fatalf("deleted %v, want the 2 platforms and 2 attestations (the index and the signature are tagged)", deleted)
	}
	p := "/v2/acme/team/app/manifests/" + f.img.Platforms[0].Digest
	resp, body := f.get(t, http.MethodGet, p, auth)
	if resp.StatusCode != 404 || !strings.Contains(body, `"MANIFEST_UNKNOWN"`) {
		t.Fatalf("deleted child: %s %s", resp.Status, body)
	}
	if resp, _ := f.get(t, http.MethodGet, "/v2/acme/team/app/manifests/v1", auth); resp.StatusCode != 200 {
		t.Fatalf("the tag of the active index: %s", resp.Status)
	}
	c, err := api.New(api.WithBaseURL(f.gh.URL), api.WithToken(regToken))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	pkg := acmeApp
	if _, err := c.RestoreVersion(t.Context(), pkg, f.img.Platforms[0].ID); err != nil {
		t.Fatal(err)
	}
	if resp, _ := f.get(t, http.MethodGet, p, auth); resp.StatusCode != 200 {
		t.Fatalf("restored child: %s, want 200", resp.Status)
	}
	if resp, _ := f.get(t, http.MethodDelete, p, auth); resp.StatusCode != 405 {
		t.Fatalf("DELETE: %s, want 405 as ghcr", resp.Status)
	}
}

func TestFakeRegistryReferrersAPIIsOffUnlessAsked(t *testing.T) {
	for _, on := range []bool{false, true} {
		var opts []apitest.RegistryOption
		if on {
			opts = append(opts, apitest.WithReferrersAPI())
		}
		f := newRegFixture(t, opts...)
		ref, err := f.reg.PushReferrerFor(acmeApp, f.img.Index.Digest, "application/spdx+json", "sbom")
		if err != nil {
			t.Fatal(err)
		}
		auth := f.bearer(t)
		resp, body := f.get(t, http.MethodGet, "/v2/acme/team/app/referrers/"+f.img.Index.Digest, auth)
		if on != (resp.StatusCode == 200) || on != strings.Contains(body, ref.Digest) {
			t.Fatalf("referrers API on=%v: %s %s", on, resp.Status, body)
		}
		tagSchema := "/v2/acme/team/app/manifests/" + strings.Replace(f.img.Index.Digest, ":", "-", 1)
		resp, body = f.get(t, http.MethodGet, tagSchema, auth)
		if on == (resp.StatusCode == 200) || (!on && !strings.Contains(body, ref.Digest)) {
			t.Fatalf("tag schema with the API on=%v: %s", on, resp.Status)
		}
		if resp, _ := f.get(t, http.MethodHead, tagSchema+".sig", auth); resp.StatusCode != 200 {
			t.Fatalf("cosign .sig tag: %s", resp.Status)
		}
	}
}

func TestFakeRegistryScriptsA429WithRetryAfter(t *testing.T) {
	f := newRegFixture(t)
	auth := f.bearer(t)
	f.reg.Script(apitest.RegistryRouteManifest, apitest.TooManyRequests(30))
	resp, _ := f.get(t, http.MethodGet, "/v2/acme/team/app/manifests/v1", auth)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "30" {
		t.Fatalf("scripted fault: %s %v", resp.Status, resp.Header)
	}
	if resp, _ := f.get(t, http.MethodGet, "/v2/acme/team/app/manifests/v1", auth); resp.StatusCode != 200 {
		t.Fatalf("after the fault: %s", resp.Status)
	}
	reqs := f.reg.Requests()
	if last := reqs[len(reqs)-1]; last.Route != apitest.RegistryRouteManifest || last.Status != 200 || last.Path != "/v2/acme/team/app/manifests/v1" {
		t.Fatalf("request log: %+v", last)
	}
}

// Source (README.md, row 35): ghcr.io issues a registry token for the
// scope of its request (repository:OWNER/NAME:pull) and refuses it for any
// other repository, as the distribution token spec says: 401 with the
// challenge and error="insufficient_scope". /v2/ takes any valid token.
func TestEvidenceRegistryTokenScope(t *testing.T) {
	f := newRegFixture(t)
	seedIndex(t, f.reg, api.Package{Owner: api.Org("acme"), Type: api.PackageTypeContainer, Name: "other"}, apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64"}})
	tests := []struct {
		name, scope, path string
		status            int
		insufficient      bool
	}{
		{"its repository", "repository:acme/team/app:pull", "/v2/acme/team/app/manifests/v1", 200, false},
		{"case-insensitive", "repository:ACME/team/app:pull", "/v2/acme/team/app/manifests/v1", 200, false},
		{"several actions", "repository:acme/team/app:push,pull", "/v2/acme/team/app/manifests/v1", 200, false},
		{"another repository", "repository:acme/team/app:pull", "/v2/acme/other/manifests/v1", 401, true},
		{"push only", "repository:acme/team/app:push", "/v2/acme/team/app/manifests/v1", 401, true},
		{"no scope", "", "/v2/acme/team/app/manifests/v1", 401, true},
		{"no scope, base route", "", "/v2/", 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := f.get(t, http.MethodGet, tt.path, f.bearerFor(t, tt.scope))
			if resp.StatusCode != tt.status {
				t.Fatalf("%s %s", resp.Status, body)
			}
			ch := resp.Header.Get("Www-Authenticate")
			if tt.insufficient != strings.Contains(ch, `error="insufficient_scope"`) || tt.insufficient && !strings.Contains(ch, `scope="repository:`+strings.TrimPrefix(strings.Split(tt.path, "/manifests/")[0], "/v2/")+`:pull"`) {
				t.Errorf("challenge %q", ch)
			}
		})
	}
}
