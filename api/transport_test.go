package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
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

func newDebugLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// noContentTransport answers every request 204 without a network.
type noContentTransport struct{}

func (noContentTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusNoContent, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
}

// BenchmarkStackOverhead measures what the facade's own layers (validation,
// URL, headers, retry, redirect, limits, attempt bound) cost per restore,
// over a transport that answers at once: the whole call minus building and
// sending the request by hand.
func BenchmarkStackOverhead(b *testing.B) {
	ctx := context.Background()
	b.Run("request-only", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://api.github.com/orgs/o/packages/container/hello%2Fhello_docker/versions/45763/restore", nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+testToken)
			req.Header.Set("Accept", "application/vnd.github+json")
			req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
			req.Header.Set("User-Agent", "bench")
			if _, err := (noContentTransport{}).RoundTrip(req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("facade", func(b *testing.B) {
		c, err := api.New(api.WithBaseURL("https://api.github.com"), api.WithToken(testToken), api.WithWritePacing(0), api.WithTransport(noContentTransport{}))
		if err != nil {
			b.Fatal(err)
		}
		pkg := api.Package{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: "hello/hello_docker"}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.RestoreVersion(ctx, pkg, 45763); err != nil {
				b.Fatal(err)
			}
		}
	})
}
