package api_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
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

var benchPkg = api.Package{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: "hello/hello_docker"}

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

// BenchmarkConcurrent: 64 goroutines share one client, pacing off, against a
// loopback server. Throughput is ns/op (lower is better); new-conns counts
// the TCP connections the server accepted.
func BenchmarkConcurrent(b *testing.B) {
	ctx := context.Background()
	run := func(b *testing.B, call func() error) {
		b.Helper()
		b.ReportAllocs()
		b.SetParallelism(64 / max(runtime.GOMAXPROCS(0), 1))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := call(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.Run("raw-net-http-default-transport", func(b *testing.B) {
		srv, conns := noContent(b)
		hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		defer hc.CloseIdleConnections()
		run(b, func() error { return rawRestore(ctx, hc, srv.URL) })
		b.ReportMetric(float64(conns.Load()), "new-conns")
	})
	b.Run("raw-net-http-pool-64", func(b *testing.B) {
		srv, conns := noContent(b)
		hc := &http.Client{Transport: tunedTransport()}
		defer hc.CloseIdleConnections()
		run(b, func() error { return rawRestore(ctx, hc, srv.URL) })
		b.ReportMetric(float64(conns.Load()), "new-conns")
	})
	b.Run("facade", func(b *testing.B) {
		srv, conns := noContent(b)
		c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithWritePacing(0))
		if err != nil {
			b.Fatal(err)
		}
		defer c.CloseIdleConnections()
		run(b, func() error { _, err := c.RestoreVersion(ctx, benchPkg, 45763); return err })
		b.ReportMetric(float64(conns.Load()), "new-conns")
	})
}

// BenchmarkIterate100k lists 100,000 deleted versions (1,000 pages of 100)
// from the fake and reports the peak growth of the live heap while iterating
// (sampled after a GC every 10 pages).
func BenchmarkIterate100k(b *testing.B) {
	const n = 100_000
	clock := apitest.NewClock(start)
	srv := apitest.New(b, apitest.WithClock(clock))
	srv.AddToken(apitest.Token{Value: testToken, Kind: api.TokenClassic, Scopes: []string{"read:packages", "delete:packages"}, Budget: 1 << 30})
	pkg := api.Package{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: "big"}
	for i := range n {
		seedVersion(b, srv, pkg, apitest.VersionSeed{Name: "sha256:" + strconv.Itoa(i), Tags: []string{"t" + strconv.Itoa(i)}, DeletedAt: start.Add(-time.Hour)})
	}
	c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithClock(clock))
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseIdleConnections()
	b.ReportAllocs()
	var peak uint64
	for b.Loop() {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		base := ms.HeapAlloc
		count := 0
		for _, err := range c.Versions(context.Background(), pkg, &api.ListOptions{State: api.StateDeleted}) {
			if err != nil {
				b.Fatal(err)
			}
			count++
			if count%1000 == 0 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > base {
					peak = max(peak, ms.HeapAlloc-base)
				}
			}
		}
		if count != n {
			b.Fatalf("iterated %d versions, want %d", count, n)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-growth-MiB")
}

// BenchmarkApply1000 applies a plan of 1,000 versions against the fake.
// paced: with 1s pacing on the fake clock, fake-s is the total fake time and
// budget-s is N x p + 1s. unpaced: pacing off, x-per-call is the apply's real
// time over 1,000 single restores' time measured in the same run.
func BenchmarkApply1000(b *testing.B) {
	const n = 1000
	setup := func(b *testing.B, pacing time.Duration) (*apitest.Server, *api.Client, *apitest.Clock, api.Plan) {
		b.Helper()
		clock := apitest.NewClock(start)
		srv := apitest.New(b, apitest.WithClock(clock))
		srv.AddToken(apitest.Token{Value: testToken, Kind: api.TokenClassic, Scopes: []string{"read:packages", "write:packages"}, Budget: 1 << 30})
		p := api.Plan{Items: make([]api.PlanItem, 0, n)}
		for i := range n {
			name, deleted := "sha256:"+strconv.Itoa(i), start.Add(-time.Hour)
			id := seedVersion(b, srv, restorePkg, apitest.VersionSeed{Name: name, DeletedAt: deleted})
			// As MakePlan lists them: named, with their deletion time (an
			// item with no name is looked up after its restore, to name it).
			p.Items = append(p.Items, api.PlanItem{Package: restorePkg, ID: id, Name: name, DeletedAt: deleted})
		}
		c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithClock(clock), api.WithWritePacing(pacing))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(c.CloseIdleConnections)
		return srv, c, clock, p
	}
	b.Run("paced-1s", func(b *testing.B) {
		var fake time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			_, c, clock, p := setup(b, time.Second)
			b.StartTimer()
			began := clock.Now()
			rep, err := c.Apply(context.Background(), p, nil)
			if err != nil || rep.Restored != n {
				b.Fatalf("%+v %v", rep.Restored, err)
			}
			fake = clock.Now().Sub(began)
		}
		b.ReportMetric(fake.Seconds(), "fake-s")
		b.ReportMetric(float64(n)*1+1, "budget-s")
	})
	b.Run("unpaced", func(b *testing.B) {
		// Best of three alternating rounds each way, after a GC, so that
		// neither side pays for the other's garbage.
		var ratio float64
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			single, applied := time.Duration(1<<62), time.Duration(1<<62)
			for range 3 {
				_, c0, _, p0 := setup(b, 0)
				runtime.GC()
				t0 := time.Now()
				for _, it := range p0.Items {
					if _, err := c0.RestoreVersion(context.Background(), restorePkg, it.ID); err != nil {
						b.Fatal(err)
					}
				}
				single = min(single, time.Since(t0))
				_, c, _, p := setup(b, 0)
				runtime.GC()
				b.StartTimer()
				t1 := time.Now()
				rep, err := c.Apply(context.Background(), p, nil)
				applied = min(applied, time.Since(t1))
				b.StopTimer()
				if err != nil || rep.Restored != n {
					b.Fatalf("%+v %v", rep.Restored, err)
				}
			}
			ratio = applied.Seconds() / single.Seconds()
		}
		b.ReportMetric(ratio, "x-per-call")
	})
}
