package api_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// Each attempt ends by a time bound, on the client's clock: a server that
// stalls the body after the headers, or never answers, does not hang the
// call; a read is retried, and so is a restore (whose outcome then counts
// as uncertain).
func TestAttemptTimeoutEndsStalls(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration // 0: the default
		stall   http.HandlerFunc
		restore bool
	}{
		{"body stalls after the headers", 0, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(200)
			fmt.Fprint(w, `{"id":1,`)
			w.(http.Flusher).Flush()
		}, false},
		{"no answer at all", 5 * time.Second, func(http.ResponseWriter, *http.Request) {}, false},
		{"restore: no answer at all", 0, func(http.ResponseWriter, *http.Request) {}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &timerClock{now: start}
			stalled := make(chan struct{}, 1)
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					tt.stall(w, r)
					stalled <- struct{}{}
					<-r.Context().Done() // until the client gives up
					return
				}
				if tt.restore {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				fmt.Fprint(w, versionJSON)
			}))
			defer srv.Close()
			var evs events
			opts := []api.Option{api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithClock(clock), api.WithWaitHook(evs.hook)}
			want := api.DefaultAttemptTimeout
			if tt.timeout > 0 {
				want = tt.timeout
				opts = append(opts, api.WithAttemptTimeout(tt.timeout))
			}
			c, err := api.New(opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			go func() {
				<-stalled
				clock.Advance(want) // the bound passes, in fake time
			}()
			if tt.restore {
				out, err := c.RestoreVersion(context.Background(), npmPkg, 1)
				if err != nil || out != api.OutcomeRestored {
					t.Fatalf("RestoreVersion = %q, %v", out, err)
				}
			} else if v, err := c.GetVersion(context.Background(), npmPkg, 1); err != nil || v.ID != 1 {
				t.Fatalf("GetVersion = %+v, %v", v, err)
			}
			if n.Load() != 2 {
				t.Errorf("%d requests, want 2", n.Load())
			}
			to := evs.of(api.ReasonTimeout)
			if len(to) != 1 || to[0].Attempt != 2 || !errors.Is(to[0].Err, api.ErrAttemptTimeout) || to[0].Wait <= 0 {
				t.Errorf("timeout events = %+v (all: %v)", to, evs.reasons())
			}
		})
	}
}

// Without retries the timeout is the call's error: typed, and a net.Error
// whose Timeout is true.
func TestAttemptTimeoutError(t *testing.T) {
	clock := &timerClock{now: start}
	stalled := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stalled <- struct{}{}
		<-r.Context().Done()
	}))
	defer srv.Close()
	c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithClock(clock), api.WithoutRetry(), api.WithAttemptTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	go func() {
		<-stalled
		clock.Advance(time.Minute)
	}()
	_, err = c.GetVersion(context.Background(), npmPkg, 1)
	var ne net.Error
	if !errors.Is(err, api.ErrAttemptTimeout) || !errors.As(err, &ne) || !ne.Timeout() || !strings.Contains(err.Error(), "1m0s") {
		t.Fatalf("err = %v, want ErrAttemptTimeout", err)
	}
}

// Retry-After and x-ratelimit-reset beyond any sane bound mean "longer than
// MaxWait": the typed error at once, never "retry now", and the gate stays
// closed.
func TestAbsurdWaitsAreTooLongNotNow(t *testing.T) {
	seconds := []string{"10000000000", "9223372036854775807", "9223372036854775808", "99999999999999999999999999999999"}
	// x-ratelimit-reset is epoch seconds only; Retry-After may also be a date.
	values := map[string][]string{
		"Retry-After":       append(slices.Clone(seconds), "Fri, 31 Dec 9999 23:59:59 GMT"),
		"X-Ratelimit-Reset": seconds,
	}
	for _, header := range []string{"Retry-After", "X-Ratelimit-Reset"} {
		for _, v := range values[header] {
			t.Run(header+"="+v, func(t *testing.T) {
				rc := &answerer{handlers: []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set(header, v)
					if header == "X-Ratelimit-Reset" {
						w.Header().Set("X-Ratelimit-Remaining", "0")
						w.WriteHeader(http.StatusForbidden)
						fmt.Fprint(w, `{"message":"API rate limit exceeded for user ID 1."}`)
						return
					}
					w.WriteHeader(http.StatusTooManyRequests)
					fmt.Fprint(w, `{"message":"You have exceeded a secondary rate limit."}`)
				}}}
				srv := httptest.NewServer(rc)
				defer srv.Close()
				clock := apitest.NewClock(start)
				c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithClock(clock))
				if err != nil {
					t.Fatal(err)
				}
				defer c.CloseIdleConnections()
				_, err = c.GetVersion(context.Background(), npmPkg, 1)
				var rl *api.RateLimitError
				if !errors.As(err, &rl) || rl.Local {
					t.Fatalf("err = %v, want a RateLimitError from GitHub", err)
				}
				if wait := rl.RetryAt.Sub(start); wait <= api.DefaultRetryPolicy().MaxWait {
					t.Errorf("RetryAt = %v: a wait of %v", rl.RetryAt, wait)
				}
				if clock.Slept() != 0 || len(rc.requests()) != 1 {
					t.Errorf("slept %v, sent %d; want no wait and one request", clock.Slept(), len(rc.requests()))
				}
				if header == "X-Ratelimit-Reset" {
					_, err = c.GetVersion(context.Background(), npmPkg, 1)
					if !errors.As(err, &rl) || !rl.Local || len(rc.requests()) != 1 {
						t.Errorf("second call: %v after %d requests; want refused locally (the gate stays closed)", err, len(rc.requests()))
					}
				}
			})
		}
	}
}
