package api_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// A sweep's concurrent reads stay within the client's read budget, measured
// at the fake on the shared fake clock, which only the budget's waits move.
// (A simulated round trip would move it too, under reads in transit, which
// no real network does.) BenchmarkSweep50Packages3Pages measures the same
// with a round trip on the wall clock.
func TestMakeSweepPlanStaysWithinTheReadBudget(t *testing.T) {
	const inFlight, perMinute = 3, 12
	var budgetWaits atomic.Int32
	e := newSweepEnv(t, allScopes, nil, api.WithReadBudget(inFlight, perMinute), api.WithWaitHook(func(ev api.WaitEvent) {
		if ev.Reason == api.ReasonReadBudget {
			budgetWaits.Add(1)
		}
	}))
	want := seedCleanup(t, e.srv, api.Org("o"), 30, []int{2, 5, 9, 13, 17, 22, 28})
	e.srv.ResetRequests()
	e.srv.ResetLoad()
	plan, err := e.c.MakeSweepPlan(context.Background(), api.Sweep{Owner: api.Org("o"), Type: api.PackageTypeContainer, DeletedSince: runStart, DeletedUntil: runEnd, Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(refsOf(plan), want) {
		t.Errorf("items %v, want %v", refsOf(plan), want)
	}
	if got := len(e.srv.Requests()); got != 31 {
		t.Errorf("%d reads, want 31", got)
	}
	if peak := e.srv.PeakRate(0, time.Minute); peak > perMinute {
		t.Errorf("%d reads arrived within a minute, budget %d", peak, perMinute)
	}
	if most := e.srv.MaxInFlight(); most > inFlight {
		t.Errorf("%d reads in flight at the fake, budget %d", most, inFlight)
	}
	if budgetWaits.Load() == 0 {
		t.Error("31 reads under a budget of 12 a minute never waited for it")
	}
}

// BenchmarkSweep50Packages3Pages sweeps 50 packages, each with 250 versions
// deleted in the window (3 pages of 100), behind a simulated 100 ms round
// trip on the wall clock (apitest.WithRoundTrip), twice in the same
// process: reading one package at a time (Concurrency 1, the serial
// baseline) and with the defaults (DefaultReadsInFlight packages at once,
// under the default read budget). It reports the ratio of the wall times,
// which must be at most 0.4, and, measured at the fake during the
// concurrent sweep, the most reads in flight and the most reads that
// arrived within a minute, which must stay within the read budget
// (DefaultReadsInFlight, DefaultReadsPerMinute).
func BenchmarkSweep50Packages3Pages(b *testing.B) {
	const packages, deleted, rtt = 50, 250, 100 * time.Millisecond
	srv := apitest.New(b, apitest.WithRoundTrip(rtt))
	srv.AddOrg("o")
	srv.AddToken(apitest.Token{Value: testToken, Kind: api.TokenClassic, Scopes: allScopes})
	now := time.Now().Truncate(time.Second) // GitHub's times have whole seconds
	since, until := now.Add(-3*time.Hour), now.Add(-2*time.Hour)
	for i := range packages {
		vs := make([]apitest.VersionSeed, 0, deleted+1)
		vs = append(vs, apitest.VersionSeed{Name: digest(i*1000 + 999), CreatedAt: now.Add(-10 * 24 * time.Hour)})
		for k := range deleted {
			vs = append(vs, apitest.VersionSeed{Name: digest(i*1000 + k), CreatedAt: now.Add(-10 * 24 * time.Hour),
				DeletedAt: since.Add(time.Duration(k) * time.Second)})
		}
		seedPackage(b, srv, api.Package{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: fmt.Sprintf("app-%02d", i)}, apitest.PackageSeed{Versions: vs})
	}
	c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.CloseIdleConnections)
	sweep := func(concurrency int) (took time.Duration, inFlight, perMinute int) {
		srv.ResetRequests()
		srv.ResetLoad()
		began := time.Now()
		plan, err := c.MakeSweepPlan(context.Background(), api.Sweep{Owner: api.Org("o"), Type: api.PackageTypeContainer,
			DeletedSince: since, DeletedUntil: until, Concurrency: concurrency})
		took = time.Since(began)
		if err != nil || len(plan.Items) != packages*deleted {
			b.Fatalf("sweep: %d items, %v", len(plan.Items), err)
		}
		if reads := len(srv.Requests()); reads != 1+packages*3 {
			b.Fatalf("%d reads, want %d (one package listing, 3 pages per package)", reads, 1+packages*3)
		}
		return took, srv.MaxInFlight(), srv.PeakRate(0, time.Minute)
	}
	var ratio float64
	var serial, concurrent time.Duration
	var inFlight, perMinute int
	for b.Loop() {
		serial, _, _ = sweep(1)
		concurrent, inFlight, perMinute = sweep(0)
		ratio = concurrent.Seconds() / serial.Seconds()
		if inFlight > api.DefaultReadsInFlight {
			b.Fatalf("%d reads in flight at the fake, budget %d", inFlight, api.DefaultReadsInFlight)
		}
		if perMinute > api.DefaultReadsPerMinute {
			b.Fatalf("%d reads within a minute at the fake, budget %d", perMinute, api.DefaultReadsPerMinute)
		}
		if ratio > 0.4 {
			b.Errorf("concurrent/serial = %.2f (%s / %s), want at most 0.4", ratio, concurrent, serial)
		}
	}
	b.ReportMetric(ratio, "wall/serial")
	b.ReportMetric(serial.Seconds(), "serial-s")
	b.ReportMetric(concurrent.Seconds(), "concurrent-s")
	b.ReportMetric(float64(inFlight), "max-in-flight")
	b.ReportMetric(float64(perMinute), "peak-reads/min")
}
