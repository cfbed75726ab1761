package apitest_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// gateClock is a server clock whose Sleep (the simulated round trip) blocks
// until the test opens the gate, so that requests pile up in flight without
// any real wait.
type gateClock struct {
	*apitest.Clock
	entered chan struct{}
	gate    chan struct{}
}

func (g *gateClock) Sleep(ctx context.Context, d time.Duration) error {
	g.entered <- struct{}{}
	select {
	case <-g.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	return g.Clock.Sleep(ctx, d)
}

// MaxInFlight counts the requests held in the simulated round trip at once.
func TestMaxInFlight(t *testing.T) {
	const n = 5
	g := &gateClock{Clock: apitest.NewClock(t0), entered: make(chan struct{}), gate: make(chan struct{})}
	f := setup(t, apitest.WithClock(g), apitest.WithRoundTrip(100*time.Millisecond))
	seedVersion(t, f.srv, orgLib, apitest.VersionSeed{Name: "1.0.0"})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if a := f.do(t, "GET", "/orgs/octo-org/packages/npm/lib/versions", tok); a.status != 200 {
				t.Errorf("status %d", a.status)
			}
		})
	}
	for range n {
		<-g.entered
	}
	if got := f.srv.MaxInFlight(); got != n {
		t.Errorf("MaxInFlight = %d with %d held, want %d", got, n, n)
	}
	close(g.gate)
	wg.Wait()
	if got := g.Slept(); got != n*100*time.Millisecond {
		t.Errorf("the fake clock moved %v, want %v", got, n*100*time.Millisecond)
	}
	f.srv.ResetLoad()
	if got := f.srv.MaxInFlight(); got != 0 {
		t.Errorf("after ResetLoad: %d", got)
	}
}

// With a fake clock the simulated round trip costs no real time: it moves
// the clock, and arrivals are logged before it.
func TestRoundTripOnTheFakeClock(t *testing.T) {
	f := setup(t, apitest.WithRoundTrip(100*time.Millisecond))
	seedVersion(t, f.srv, orgLib, apitest.VersionSeed{Name: "1.0.0"})
	for range 3 {
		f.do(t, "GET", "/orgs/octo-org/packages/npm/lib/versions", tok)
	}
	if got := f.clock.Sleeps(); len(got) != 3 || got[0] != 100*time.Millisecond {
		t.Errorf("sleeps = %v", got)
	}
	log := f.srv.Requests()
	if len(log) != 3 || !log[0].At.Equal(t0) || !log[2].At.Equal(t0.Add(200*time.Millisecond)) {
		t.Errorf("arrivals = %v, %v", log[0].At, log[len(log)-1].At)
	}
}

// PeakRate finds the busiest window per operation over the request log.
func TestPeakRate(t *testing.T) {
	f := setup(t)
	seedVersion(t, f.srv, orgLib, apitest.VersionSeed{Name: "1.0.0"})
	list := func(k int) {
		for range k {
			f.do(t, "GET", "/orgs/octo-org/packages/npm/lib/versions", tok)
		}
	}
	list(3)                            // t0
	f.clock.Advance(50 * time.Second)  // t0+50s
	list(4)                            //
	f.clock.Advance(20 * time.Second)  // t0+70s: the first 3 are out of the minute
	list(2)                            //
	f.do(t, "GET", "/rate_limit", tok) // another operation
	f.clock.Advance(2 * time.Minute)   //
	f.do(t, "POST", "/orgs/octo-org/packages/npm/lib/restore", tok)
	tests := []struct {
		op     api.Operation
		window time.Duration
		want   int
	}{
		{api.OpListVersions, time.Minute, 7},
		{api.OpListVersions, time.Second, 4},
		{api.OpListVersions, time.Hour, 9},
		{api.OpRateLimit, time.Minute, 1},
		{api.OpRestorePackage, time.Minute, 1},
		{0, time.Minute, 7},
		{0, time.Hour, 11},
	}
	for _, tt := range tests {
		if got := f.srv.PeakRate(tt.op, tt.window); got != tt.want {
			t.Errorf("PeakRate(%v, %v) = %d, want %d", tt.op, tt.window, got, tt.want)
		}
	}
}

// Source: GitHub's REST docs on rate limits (README.md, row 26): more than
// 100 concurrent requests, or more than 900 points a minute on one endpoint
// (a GET costs 1, a POST 5), trigger the secondary limit.
func TestSecondaryLimitRules(t *testing.T) {
	t.Run("points per minute per operation", func(t *testing.T) {
		f := setup(t, apitest.WithPointsPerMinute(10))
		id := seedVersion(t, f.srv, orgLib, apitest.VersionSeed{Name: "1.0.0", DeletedAt: t0.Add(-time.Hour)})
		list := "/orgs/octo-org/packages/npm/lib/versions"
		restore := fmt.Sprintf("%s/%d/restore", list, id)
		var got []int
		for range 11 {
			got = append(got, f.do(t, "GET", list, tok).status)
		}
		got = append(got, f.do(t, "POST", restore, tok).status, f.do(t, "POST", restore, tok).status, f.do(t, "POST", restore, tok).status)
		f.clock.Advance(time.Minute)
		got = append(got, f.do(t, "GET", list, tok).status)
		want := "200,200,200,200,200,200,200,200,200,200,403,204,400,403,200"
		if s := fmt.Sprint(got); strings.ReplaceAll(strings.Trim(s, "[]"), " ", ",") != want {
			t.Errorf("statuses = %v, want %s", got, want)
		}
	})
	t.Run("more than 100 in flight", func(t *testing.T) {
		const n = 101
		g := &gateClock{Clock: apitest.NewClock(t0), entered: make(chan struct{}), gate: make(chan struct{})}
		f := setup(t, apitest.WithClock(g), apitest.WithRoundTrip(time.Millisecond))
		statuses := make(chan int, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() { statuses <- f.do(t, "GET", "/rate_limit", tok).status })
		}
		for range n {
			<-g.entered
		}
		close(g.gate)
		wg.Wait()
		close(statuses)
		limited := 0
		for s := range statuses {
			if s == 403 {
				limited++
			}
		}
		if limited != 1 || f.srv.MaxInFlight() != n {
			t.Errorf("%d of %d answered 403 (max in flight %d), want the one beyond 100", limited, n, f.srv.MaxInFlight())
		}
	})
}
