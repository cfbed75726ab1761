package api_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// ContainerRegistryURL sends GET /packages/container-registry-url (no
// owner, under the base path) and returns the fake's answer: the registry
// started beside it, the URL it was given, or 404 as a GitHub Enterprise
// Server that does not serve the undocumented route.
func TestContainerRegistryURL(t *testing.T) {
	const ghes = "https://containers.ghes.example.com"
	for _, tc := range []struct {
		name     string
		opts     []apitest.Option
		setup    func(t *testing.T, s *apitest.Server) string // returns the URL expected, "" for 404
		wantPath string
	}{
		{"the fake registry beside it", nil, func(t *testing.T, s *apitest.Server) string { return apitest.NewRegistry(t, s).URL }, "/packages/container-registry-url"},
		{"a URL set", nil, func(t *testing.T, s *apitest.Server) string {
			apitest.NewRegistry(t, s)
			s.SetContainerRegistryURL(ghes)
			return ghes
		}, "/packages/container-registry-url"},
		{"under /api/v3", []apitest.Option{apitest.WithBasePath("/api/v3")}, func(t *testing.T, s *apitest.Server) string {
			s.SetContainerRegistryURL(ghes)
			return ghes
		}, "/api/v3/packages/container-registry-url"},
		{"no registry known", nil, func(t *testing.T, s *apitest.Server) string { return "" }, "/packages/container-registry-url"},
		{"an old GHES", []apitest.Option{apitest.WithoutContainerRegistryURL()}, func(t *testing.T, s *apitest.Server) string {
			apitest.NewRegistry(t, s)
			return ""
		}, "/packages/container-registry-url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts)
			want := tc.setup(t, e.srv)
			got, err := e.c.ContainerRegistryURL(t.Context())
			if want != "" && (err != nil || got != want) {
				t.Fatalf("ContainerRegistryURL = %q, %v; want %q", got, err, want)
			}
			if want == "" {
				var ae *api.Error
				if !errors.Is(err, api.ErrNotFound) || !errors.As(err, &ae) || ae.StatusCode != 404 || ae.Op != "packages/get-container-registry-url" || !strings.Contains(ae.Hint, "does not serve the undocumented route") {
					t.Fatalf("err = %v (%+v); want a 404 *api.Error of the route with its hint", err, ae)
				}
			}
			reqs := e.srv.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != http.MethodGet || r.RawPath != tc.wantPath || r.Op != api.OpContainerRegistryURL || r.Route != "packages/get-container-registry-url" ||
				r.Header.Get("Authorization") != "Bearer "+testToken || r.Header.Get("X-Github-Api-Version") == "" {
				t.Fatalf("request = %s %s op %v route %q, headers %v", r.Method, r.RawPath, r.Op, r.Route, r.Header)
			}
		})
	}
}

// An answer without a URL is an error, not an empty registry.
func TestContainerRegistryURLWithoutAURLIsAnError(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.Script(api.OpContainerRegistryURL, apitest.Fault{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"url":" "}`})
	if u, err := e.c.ContainerRegistryURL(t.Context()); err == nil || !strings.Contains(err.Error(), "no url") {
		t.Fatalf("ContainerRegistryURL = %q, %v; want an error", u, err)
	}
}

// The operation's id and name.
func TestContainerRegistryURLOperation(t *testing.T) {
	op := api.OpContainerRegistryURL
	for _, k := range []api.OwnerKind{"", api.OwnerOrg, api.OwnerUser, api.OwnerMe} {
		if got := op.ID(k); got != "packages/get-container-registry-url" {
			t.Errorf("ID(%q) = %q", k, got)
		}
	}
	if op.String() != "OpContainerRegistryURL" {
		t.Errorf("String() = %q", op.String())
	}
}
