package image_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
)

// discoveryHost is a GitHub API host in memory: it answers GET
// /packages/container-registry-url with answer ("" for GitHub's 404) and
// records every request's host and path, so that a test sees that nothing
// else is sent anywhere.
type discoveryHost struct {
	answer string
	mu     sync.Mutex
	sent   []string
}

func (d *discoveryHost) RoundTrip(req *http.Request) (*http.Response, error) {
	d.mu.Lock()
	d.sent = append(d.sent, req.Method+" "+req.URL.Host+req.URL.EscapedPath())
	d.mu.Unlock()
	status, body := http.StatusNotFound, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}`
	if d.answer != "" && strings.HasSuffix(req.URL.Path, "/packages/container-registry-url") {
		status, body = http.StatusOK, `{"url":"`+d.answer+`"}`
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
}

// The registry of a GitHub host: the API's answer when it gives one, else
// GitHub's host rules; for a host the rules do not know, a typed error and
// nothing sent anywhere but the one question to the API.
func TestDiscoverRegistry(t *testing.T) {
	for _, tc := range []struct {
		base, answer string
		want         string // "" for ErrRegistryUnknown
		wantPath     string
	}{
		{"https://api.github.com", "", "ghcr.io", "api.github.com/packages/container-registry-url"},
		{"https://api.octo.ghe.com", "", "containers.octo.ghe.com", "api.octo.ghe.com/packages/container-registry-url"},
		{"https://ghes.example.com/api/v3", "", "containers.ghes.example.com", "ghes.example.com/api/v3/packages/container-registry-url"},
		{"https://ghes.example.com/api/v3", "https://registry.ghes.example.com/", "registry.ghes.example.com", "ghes.example.com/api/v3/packages/container-registry-url"},
		{"https://api.github.com", "https://containers.example.com:8443", "containers.example.com:8443", "api.github.com/packages/container-registry-url"},
		{"https://gh.example.com", "", "containers.gh.example.com", "gh.example.com/api/v3/packages/container-registry-url"},
		{"https://gh.example.com/github/api", "", "", "gh.example.com/github/api/packages/container-registry-url"},
		{"https://ghes.localhost/api/v3", "", "", "ghes.localhost/api/v3/packages/container-registry-url"},
		{"https://10.0.0.7/api/v3", "", "", "10.0.0.7/api/v3/packages/container-registry-url"},
		{"https://ghes.example.com/api/v3", "http://registry.example.com", "", "ghes.example.com/api/v3/packages/container-registry-url"},
		{"https://ghes.example.com/api/v3", "ftp://registry.example.com", "", "ghes.example.com/api/v3/packages/container-registry-url"},
	} {
		t.Run(tc.base+" "+tc.answer, func(t *testing.T) {
			host := &discoveryHost{answer: tc.answer}
			c, err := api.New(api.WithBaseURL(tc.base), api.WithToken(testToken), api.WithTransport(host), api.WithoutRetry())
			if err != nil {
				t.Fatal(err)
			}
			got, err := image.DiscoverRegistry(ctx(t), c)
			if tc.want != "" && (err != nil || got != tc.want) {
				t.Fatalf("DiscoverRegistry = %q, %v; want %q", got, err, tc.want)
			}
			var ue *image.RegistryUnknownError
			if tc.want == "" && (!errors.Is(err, image.ErrRegistryUnknown) || !errors.As(err, &ue) || ue.APIURL != c.BaseURL() || !strings.Contains(err.Error(), "give the registry explicitly")) {
				t.Fatalf("DiscoverRegistry = %q, %v; want a *RegistryUnknownError", got, err)
			}
			if len(host.sent) != 1 || host.sent[0] != "GET "+tc.wantPath {
				t.Fatalf("sent %v, want only GET %s", host.sent, tc.wantPath)
			}
		})
	}
}

// Against the fake GitHub on a loopback host: the route's answer (the fake
// registry beside it) is the registry, and plans work through it; without
// the route, the error says to give the registry, and the fake saw one
// request and the registry none (never containers.127.0.0.1).
func TestDiscoverRegistryOnLoopback(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []apitest.Option
		served bool
	}{
		{"the route answers", nil, true},
		{"no route", []apitest.Option{apitest.WithoutContainerRegistryURL()}, false},
		{"no route under /api/v3", []apitest.Option{apitest.WithoutContainerRegistryURL(), apitest.WithBasePath("/api/v3")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := apitest.NewClock(start)
			gh := apitest.New(t, append([]apitest.Option{apitest.WithClock(clock)}, tc.opts...)...)
			gh.AddOrg("acme")
			gh.AddToken(apitest.Token{Value: testToken, Scopes: []string{"read:packages", "write:packages", "delete:packages"}})
			reg := apitest.NewRegistry(t, gh)
			seedIndex(t, reg, app, apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64"}})
			c, err := api.New(api.WithBaseURL(gh.URL), api.WithToken(testToken), api.WithClock(clock))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.CloseIdleConnections)
			got, err := image.DiscoverRegistry(ctx(t), c)
			if reqs := gh.Requests(); len(reqs) != 1 || reqs[0].Op != api.OpContainerRegistryURL {
				t.Fatalf("the API saw %d requests, want the one question", len(reqs))
			}
			if !tc.served {
				if !errors.Is(err, image.ErrRegistryUnknown) || got != "" {
					t.Fatalf("DiscoverRegistry = %q, %v; want ErrRegistryUnknown", got, err)
				}
				if n := len(reg.Requests()); n != 0 {
					t.Fatalf("the registry saw %d requests", n)
				}
				return
			}
			if err != nil || got != reg.URL {
				t.Fatalf("DiscoverRegistry = %q, %v; want %q", got, err, reg.URL)
			}
			rc, err := image.NewRegistry(image.WithRegistry(got), image.WithToken(testToken), image.WithClock(clock))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(rc.CloseIdleConnections)
			r, err := image.NewRestorer(c, rc, app, nil)
			if err != nil {
				t.Fatal(err)
			}
			if plan, err := r.Plan(ctx(t), "v1"); err != nil || !plan.Whole() {
				t.Fatalf("plan through the discovered registry: %v, whole %v", err, plan.Whole())
			}
		})
	}
}
