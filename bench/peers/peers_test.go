// Package peers benchmarks this SDK against go-github in one process. It is
// a module of its own so that the SDK's module never depends on go-github.
//
//	cd bench/peers && go test -run '^$' -bench . -benchmem -count 6
package peers

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/google/go-github/v75/github"

	"github.com/ghpackages/restore/api"
)

const token = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"

func server(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.EscapedPath() != "/orgs/o/packages/container/hello%2Fhello_docker/versions/45763/restore" {
			http.Error(w, "wrong path "+r.URL.EscapedPath(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(srv.Close)
	return srv
}

func transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}

// BenchmarkPeers: one restore of hello/hello_docker version 45763 through
// raw net/http, go-github v75 and this SDK's facade (pacing off), against one
// loopback server answering 204.
func BenchmarkPeers(b *testing.B) {
	srv := server(b)
	ctx := context.Background()
	b.Run("raw-net-http", func(b *testing.B) {
		hc := &http.Client{Transport: transport()}
		defer hc.CloseIdleConnections()
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/orgs/o/packages/container/hello%2Fhello_docker/versions/45763/restore", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Accept", "application/vnd.github+json")
			req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
			req.Header.Set("User-Agent", "bench")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				b.Fatal(resp.Status)
			}
		}
	})
	b.Run("go-github-v75", func(b *testing.B) {
		hc := &http.Client{Transport: transport()}
		defer hc.CloseIdleConnections()
		g := github.NewClient(hc).WithAuthToken(token)
		g.BaseURL, _ = url.Parse(srv.URL + "/")
		b.ReportAllocs()
		for b.Loop() {
			if _, err := g.Organizations.PackageRestoreVersion(ctx, "o", "container", "hello/hello_docker", 45763); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("restore-facade", func(b *testing.B) {
		c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(token), api.WithWritePacing(0))
		if err != nil {
			b.Fatal(err)
		}
		defer c.CloseIdleConnections()
		pkg := api.Package{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: "hello/hello_docker"}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.RestoreVersion(ctx, pkg, 45763); err != nil {
				b.Fatal(err)
			}
		}
	})
}
