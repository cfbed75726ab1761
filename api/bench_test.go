package api_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/gen"
)

// noContent is a loopback server answering 204, counting new connections.
func noContent(b *testing.B) (*httptest.Server, *atomic.Int64) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	b.Cleanup(srv.Close)
	return srv, &conns
}

const benchPath = "/orgs/o/packages/container/hello%2Fhello_docker/versions/45763/restore"

var benchPkg = api.Package{Org: "o", Type: api.PackageTypeContainer, Name: "hello/hello_docker"}

// rawRestore is the baseline: a hand-written net/http POST with GitHub's four
// headers, as a careful script would send it.
func rawRestore(ctx context.Context, hc *http.Client, base string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+benchPath, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("User-Agent", "bench")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return io.ErrUnexpectedEOF
	}
	return nil
}

func tunedTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}

// BenchmarkRestore compares one restore through the full facade with the
// raw net/http baseline and the bare generated client, in one process
// against one loopback server (allocations include the server's).
func BenchmarkRestore(b *testing.B) {
	srv, _ := noContent(b)
	ctx := context.Background()
	b.Run("raw-net-http", func(b *testing.B) {
		hc := &http.Client{Transport: tunedTransport()}
		defer hc.CloseIdleConnections()
		b.ReportAllocs()
		for b.Loop() {
			if err := rawRestore(ctx, hc, srv.URL); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare-generated-client", func(b *testing.B) {
		hc := &http.Client{Transport: tunedTransport()}
		defer hc.CloseIdleConnections()
		g, err := gen.NewClient(srv.URL, gen.WithHTTPClient(hc), gen.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+testToken)
			req.Header.Set("Accept", "application/vnd.github+json")
			req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
			req.Header.Set("User-Agent", "bench")
			return nil
		}))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			resp, err := g.PackagesRestorePackageVersionForOrg(ctx, "o", gen.PackageTypeContainer, "hello/hello_docker", 45763)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	b.Run("facade", func(b *testing.B) {
		c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithWritePacing(0))
		if err != nil {
			b.Fatal(err)
		}
		defer c.CloseIdleConnections()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.RestoreVersion(ctx, benchPkg, 45763); err != nil {
				b.Fatal(err)
			}
		}
	})
}
