package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// timerClock is a fake api.TimerClock: Sleep advances it at once, and timers
// fire when Sleep or Advance reaches them.
type timerClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at   time.Time
	f    func()
	done bool
}

func (c *timerClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *timerClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}

func (c *timerClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(max(d, 0))
	var due []func()
	kept := c.timers[:0]
	for _, t := range c.timers {
		switch {
		case t.done:
		case !t.at.After(c.now):
			t.done = true
			due = append(due, t.f)
		default:
			kept = append(kept, t)
		}
	}
	c.timers = kept
	c.mu.Unlock()
	for _, f := range due {
		go f()
	}
}

func (c *timerClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if t.done {
			return false
		}
		t.done = true
		return true
	}
}

// events collects wait events, from any goroutine.
type events struct {
	mu  sync.Mutex
	evs []api.WaitEvent
}

func (e *events) hook(ev api.WaitEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.evs = append(e.evs, ev)
}

func (e *events) reasons() []api.WaitReason {
	e.mu.Lock()
	defer e.mu.Unlock()
	var r []api.WaitReason
	for _, ev := range e.evs {
		r = append(r, ev.Reason)
	}
	return r
}

func (e *events) of(reason api.WaitReason) []api.WaitEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	var r []api.WaitEvent
	for _, ev := range e.evs {
		if ev.Reason == reason {
			r = append(r, ev)
		}
	}
	return r
}

var npmPkg = api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "p"}

const versionJSON = `{"id":1,"name":"1.0.0","url":"u","package_html_url":"h","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`

// seen is what a test server received.
type seen struct {
	Method, Path, Auth string
}

// answerer is an httptest handler that records requests and answers with
// the handler of the request's index (the last one for the rest).
type answerer struct {
	mu       sync.Mutex
	reqs     []seen
	handlers []http.HandlerFunc
}

func (rc *answerer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	i := len(rc.reqs)
	rc.reqs = append(rc.reqs, seen{r.Method, r.URL.EscapedPath(), r.Header.Get("Authorization")})
	rc.mu.Unlock()
	rc.handlers[min(i, len(rc.handlers)-1)](w, r)
}

func (rc *answerer) requests() []seen {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.reqs)
}

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
}

func redirectTo(code int, loc func() string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Location", loc())
		w.WriteHeader(code)
	}
}

// A redirect never turns a restore's POST into a GET. GitHub's rules apply
// on the API's own origin only: 301 and 308 repeat at Location with the same
// method, 302 and 307 repeat once. Anything else is a *RedirectError, and
// the token goes nowhere else.
func TestRedirectsKeepTheMethodAndTheOrigin(t *testing.T) {
	other := &answerer{handlers: []http.HandlerFunc{status(http.StatusNoContent)}}
	otherSrv := httptest.NewServer(other)
	defer otherSrv.Close()
	var apiURL string
	same := func(path string) func() string { return func() string { return apiURL + path } }
	elsewhere := func() string { return otherSrv.URL + "/orgs/o/packages/npm/p/versions/1/restore" }
	const moved = "/moved/orgs/o/packages/npm/p/versions/1/restore"
	tests := []struct {
		name      string
		handlers  []http.HandlerFunc
		wantErr   string // "" for success
		wantSent  []string
		wantOther int
	}{
		{"301 repeats the POST at Location", []http.HandlerFunc{redirectTo(301, same(moved)), status(204)}, "", []string{"POST", "POST " + moved}, 0},
		{"308 repeats the POST at Location", []http.HandlerFunc{redirectTo(308, same(moved)), status(204)}, "", []string{"POST", "POST " + moved}, 0},
		{"302 repeats the POST once", []http.HandlerFunc{redirectTo(302, same(moved)), status(204)}, "", []string{"POST", "POST " + moved}, 0},
		{"307 repeats the POST once", []http.HandlerFunc{redirectTo(307, same(moved)), status(204)}, "", []string{"POST", "POST " + moved}, 0},
		{"relative Location", []http.HandlerFunc{redirectTo(301, func() string { return moved }), status(204)}, "", []string{"POST", "POST " + moved}, 0},
		{"a second temporary redirect is refused", []http.HandlerFunc{redirectTo(302, same(moved)), redirectTo(307, same("/again"))}, "only once", []string{"POST", "POST " + moved}, 0},
		{"303 is refused: it would become a GET", []http.HandlerFunc{redirectTo(303, same(moved))}, "303", []string{"POST"}, 0},
		{"307 to another origin is refused", []http.HandlerFunc{redirectTo(307, elsewhere)}, "origin", []string{"POST"}, 0},
		{"301 to another origin is refused", []http.HandlerFunc{redirectTo(301, elsewhere)}, "origin", []string{"POST"}, 0},
		{"https to http on the same host is refused", []http.HandlerFunc{redirectTo(301, func() string { return strings.Replace(apiURL, "http://", "https://", 1) + moved })}, "origin", []string{"POST"}, 0},
		{"no Location", []http.HandlerFunc{status(301)}, "Location", []string{"POST"}, 0},
		{"a loop ends", []http.HandlerFunc{redirectTo(301, same(moved))}, "more than 5", []string{"POST", "POST " + moved, "POST " + moved, "POST " + moved, "POST " + moved, "POST " + moved}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := &answerer{handlers: tt.handlers}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			apiURL = srv.URL
			before := len(other.requests())
			c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithWritePacing(0), api.WithClock(apitest.NewClock(start)))
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			out, err := c.RestoreVersion(context.Background(), npmPkg, 1)
			if tt.wantErr == "" {
				if err != nil || out != api.OutcomeRestored {
					t.Fatalf("RestoreVersion = %q, %v", out, err)
				}
			} else {
				var re *api.RedirectError
				if !errors.As(err, &re) || !errors.Is(err, api.ErrRedirect) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want a *RedirectError saying %q", err, tt.wantErr)
				}
				if re.Method != http.MethodPost || re.StatusCode/100 != 3 {
					t.Errorf("RedirectError = %+v", re)
				}
				if strings.Contains(re.Location, "/orgs/") {
					t.Errorf("RedirectError.Location = %q shows the path", re.Location)
				}
			}
			var sent []string
			for i, r := range rc.requests() {
				if r.Auth != "Bearer "+testToken {
					t.Errorf("request %d to the API lacks the token", i)
				}
				if i == 0 {
					sent = append(sent, r.Method)
				} else {
					sent = append(sent, r.Method+" "+r.Path)
				}
			}
			if !slices.Equal(sent, tt.wantSent) {
				t.Errorf("sent %q, want %q", sent, tt.wantSent)
			}
			if n := len(other.requests()) - before; n != tt.wantOther {
				t.Errorf("the other origin got %d requests", n)
			}
		})
	}
}

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
			if len(to) != 1 || to[0].Attempt != 1 || !errors.Is(to[0].Err, api.ErrAttemptTimeout) || to[0].Wait <= 0 {
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
	values := []string{"10000000000", "9223372036854775807", "9223372036854775808", "99999999999999999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"}
	for _, v := range values {
		for _, header := range []string{"Retry-After", "X-Ratelimit-Reset"} {
			t.Run(header+"="+v, func(t *testing.T) {
				if header == "X-Ratelimit-Reset" && strings.Contains(v, ",") {
					t.Skip("x-ratelimit-reset is epoch seconds only")
				}
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
		clock := apitest.NewClock(start)
		var mu sync.Mutex
		var at []time.Time
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			at = append(at, clock.Now())
			mu.Unlock()
			fmt.Fprint(w, versionJSON)
		}))
		defer srv.Close()
		var evs events
		c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithClock(clock), api.WithReadBudget(1, 10), api.WithWaitHook(evs.hook))
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseIdleConnections()
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				for range 10 {
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
		if got := at[len(at)-1].Sub(start); got < 2*time.Minute {
			t.Errorf("30 reads took %v of fake time, want at least 2 minutes", got)
		}
		if b := evs.of(api.ReasonReadBudget); len(b) == 0 || b[0].Wait <= 0 || b[0].Method != http.MethodGet {
			t.Errorf("budget events = %+v", b)
		}
	})
	t.Run("in flight", func(t *testing.T) {
		var inFlight, peak atomic.Int32
		arrived := make(chan struct{}, 10)
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := inFlight.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			arrived <- struct{}{}
			<-release
			fmt.Fprint(w, versionJSON)
			inFlight.Add(-1)
		}))
		defer srv.Close()
		c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithClock(apitest.NewClock(start)), api.WithReadBudget(3, 900))
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseIdleConnections()
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if _, err := c.GetVersion(context.Background(), npmPkg, 1); err != nil {
					t.Error(err)
				}
			})
		}
		for range 3 {
			<-arrived
		}
		// Three are in flight; the budget holds the others back, whose
		// requests would otherwise have arrived by now.
		select {
		case <-arrived:
			t.Error("a fourth read went out while three were in flight")
		case <-time.After(50 * time.Millisecond):
		}
		close(release)
		wg.Wait()
		if p := peak.Load(); p != 3 {
			t.Errorf("peak %d reads in flight, want 3", p)
		}
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

// The token never appears in any text: a token source's error that quotes
// it, a server message or request id that echoes the Authorization header,
// and logs. Strings shaped like GitHub tokens in server text are masked too.
func TestTokenIsMaskedEverywhere(t *testing.T) {
	const foreign = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"
	secretLike := []string{testToken, testToken[4:], foreign[4:]}
	check := func(t *testing.T, what string, texts ...string) {
		t.Helper()
		for _, s := range texts {
			for _, secret := range secretLike {
				if strings.Contains(s, secret) {
					t.Errorf("%s shows a token: %s", what, s)
				}
			}
		}
	}
	formats := func(v any) []string {
		var out []string
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			out = append(out, fmt.Sprintf(verb, v))
		}
		return out
	}
	echo := "Bearer " + testToken + " and " + foreign
	t.Run("server text", func(t *testing.T) {
		for _, st := range []int{401, 403, 404, 429, 500} {
			var logs strings.Builder
			var evs events
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-GitHub-Request-Id", r.Header.Get("Authorization")+" "+foreign)
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(st)
				fmt.Fprintf(w, `{"message":%q,"documentation_url":%q}`, "rejected: "+echo, "https://x/"+testToken)
			}))
			c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithClock(apitest.NewClock(start)),
				api.WithWaitHook(evs.hook), api.WithLogger(newDebugLogger(&logs)),
				api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 2, MaxWait: time.Minute, BaseDelay: time.Second, MaxDelay: time.Second}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetVersion(context.Background(), npmPkg, 1)
			c.CloseIdleConnections()
			srv.Close()
			var apiErr *api.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != st {
				t.Fatalf("%d: err = %v", st, err)
			}
			if !strings.Contains(apiErr.Message, "ghs_[REDACTED]") || !strings.Contains(apiErr.Message, "[REDACTED]") {
				t.Errorf("%d: message = %q, want the tokens masked, not dropped", st, apiErr.Message)
			}
			check(t, fmt.Sprint(st, " error"), formats(err)...)
			check(t, fmt.Sprint(st, " *Error"), formats(apiErr)...)
			check(t, fmt.Sprint(st, " *Error fields"), apiErr.Message, apiErr.RequestID, apiErr.DocumentationURL)
			check(t, fmt.Sprint(st, " logs"), logs.String())
			for _, ev := range evs.evs {
				check(t, fmt.Sprint(st, " wait event"), formats(ev)...)
			}
		}
	})
	t.Run("token source error", func(t *testing.T) {
		var logs strings.Builder
		src := quotingSource{token: testToken}
		c, err := api.New(api.WithBaseURL("http://127.0.0.1:9"), api.WithTokenSource(&src), api.WithLogger(newDebugLogger(&logs)))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetVersion(context.Background(), npmPkg, 1)
		if err == nil || !strings.Contains(err.Error(), "token source") || !strings.Contains(err.Error(), "ghp_[REDACTED]") {
			t.Fatalf("err = %v", err)
		}
		check(t, "token source error", formats(err)...)
		check(t, "unwrapped token source error", formats(errors.Unwrap(err))...)
		check(t, "logs", logs.String())
		check(t, "client", formats(c)...)
	})
	t.Run("formatted values", func(t *testing.T) {
		c, err := api.New(api.WithBaseURL("https://api.github.com"), api.WithToken(testToken))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []any{c, *c, c.HTTPClient(), c.HTTPClient().Transport} {
			check(t, fmt.Sprintf("%T", v), formats(v)...)
			check(t, fmt.Sprintf("%T %%d", v), fmt.Sprintf("%d", v), fmt.Sprintf("%x", v))
		}
	})
}

type quotingSource struct{ token string }

func (s *quotingSource) Token() (*oauth2.Token, error) {
	return nil, fmt.Errorf("refreshing %s failed: invalid_grant for Bearer %s", s.token, s.token)
}

// The 403 hint names the scope the call needs that the token lacks; listing
// deleted versions needs delete:packages (and read:packages).
func TestForbiddenHintNamesTheMissingScope(t *testing.T) {
	tests := []struct {
		name   string
		scopes string // X-OAuth-Scopes; "-" for none sent
		call   func(c *api.Client) error
		want   []string
	}{
		{"listing deleted without delete:packages", "read:packages, write:packages", listDeleted, []string{"lacks the delete:packages scope", "listing deleted versions needs the read:packages and delete:packages scopes"}},
		{"listing deleted with no scope", "", listDeleted, []string{"lacks the read:packages and delete:packages scopes", "it has none"}},
		{"listing deleted, scopes unknown", "-", listDeleted, []string{"listing deleted versions needs the read:packages and delete:packages scopes"}},
		{"restoring without write:packages", "read:packages, delete:packages", func(c *api.Client) error {
			_, err := c.RestoreVersion(context.Background(), npmPkg, 1)
			return err
		}, []string{"lacks the write:packages scope", "restoring needs the read:packages and write:packages scopes"}},
		{"listing active needs only read:packages", "read:packages", func(c *api.Client) error {
			for _, err := range c.Versions(context.Background(), npmPkg, nil) {
				return err
			}
			return nil
		}, []string{"admin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.scopes != "-" {
					w.Header().Set("X-OAuth-Scopes", tt.scopes)
				}
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprint(w, `{"message":"You need at least delete:packages and read:packages scopes to get a package's deleted versions."}`)
			}))
			defer srv.Close()
			c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithWritePacing(0))
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			err = tt.call(c)
			var apiErr *api.Error
			if !errors.As(err, &apiErr) || !errors.Is(err, api.ErrForbidden) {
				t.Fatalf("err = %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(apiErr.Hint, w) {
					t.Errorf("hint %q lacks %q", apiErr.Hint, w)
				}
			}
		})
	}
}

func listDeleted(c *api.Client) error {
	for _, err := range c.Versions(context.Background(), npmPkg, &api.ListOptions{State: api.StateDeleted}) {
		return err
	}
	return nil
}

// Package restore's 409 and 422 answers match their sentinels, and nothing
// else's.
func TestPackageRestoreConflictsAreTyped(t *testing.T) {
	sentinels := []error{api.ErrNameInUse, api.ErrRestoreTokenRequired, api.ErrNameRetired, api.ErrNamespaceReused, api.ErrNotFound}
	tests := []struct {
		status  int
		message string
		want    error
	}{
		{409, "An active package already exists with given name.", api.ErrNameInUse},
		{409, "Active package version already exists with given name.", api.ErrNameInUse},
		{409, "Multiple deleted packages match given name, specify a package by providing a restore token", api.ErrRestoreTokenRequired},
		{422, "Package restore was not successful. The package name p has been retired and cannot restored.", api.ErrNameRetired},
	}
	for _, tt := range tests {
		t.Run(tt.message, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprintf(w, `{"message":%q}`, tt.message)
			}))
			defer srv.Close()
			c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithWritePacing(0))
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			_, err = c.RestorePackage(context.Background(), npmPkg, nil)
			for _, s := range sentinels {
				if got := errors.Is(err, s); got != (s == tt.want) {
					t.Errorf("errors.Is(%v, %v) = %v", err, s, got)
				}
			}
		})
	}
}

// A restore reports success only for GitHub's 204: any other 2xx (a proxy's
// 200 page) is a typed error carrying the status, never OutcomeRestored.
func TestRestoreOf200HTMLIsNotSuccess(t *testing.T) {
	for _, st := range []int{200, 201, 202} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(st)
			fmt.Fprint(w, "<html>Welcome to the proxy</html>")
		}))
		c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithWritePacing(0))
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.RestoreVersion(context.Background(), npmPkg, 1)
		c.CloseIdleConnections()
		srv.Close()
		var us *api.UnexpectedStatusError
		if out == api.OutcomeRestored || !errors.As(err, &us) || !errors.Is(err, api.ErrUnexpectedStatus) || us.StatusCode != st || us.ContentType != "text/html" {
			t.Errorf("%d: RestoreVersion = %q, %v; want an UnexpectedStatusError", st, out, err)
		}
	}
}

func newDebugLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
