package apitest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// GET /packages/container-registry-url answers {"url": …}: the first fake
// registry started beside the server, or the URL set; 404 when none is
// known or WithoutContainerRegistryURL makes the server an old GHES. Every
// answer is validated against the overlaid description (New fails the test
// on a violation), and the route needs a token like every other.
func TestContainerRegistryURLRoute(t *testing.T) {
	const set = "https://containers.ghes.example.com"
	for _, tc := range []struct {
		name  string
		opts  []apitest.Option
		setup func(t *testing.T, s *apitest.Server) string // the URL expected, "" for 404
	}{
		{"no registry", nil, func(*testing.T, *apitest.Server) string { return "" }},
		{"the first registry started", nil, func(t *testing.T, s *apitest.Server) string {
			first := apitest.NewRegistry(t, s)
			apitest.NewRegistry(t, s)
			return first.URL
		}},
		{"a URL set wins over a registry started later", nil, func(t *testing.T, s *apitest.Server) string {
			s.SetContainerRegistryURL(set)
			apitest.NewRegistry(t, s)
			return set
		}},
		{"set to nothing", nil, func(t *testing.T, s *apitest.Server) string {
			apitest.NewRegistry(t, s)
			s.SetContainerRegistryURL("")
			return ""
		}},
		{"an old GHES", []apitest.Option{apitest.WithoutContainerRegistryURL()}, func(t *testing.T, s *apitest.Server) string {
			apitest.NewRegistry(t, s)
			s.SetContainerRegistryURL(set)
			return ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t, tc.opts...)
			want := tc.setup(t, f.srv)
			a := f.do(t, http.MethodGet, "/packages/container-registry-url", tok)
			if want == "" {
				if a.status != http.StatusNotFound || a.message(t) != "Not Found" {
					t.Fatalf("answer %d %s, want 404 Not Found", a.status, a.body)
				}
			} else {
				var got struct{ URL string }
				if a.status != http.StatusOK || json.Unmarshal([]byte(a.body), &got) != nil || got.URL != want {
					t.Fatalf("answer %d %s, want the url %s", a.status, a.body, want)
				}
			}
			if a := f.do(t, http.MethodGet, "/packages/container-registry-url", ""); a.status != http.StatusUnauthorized {
				t.Fatalf("without a token: %d, want 401", a.status)
			}
			reqs := f.srv.Requests()
			if len(reqs) != 2 || reqs[0].Op != api.OpContainerRegistryURL || reqs[0].Route != "packages/get-container-registry-url" {
				t.Fatalf("request log %+v", reqs)
			}
		})
	}
}
