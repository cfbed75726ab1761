package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// The gap WithWritePacing promises holds between any two writes on the wire,
// the retried attempts of one restore included.
func TestPacingCoversRetries(t *testing.T) {
	var evs events
	pacing := 2 * time.Second
	e := newEnv(t, nil, api.WithWritePacing(pacing), api.WithWaitHook(evs.hook),
		api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 5, MaxWait: time.Minute, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	id1 := e.deletedVersion(t, restorePkg, "sha256:1", nil, time.Hour)
	id2 := e.deletedVersion(t, restorePkg, "sha256:2", nil, time.Hour)
	e.srv.Script(api.OpRestoreVersion, apitest.BadGateway, apitest.ServiceUnavailable)
	for _, id := range []int64{id1, id2} {
		if out, err := e.c.RestoreVersion(context.Background(), restorePkg, id); err != nil || out != api.OutcomeRestored {
			t.Fatalf("RestoreVersion(%d) = %q, %v", id, out, err)
		}
	}
	var at []time.Time
	for _, r := range e.srv.Requests() {
		if r.Method == http.MethodPost {
			at = append(at, r.At)
		}
	}
	if len(at) != 4 {
		t.Fatalf("%d writes, want 4 (3 attempts, then 1)", len(at))
	}
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < pacing {
			t.Errorf("writes %d and %d are %v apart, want at least %v", i, i+1, gap, pacing)
		}
	}
	if p := evs.of(api.ReasonPacing); len(p) != 3 || p[0].Attempt != 2 || p[0].Wait <= 0 || p[0].Method != http.MethodPost {
		t.Errorf("pacing events = %+v", p)
	}
}

// Reads run under a budget: never more than inFlight at once, and never
// more than perMinute started in any minute of the client's clock.
func TestReadBudget(t *testing.T) {
	t.Run("per minute", func(t *testing.T) {
		// In a synctest bubble, time moves only when every goroutine waits:
		// the times the transport records are the times the reads left the
		// client. (On a shared fake clock, a read admitted in one minute
		// could be stamped in the next by another reader's wait.)
		synctest.Test(t, func(t *testing.T) {
			begin := time.Now()
			var mu sync.Mutex
			var at []time.Time
			rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				mu.Lock()
				at = append(at, time.Now())
				mu.Unlock()
				return versionResponse(r), nil
			})
			var evs events
			c, err := api.New(api.WithBaseURL("https://api.github.com"), api.WithToken(testToken), api.WithTransport(rt), api.WithReadBudget(3, 10), api.WithWaitHook(evs.hook))
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for range 5 {
				wg.Go(func() {
					for range 6 {
						if _, err := c.GetVersion(context.Background(), npmPkg, 1); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			if len(at) != 30 {
				t.Fatalf("%d reads, want 30", len(at))
			}
			for i := range at {
				n := 0
				for _, t2 := range at {
					if !t2.Before(at[i]) && t2.Sub(at[i]) < time.Minute {
						n++
					}
				}
				if n > 10 {
					t.Fatalf("%d reads in the minute from %v, budget 10", n, at[i])
				}
			}
			if got := at[len(at)-1].Sub(begin); got < 2*time.Minute {
				t.Errorf("30 reads took %v of fake time, want at least 2 minutes", got)
			}
			if b := evs.of(api.ReasonReadBudget); len(b) == 0 || b[0].Wait <= 0 || b[0].Method != http.MethodGet {
				t.Errorf("budget events = %+v", b)
			}
		})
	})
	t.Run("in flight", func(t *testing.T) {
		// In a synctest bubble, synctest.Wait returns once every goroutine is
		// blocked: the reads the budget admitted wait in the transport, the
		// others in the budget. No real time passes.
		synctest.Test(t, func(t *testing.T) {
			var inFlight, peak atomic.Int32
			release := make(chan struct{})
			rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				n := inFlight.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				<-release
				inFlight.Add(-1)
				return versionResponse(r), nil
			})
			c, err := api.New(api.WithBaseURL("https://api.github.com"), api.WithToken(testToken), api.WithTransport(rt), api.WithReadBudget(3, 900))
			if err != nil {
				t.Fatal(err)
			}
			wg := getVersions(t, c, 8)
			synctest.Wait()
			if n := inFlight.Load(); n != 3 {
				t.Errorf("%d reads in flight while the first ones are held, want 3", n)
			}
			close(release)
			wg.Wait()
			if p := peak.Load(); p != 3 {
				t.Errorf("peak %d reads in flight, want 3", p)
			}
		})
	})
	t.Run("lifted with WithoutReadBudget", func(t *testing.T) {
		// Issue 17, item 11: a GHES whose rate limits are off. More reads
		// in flight than the default budget's 4, and more in a minute than
		// its 600, without a wait.
		synctest.Test(t, func(t *testing.T) {
			clock := apitest.NewClock(start)
			var inFlight atomic.Int32
			var held atomic.Bool
			held.Store(true)
			release := make(chan struct{})
			rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				if held.Load() {
					inFlight.Add(1)
					<-release
				}
				return versionResponse(r), nil
			})
			var evs events
			c, err := api.New(api.WithBaseURL("https://ghes.example.com"), api.WithToken(testToken), api.WithTransport(rt),
				api.WithClock(clock), api.WithWaitHook(evs.hook), api.WithoutReadBudget())
			if err != nil {
				t.Fatal(err)
			}
			wg := getVersions(t, c, 8)
			synctest.Wait()
			if n := inFlight.Load(); n != 8 {
				t.Errorf("%d reads in flight, want all 8", n)
			}
			held.Store(false)
			close(release)
			wg.Wait()
			for range api.DefaultReadsPerMinute + 100 {
				if _, err := c.GetVersion(context.Background(), npmPkg, 1); err != nil {
					t.Fatal(err)
				}
			}
			if b := evs.of(api.ReasonReadBudget); len(b) != 0 || !clock.Now().Equal(start) {
				t.Errorf("budget waits %+v, clock moved %v: want none", b, clock.Now().Sub(start))
			}
		})
	})
	t.Run("writes are not counted", func(t *testing.T) {
		e := newEnv(t, nil, api.WithReadBudget(1, 1), api.WithWritePacing(0))
		id := e.deletedVersion(t, restorePkg, "sha256:1", nil, time.Hour)
		id2 := e.deletedVersion(t, restorePkg, "sha256:2", nil, time.Hour)
		before := e.clock.Now()
		for _, id := range []int64{id, id2} {
			if _, err := e.c.RestoreVersion(context.Background(), restorePkg, id); err != nil {
				t.Fatal(err)
			}
		}
		if waited := e.clock.Now().Sub(before); waited != 0 {
			t.Errorf("writes waited %v for the read budget", waited)
		}
	})
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

// RoundTrip calls f.
func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// endless is a body of n bytes that allocates nothing.
type endless struct{ left int64 }

func (e *endless) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), e.left)
	for i := range p[:n] {
		p[i] = ' '
	}
	e.left -= n
	return int(n), nil
}

func (e *endless) Close() error { return nil }

// Issue 17, item 10: a 500 MB success body under the 32 MiB bound
// allocated 177 MiB. The call fails as soon as the bound is passed, and
// allocates within twice the bound, whether the length is declared or not.
func TestHugeAnswerAllocatesWithinTwiceTheBound(t *testing.T) {
	const huge = 500 << 20
	const bound = 32 << 20
	for _, declared := range []int64{huge, -1} {
		t.Run(fmt.Sprintf("Content-Length %d", declared), func(t *testing.T) {
			var body *endless
			rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				body = &endless{left: huge}
				return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
					ContentLength: declared, Body: body, Request: r}, nil
			})
			c, err := api.New(api.WithBaseURL("https://api.github.com"), api.WithToken(testToken), api.WithTransport(rt))
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err = c.GetVersion(context.Background(), npmPkg, 1)
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("larger than %d bytes", bound)) {
				t.Fatalf("err = %v, want the answer too large", err)
			}
			got := after.TotalAlloc - before.TotalAlloc
			t.Logf("allocated %.1f MiB for a %d MiB answer (bound %d MiB)", float64(got)/(1<<20), huge>>20, bound>>20)
			if got > 2*bound {
				t.Errorf("allocated %d MiB for a %d MiB answer, want at most %d MiB", got>>20, huge>>20, 2*bound>>20)
			}
			if read := huge - body.left; read > bound+(1<<20) {
				t.Errorf("read %d MiB of the answer, want to stop soon after %d MiB", read>>20, bound>>20)
			}
		})
	}
}

// versionResponse is GitHub's 200 answer to r, a version's GET.
func versionResponse(r *http.Request) *http.Response {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(versionJSON)), Request: r}
}

// getVersions starts n concurrent GetVersion calls of npmPkg through c;
// the group's Wait waits for them to end.
func getVersions(t *testing.T, c *api.Client, n int) *sync.WaitGroup {
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if _, err := c.GetVersion(context.Background(), npmPkg, 1); err != nil {
				t.Error(err)
			}
		})
	}
	return &wg
}
