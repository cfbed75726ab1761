package api_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
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

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

var restorePkg = api.Package{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: "team/app"}

func TestRetryFaultMatrix(t *testing.T) {
	secondary := func(status int, retryAfter string) apitest.Fault { return apitest.SecondaryLimit(status, retryAfter) }
	tests := []struct {
		name         string
		faults       []apitest.Fault
		policy       *api.RetryPolicy
		wantOutcome  api.Outcome
		wantErr      any // a pointer to the error type wanted: **api.Error, **api.RateLimitError
		wantRequests int
		// checkSleeps sees every wait of the client, in fake time.
		checkSleeps func(t *testing.T, sleeps []time.Duration)
	}{
		{
			name: "502 then 503 then 204", faults: []apitest.Fault{apitest.BadGateway, apitest.ServiceUnavailable},
			wantOutcome: api.OutcomeRestored, wantRequests: 3,
			checkSleeps: func(t *testing.T, s []time.Duration) {
				if len(s) != 2 || s[0] < time.Second || s[0] > 1500*time.Millisecond || s[1] < 2*time.Second || s[1] > 3*time.Second {
					t.Errorf("backoff waits = %v, want [1s,1.5s] then [2s,3s]", s)
				}
			},
		},
		{
			name: "dropped connection then 204", faults: []apitest.Fault{{DropBefore: true}},
			wantOutcome: api.OutcomeRestored, wantRequests: 2,
			checkSleeps: func(t *testing.T, s []time.Duration) {
				if len(s) != 1 || s[0] < time.Second {
					t.Errorf("waits = %v", s)
				}
			},
		},
		{
			name: "403 secondary with retry-after 3", faults: []apitest.Fault{secondary(403, "3")},
			wantOutcome: api.OutcomeRestored, wantRequests: 2,
			checkSleeps: func(t *testing.T, s []time.Duration) {
				if len(s) != 1 || s[0] != 3*time.Second {
					t.Errorf("waits = %v, want exactly [3s]", s)
				}
			},
		},
		{
			name: "429 secondary without headers", faults: []apitest.Fault{secondary(429, "")},
			wantOutcome: api.OutcomeRestored, wantRequests: 2,
			checkSleeps: func(t *testing.T, s []time.Duration) {
				if len(s) != 1 || s[0] < time.Minute {
					t.Errorf("waits = %v, want at least 60s", s)
				}
			},
		},
		{
			name: "403 secondary without headers twice doubles", faults: []apitest.Fault{secondary(403, ""), secondary(403, "")},
			policy:      &api.RetryPolicy{MaxAttempts: 5, MaxWait: 5 * time.Minute, BaseDelay: time.Second, MaxDelay: 30 * time.Second},
			wantOutcome: api.OutcomeRestored, wantRequests: 3,
			checkSleeps: func(t *testing.T, s []time.Duration) {
				if len(s) != 2 || s[0] != time.Minute || s[1] != 2*time.Minute {
					t.Errorf("waits = %v, want [1m 2m]", s)
				}
			},
		},
		{
			name: "transient 422 restore not allowed", faults: []apitest.Fault{apitest.RestoreNotAllowed},
			wantOutcome: api.OutcomeRestored, wantRequests: 2,
		},
		{
			name: "transient 403 ongoing migration", faults: []apitest.Fault{apitest.OngoingMigration},
			wantOutcome: api.OutcomeRestored, wantRequests: 2,
		},
		{
			name: "500 retried", faults: []apitest.Fault{apitest.ServerError},
			wantOutcome: api.OutcomeRestored, wantRequests: 2,
		},
		{
			name:    "attempts bounded",
			faults:  []apitest.Fault{apitest.BadGateway, apitest.BadGateway, apitest.BadGateway, apitest.BadGateway, apitest.BadGateway, apitest.BadGateway},
			policy:  &api.RetryPolicy{MaxAttempts: 4, MaxWait: time.Minute, BaseDelay: time.Second, MaxDelay: 4 * time.Second},
			wantErr: new(*api.Error), wantRequests: 4,
			checkSleeps: func(t *testing.T, s []time.Duration) {
				if len(s) != 3 || s[2] > 6*time.Second {
					t.Errorf("waits = %v, want 3 capped at 4s+50%%", s)
				}
			},
		},
		{
			name:    "secondary longer than MaxWait gives up at once",
			faults:  []apitest.Fault{secondary(403, "600")},
			wantErr: new(*api.RateLimitError), wantRequests: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []api.Option
			if tt.policy != nil {
				opts = append(opts, api.WithRetryPolicy(*tt.policy))
			}
			e := newEnv(t, nil, opts...)
			id := e.deletedVersion(t, restorePkg, "sha256:1", []string{"v1"}, time.Hour)
			e.srv.Script(api.OpRestoreVersion, tt.faults...)
			out, err := e.c.RestoreVersion(context.Background(), restorePkg, id)
			if tt.wantErr != nil {
				if err == nil || !errors.As(err, tt.wantErr) {
					t.Fatalf("err = %v (%T), want %T", err, err, tt.wantErr)
				}
			} else if err != nil || out != tt.wantOutcome {
				t.Fatalf("RestoreVersion = %q, %v; want %q", out, err, tt.wantOutcome)
			}
			if n := restoreRequests(e.srv); n != tt.wantRequests {
				t.Errorf("%d restore requests, want %d", n, tt.wantRequests)
			}
			if tt.checkSleeps != nil {
				tt.checkSleeps(t, e.clock.Sleeps())
			}
		})
	}
}

func restoreRequests(srv *apitest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Op == api.OpRestoreVersion {
			n++
		}
	}
	return n
}

func TestFinalAnswersAreNotRetried(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.AddToken(apitest.Token{Value: "ghp_readonly", Kind: api.TokenClassic, Scopes: []string{"read:packages"}})
	id := e.deletedVersion(t, restorePkg, "sha256:1", nil, time.Hour)
	tests := []struct {
		name   string
		token  string
		pkg    api.Package
		id     int64
		status int
	}{
		{"permission 403", "ghp_readonly", restorePkg, id, 403},
		{"401", "ghp_unknown", restorePkg, id, 401},
		{"404", testToken, api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "nope"}, 5, 404},
		{"422 bad type", testToken, restorePkg, id, 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.srv.ResetRequests()
			c, err := api.New(api.WithBaseURL(e.srv.URL), api.WithToken(tt.token), api.WithClock(e.clock))
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			if tt.status == 422 {
				e.srv.Script(api.OpRestoreVersion, apitest.Fault{Status: 422, Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"message":"The package_type parameter is invalid."}`})
			}
			_, err = c.RestoreVersion(context.Background(), tt.pkg, tt.id)
			var apiErr *api.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.status {
				t.Fatalf("err = %v, want %d", err, tt.status)
			}
			if n := restoreRequests(e.srv); n != 1 {
				t.Errorf("%d restore requests, want exactly 1", n)
			}
		})
	}
}

func TestPrimaryLimit(t *testing.T) {
	t.Run("waits until the reset", func(t *testing.T) {
		e := newEnv(t, nil)
		id := e.deletedVersion(t, restorePkg, "sha256:1", nil, time.Hour)
		reset := e.clock.Now().Add(5 * time.Second)
		e.srv.Script(api.OpRestoreVersion, apitest.PrimaryLimit(reset))
		before := e.clock.Now()
		out, err := e.c.RestoreVersion(context.Background(), restorePkg, id)
		if err != nil || out != api.OutcomeRestored {
			t.Fatalf("%q %v", out, err)
		}
		if waited := e.clock.Now().Sub(before); waited < 5*time.Second || waited > 7*time.Second {
			t.Errorf("waited %v, want until the reset (5s, +1s margin)", waited)
		}
	})
	t.Run("no waiting: typed error, then refused locally until the reset", func(t *testing.T) {
		p := api.DefaultRetryPolicy()
		p.NoWaitForPrimaryLimit = true
		e := newEnv(t, nil, api.WithRetryPolicy(p))
		id := e.deletedVersion(t, restorePkg, "sha256:1", nil, time.Hour)
		reset := e.clock.Now().Add(5 * time.Second)
		e.srv.Script(api.OpRestoreVersion, apitest.PrimaryLimit(reset))
		_, err := e.c.RestoreVersion(context.Background(), restorePkg, id)
		var rl *api.RateLimitError
		if !errors.As(err, &rl) || rl.Secondary || rl.Local || !errors.Is(err, api.ErrRateLimited) || errors.Is(err, api.ErrForbidden) {
			t.Fatalf("err = %v, want a primary RateLimitError from GitHub", err)
		}
		if want := time.Unix(reset.Unix()+1, 0); !rl.RetryAt.Equal(want) {
			t.Errorf("RetryAt = %v, want %v", rl.RetryAt, want)
		}
		var apiErr *api.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 {
			t.Errorf("the GitHub answer is not reachable with errors.As: %v", apiErr)
		}
		sent := len(e.srv.Requests())
		_, err = e.c.GetVersion(context.Background(), restorePkg, id)
		if !errors.As(err, &rl) || !rl.Local {
			t.Fatalf("second call err = %v, want a local refusal", err)
		}
		if len(e.srv.Requests()) != sent {
			t.Error("a call was sent while the primary limit was exhausted")
		}
		// The preflight is exempt: it costs nothing.
		if _, err := e.c.Preflight(context.Background()); err != nil {
			t.Errorf("preflight refused: %v", err)
		}
		e.clock.Advance(7 * time.Second)
		if out, err := e.c.RestoreVersion(context.Background(), restorePkg, id); err != nil || out != api.OutcomeRestored {
			t.Errorf("after the reset: %q %v", out, err)
		}
	})
	t.Run("the fake's real budget runs out", func(t *testing.T) {
		e := newEnv(t, nil)
		e.srv.AddToken(apitest.Token{Value: "ghp_small", Kind: api.TokenClassic, Scopes: []string{"read:packages"}, Budget: 2})
		p := api.DefaultRetryPolicy()
		p.NoWaitForPrimaryLimit = true
		c, _ := api.New(api.WithBaseURL(e.srv.URL), api.WithToken("ghp_small"), api.WithClock(e.clock), api.WithRetryPolicy(p))
		defer c.CloseIdleConnections()
		id := seedVersion(t, e.srv, api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "lib"}, apitest.VersionSeed{Name: "1.0.0"})
		npm := api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "lib"}
		for i := range 2 {
			if _, err := c.GetVersion(context.Background(), npm, id); err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
		}
		_, err := c.GetVersion(context.Background(), npm, id)
		var rl *api.RateLimitError
		if !errors.As(err, &rl) || !rl.Local {
			t.Fatalf("third call: %v, want refused locally (the second answer said remaining 0)", err)
		}
		if want := start.Add(time.Hour + time.Second); !rl.RetryAt.Equal(want) {
			t.Errorf("RetryAt = %v, want %v", rl.RetryAt, want)
		}
	})
}

func TestWaitBeyondDeadlineReturnsAtOnce(t *testing.T) {
	e := newEnv(t, nil, api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 5, MaxWait: time.Hour, BaseDelay: time.Second, MaxDelay: time.Minute}))
	id := e.deletedVersion(t, restorePkg, "sha256:1", nil, time.Hour)
	e.srv.Script(api.OpRestoreVersion, apitest.SecondaryLimit(403, "120"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	began := time.Now()
	_, err := e.c.RestoreVersion(ctx, restorePkg, id)
	elapsed := time.Since(began)
	var rl *api.RateLimitError
	if !errors.As(err, &rl) || !rl.Secondary {
		t.Fatalf("err = %v, want a secondary RateLimitError", err)
	}
	if want := e.clock.Now().Add(120 * time.Second); rl.RetryAt.Sub(want).Abs() > time.Second {
		t.Errorf("RetryAt = %v, want about %v", rl.RetryAt, want)
	}
	if elapsed > 50*time.Millisecond {
		t.Errorf("took %v of real time, want under 50ms", elapsed)
	}
	if len(e.clock.Sleeps()) != 0 {
		t.Errorf("slept %v", e.clock.Sleeps())
	}
}

func TestCancelEndsWait(t *testing.T) {
	e := newEnv(t, nil)
	id := e.deletedVersion(t, restorePkg, "sha256:1", nil, time.Hour)
	e.srv.Script(api.OpRestoreVersion, apitest.BadGateway)
	ctx, cancel := context.WithCancel(context.Background())
	c, err := api.New(api.WithBaseURL(e.srv.URL), api.WithToken(testToken), api.WithClock(cancelClock{e.clock, cancel}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	_, err = c.RestoreVersion(ctx, restorePkg, id)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// cancelClock cancels the context when the client starts waiting, so that
// the wait must end on cancellation.
type cancelClock struct {
	*apitest.Clock
	cancel context.CancelFunc
}

func (c cancelClock) Sleep(ctx context.Context, d time.Duration) error {
	c.cancel()
	<-ctx.Done()
	return ctx.Err()
}

func TestIdempotentRestoreAfterDroppedAnswer(t *testing.T) {
	e := newEnv(t, nil)
	id := e.deletedVersion(t, restorePkg, "sha256:1", nil, time.Hour)
	e.srv.Script(api.OpRestoreVersion, apitest.Fault{DropAfter: true})
	out, err := e.c.RestoreVersion(context.Background(), restorePkg, id)
	if err != nil || out != api.OutcomeRestored {
		t.Fatalf("RestoreVersion = %q, %v; want restored", out, err)
	}
	if v, _ := e.srv.LookupVersion(restorePkg, id); v.DeletedAt != nil {
		t.Error("the version is not active")
	}
	var routes []string
	for _, r := range e.srv.Requests() {
		routes = append(routes, fmt.Sprintf("%s:%d", r.Route, r.Status))
	}
	want := "packages/restore-package-version-for-org:0 packages/restore-package-version-for-org:400 packages/get-package-version-for-organization:200"
	if strings.Join(routes, " ") != want {
		t.Errorf("requests = %v, want %s", routes, want)
	}
	// Restoring again: already active, one restore and one check.
	out, err = e.c.RestoreVersion(context.Background(), restorePkg, id)
	if err != nil || out != api.OutcomeAlreadyActive {
		t.Errorf("again = %q, %v; want already_active", out, err)
	}
}

func TestWritesArePacedReadsAreNot(t *testing.T) {
	e := newEnv(t, nil)
	ids := make([]int64, 10)
	for i := range ids {
		ids[i] = e.deletedVersion(t, restorePkg, fmt.Sprintf("sha256:%d", i), nil, time.Hour)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for _, id := range ids {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := e.c.RestoreVersion(context.Background(), restorePkg, id); err != nil {
				errs <- err
			}
		}()
		go func() {
			defer wg.Done()
			for _, err := range e.c.Versions(context.Background(), restorePkg, &api.ListOptions{State: api.StateDeleted, PerPage: 1}) {
				if err != nil {
					errs <- err
				}
				break
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var posts []time.Time
	for _, r := range e.srv.Requests() {
		if r.Method == http.MethodPost {
			posts = append(posts, r.At)
		}
	}
	if len(posts) != 10 {
		t.Fatalf("%d POSTs, want 10", len(posts))
	}
	for i := 1; i < len(posts); i++ {
		if gap := posts[i].Sub(posts[i-1]); gap < time.Second {
			t.Errorf("POST %d came %v after the one before, want at least 1s", i, gap)
		}
	}
	if got := e.clock.Sleeps(); len(got) != 9 {
		t.Errorf("%d waits, want 9 (one before each write but the first; none for reads): %v", len(got), got)
	}
}

// While a write is in flight (holding the one-at-a-time slot), reads go
// through.
func TestReadsPassAnInFlightWrite(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{})
	var inFlight atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			if inFlight.Add(1) > 1 {
				t.Error("two writes in flight at once")
			}
			close(entered)
			<-release
			inFlight.Add(-1)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":1,"name":"n","url":"u","package_html_url":"h","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`)
	}))
	defer srv.Close()
	c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	done := make(chan error, 1)
	go func() {
		_, err := c.RestoreVersion(context.Background(), restorePkg, 1)
		done <- err
	}()
	<-entered
	for range 3 {
		if _, err := c.GetVersion(context.Background(), restorePkg, 1); err != nil {
			t.Fatal(err)
		}
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestWaitHookAndLogs(t *testing.T) {
	var events []api.WaitEvent
	var logs bytes.Buffer
	e := newEnv(t, nil,
		api.WithWaitHook(func(ev api.WaitEvent) { events = append(events, ev) }),
		api.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	id := e.deletedVersion(t, restorePkg, "sha256:1", nil, time.Hour)
	e.srv.Script(api.OpRestoreVersion, apitest.SecondaryLimit(403, "3"), apitest.BadGateway)
	if _, err := e.c.RestoreVersion(context.Background(), restorePkg, id); err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 {
		t.Fatalf("events = %+v", events)
	}
	if ev := events[0]; ev.Attempt != 2 || ev.Reason != api.ReasonSecondaryLimit || ev.Wait != 3*time.Second || !ev.Until.Equal(start.Add(3*time.Second)) || ev.Status != 403 || ev.RequestID == "" || ev.Method != "POST" || !strings.Contains(ev.Path, "team%2Fapp") {
		t.Errorf("event 1 = %+v", ev)
	}
	if ev := events[1]; ev.Attempt != 3 || ev.Reason != api.ReasonServerError || ev.Status != 502 {
		t.Errorf("event 2 = %+v", ev)
	}
	if n := strings.Count(logs.String(), `"msg":"waiting"`); n != 2 {
		t.Errorf("%d log lines, want 2:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), testToken) {
		t.Error("logs show the token")
	}
}

// Error answers are drained and their connections reused: many failing calls
// open few connections.
func TestNoConnectionLeaks(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"Package version not found.","documentation_url":"https://docs.github.com/rest"}`+strings.Repeat(" ", 10000))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithWritePacing(0))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	for range 50 {
		if _, err := c.GetVersion(context.Background(), restorePkg, 1); !errors.Is(err, api.ErrNotFound) {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n > 1 {
		t.Errorf("%d connections for 50 sequential calls, want 1", n)
	}
}

func TestDeprecationIsLoggedOnce(t *testing.T) {
	var logs bytes.Buffer
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Deprecation", "@1767225600")
		w.Header().Set("Sunset", "Wed, 01 Apr 2027 00:00:00 GMT")
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithWritePacing(0),
		api.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	for range 3 {
		if _, err := c.RestoreVersion(context.Background(), restorePkg, 1); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 || !strings.Contains(logs.String(), "sunset=") {
		t.Errorf("%d warnings, want 1:\n%s", n, logs.String())
	}
}

func TestDebugLogsEachRequest(t *testing.T) {
	var logs bytes.Buffer
	e := newEnv(t, nil, api.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	id := e.deletedVersion(t, restorePkg, "sha256:1", nil, time.Hour)
	e.srv.Script(api.OpRestoreVersion, apitest.BadGateway)
	if _, err := e.c.RestoreVersion(context.Background(), restorePkg, id); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if n := strings.Count(out, `msg=request`); n != 2 {
		t.Errorf("%d request lines, want 2:\n%s", n, out)
	}
	for _, want := range []string{"status=502 ", "status=204 ", "attempt=2", "path=/orgs/o/packages/container/team%2Fapp/versions/"} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, testToken[4:]) {
		t.Error("logs show the token")
	}
}

// Every wait the client makes is reported to the wait hook before it
// starts, with its reason, the status or cause, and its length.
func TestEveryWaitIsReported(t *testing.T) {
	var evs events
	policy := api.RetryPolicy{MaxAttempts: 6, MaxWait: time.Minute, BaseDelay: time.Second, MaxDelay: time.Second}
	e := newEnv(t, nil, api.WithWaitHook(evs.hook), api.WithRetryPolicy(policy))
	id := e.deletedVersion(t, restorePkg, "sha256:1", nil, time.Hour)
	e.srv.Script(api.OpRestoreVersion, apitest.Fault{DropBefore: true}, apitest.BadGateway, apitest.RestoreNotAllowed,
		apitest.SecondaryLimit(429, "2"), apitest.PrimaryLimit(e.clock.Now().Add(30*time.Second)))
	if out, err := e.c.RestoreVersion(context.Background(), restorePkg, id); err != nil || out != api.OutcomeRestored {
		t.Fatalf("RestoreVersion = %q, %v", out, err)
	}
	want := []api.WaitReason{api.ReasonNetwork, api.ReasonServerError, api.ReasonTransientRestore, api.ReasonSecondaryLimit, api.ReasonPrimaryLimit}
	var got []api.WaitReason
	for _, r := range evs.reasons() {
		if r != api.ReasonPacing {
			got = append(got, r)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("reasons = %v, want %v (pacing aside)", got, want)
	}
	statuses := map[api.WaitReason]int{api.ReasonServerError: 502, api.ReasonTransientRestore: 422, api.ReasonSecondaryLimit: 429, api.ReasonPrimaryLimit: 403}
	for _, ev := range evs.evs {
		if ev.Wait <= 0 || ev.Until.IsZero() || ev.Method != http.MethodPost {
			t.Errorf("event %+v lacks its wait, end or method", ev)
		}
		if s, ok := statuses[ev.Reason]; ok && ev.Status != s {
			t.Errorf("%s: status %d, want %d", ev.Reason, ev.Status, s)
		}
		if ev.Reason == api.ReasonNetwork && ev.Err == nil {
			t.Errorf("network wait without its cause: %+v", ev)
		}
	}

	// A call made while the primary limit is known to be exhausted waits at
	// the gate, and says so.
	evs = events{}
	p := policy
	p.MaxAttempts = 1
	e2 := newEnv(t, nil, api.WithWaitHook(evs.hook), api.WithRetryPolicy(p))
	id = e2.deletedVersion(t, restorePkg, "sha256:1", nil, time.Hour)
	e2.srv.Script(api.OpRestoreVersion, apitest.PrimaryLimit(e2.clock.Now().Add(10*time.Second)))
	if _, err := e2.c.RestoreVersion(context.Background(), restorePkg, id); !errors.Is(err, api.ErrRateLimited) {
		t.Fatalf("err = %v, want the primary limit", err)
	}
	if out, err := e2.c.RestoreVersion(context.Background(), restorePkg, id); err != nil || out != api.OutcomeRestored {
		t.Fatalf("after the gate: %q, %v", out, err)
	}
	if g := evs.of(api.ReasonGate); len(g) != 1 || g[0].Wait < 10*time.Second || g[0].Wait > 11*time.Second {
		t.Errorf("gate events = %+v (all: %v)", g, evs.reasons())
	}
}

// failingTransport fails every request with err, counting them.
type failingTransport struct {
	err  error
	sent atomic.Int32
}

func (f *failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	f.sent.Add(1)
	return nil, f.err
}

// A host that does not exist, or a certificate the client does not trust,
// ends the call at once: retrying cannot help, and a typo in the base URL
// must not take a minute of backoff to surface. A dropped connection is
// retried.
func TestFinalNetworkErrorsAreNotRetried(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		tries int32
	}{
		{"no such host", &net.DNSError{Err: "no such host", Name: "api.gihtub.com", IsNotFound: true}, 1},
		{"unknown authority", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, 1},
		{"wrong host in certificate", x509.HostnameError{Certificate: &x509.Certificate{}, Host: "x"}, 1},
		{"temporary DNS failure", &net.DNSError{Err: "server misbehaving", Name: "api.github.com", IsTemporary: true}, 3},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := apitest.NewClock(start)
			ft := &failingTransport{err: tt.err}
			c, err := api.New(api.WithBaseURL("https://api.github.com"), api.WithToken(testToken), api.WithTransport(ft), api.WithClock(clock),
				api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 3, MaxWait: time.Minute, BaseDelay: time.Second, MaxDelay: time.Second}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetVersion(context.Background(), restorePkg, 1)
			if err == nil || !errors.Is(err, tt.err) && !strings.Contains(err.Error(), tt.err.Error()) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if n := ft.sent.Load(); n != tt.tries {
				t.Errorf("%d attempts, want %d", n, tt.tries)
			}
			if tt.tries == 1 && clock.Slept() != 0 {
				t.Errorf("waited %v before failing", clock.Slept())
			}
		})
	}
}
