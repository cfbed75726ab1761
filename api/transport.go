package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// callState is what the layers of one call tell the facade: set in the
// request context by the facade, absent when the transport is used alone.
type callState struct {
	uncertain bool // an attempt may have taken effect without a clear answer
	tokenKind TokenKind
}

type callStateKey struct{}

// callContext carries a callState: one allocation per call instead of a
// context.WithValue and a state.
type callContext struct {
	context.Context
	st callState
}

// Value returns the call state for callStateKey, else asks the parent.
func (c *callContext) Value(key any) any {
	if key == (callStateKey{}) {
		return &c.st
	}
	return c.Context.Value(key)
}

// newCall returns a context for one facade call and its state.
func newCall(ctx context.Context) (context.Context, *callState) {
	c := &callContext{Context: ctx}
	return c, &c.st
}

func callStateFrom(ctx context.Context) *callState {
	st, _ := ctx.Value(callStateKey{}).(*callState)
	return st
}

var errTokenSource = errors.New("restore: the token source failed")

// headerTransport sets GitHub's headers on every request, and the token only
// on requests to the configured scheme and host.
type headerTransport struct {
	next        http.RoundTripper
	scheme      string
	host        string
	accept      []string
	apiVersion  []string
	userAgent   []string
	auth        []string // "Bearer …" for a static token; nil otherwise
	kind        TokenKind
	tokenSource oauth2.TokenSource
}

// Format keeps the token out of every form of %v.
func (t *headerTransport) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "api.headerTransport{host: %s, token: %s}", t.host, t.kind)
}

// RoundTrip sets the headers and, for the API host only, the token.
func (t *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	st := callStateFrom(req.Context())
	r := req
	if st == nil {
		// Someone else's request: a shallow copy with a fresh header map, so
		// that it is not modified (http.RoundTripper's contract). The
		// facade's own requests (st != nil) are built for this call and
		// set in place.
		r = new(http.Request)
		*r = *req
		r.Header = make(http.Header, len(req.Header)+4)
		for k, v := range req.Header {
			r.Header[k] = v
		}
	}
	r.Header["Accept"] = t.accept
	r.Header["X-Github-Api-Version"] = t.apiVersion
	if _, ok := r.Header["User-Agent"]; !ok {
		r.Header["User-Agent"] = t.userAgent
	}
	delete(r.Header, "Authorization")
	kind := TokenNone
	if req.URL.Scheme == t.scheme && req.URL.Host == t.host {
		switch {
		case t.auth != nil:
			r.Header["Authorization"] = t.auth
			kind = t.kind
		case t.tokenSource != nil:
			tok, err := t.tokenSource.Token()
			if err != nil {
				closeBody(req)
				return nil, fmt.Errorf("%w: %w", errTokenSource, err)
			}
			if tok.AccessToken != "" {
				r.Header["Authorization"] = []string{"Bearer " + tok.AccessToken}
				kind = KindOf(tok.AccessToken)
			}
		}
	}
	if st != nil {
		st.tokenKind = kind
	}
	return t.next.RoundTrip(r)
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// gate remembers an exhausted primary rate limit ("core") until its reset.
type gate struct {
	mu    sync.Mutex
	until time.Time
}

func (g *gate) observe(h http.Header) {
	res := h.Get("X-Ratelimit-Resource")
	if res != "" && res != "core" {
		return
	}
	remaining, ok := headerInt(h, "X-Ratelimit-Remaining")
	if !ok {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if remaining > 0 {
		g.until = time.Time{}
		return
	}
	if reset, ok := headerInt(h, "X-Ratelimit-Reset"); ok {
		g.until = time.Unix(int64(reset), 0).Add(time.Second)
	}
}

func (g *gate) closedUntil() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.until
}

// retryTransport retries what GitHub says may be retried, waits as GitHub
// says, and refuses calls locally while the primary limit is exhausted.
type retryTransport struct {
	next   http.RoundTripper
	policy RetryPolicy
	clock  Clock
	gate   *gate
	logger *slog.Logger
	hook   func(RetryEvent)

	deprecationOnce sync.Once
}

// RoundTrip sends req, retrying and waiting as GitHub's rules and the
// policy say. A final answer is returned as it is; the facade types it.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	st := callStateFrom(ctx)
	// GET /rate_limit does not count against the primary limit: never gated.
	gated := !strings.HasSuffix(req.URL.Path, "/rate_limit")
	secondaries := 0
	for attempt := 1; ; attempt++ {
		if gated {
			if err := t.waitGate(ctx, req, attempt); err != nil {
				closeBody(req)
				return nil, err
			}
		}
		r := req
		if attempt > 1 && req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = req.Clone(ctx)
			r.Body = body
		}
		resp, err := t.next.RoundTrip(r)
		t.logAttempt(ctx, req, attempt, resp, err)
		var a answer
		if err != nil {
			if ctx.Err() != nil || !retryableNetErr(err) {
				return nil, err
			}
			a = answer{reason: ReasonNetwork, wait: t.policy.backoff(attempt), uncertain: isMutating(req.Method)}
		} else {
			t.gate.observe(resp.Header)
			t.warnDeprecation(ctx, resp.Header)
			a = t.classify(req, resp, attempt, &secondaries)
		}
		if a.uncertain && st != nil {
			st.uncertain = true
		}
		if a.reason == "" || !t.mayWait(ctx, a, attempt) {
			return resp, err
		}
		ev := RetryEvent{Method: req.Method, Path: req.URL.EscapedPath(), Attempt: attempt, Reason: a.reason, Wait: a.wait, Err: err}
		if resp != nil {
			ev.Status = resp.StatusCode
			ev.RequestID = resp.Header.Get("X-Github-Request-Id")
			drainClose(resp.Body)
		}
		t.notify(ctx, ev)
		if err := t.clock.Sleep(ctx, a.wait); err != nil {
			return nil, err
		}
	}
}

// logAttempt logs one request at Debug: method, escaped path, attempt,
// status and request id (never a header value of the request).
func (t *retryTransport) logAttempt(ctx context.Context, req *http.Request, attempt int, resp *http.Response, err error) {
	if !t.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{slog.String("method", req.Method), slog.String("path", req.URL.EscapedPath()), slog.Int("attempt", attempt)}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode), slog.String("request_id", resp.Header.Get("X-Github-Request-Id")))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	t.logger.LogAttrs(ctx, slog.LevelDebug, "restore: request", attrs...)
}

// warnDeprecation logs, once per client, that GitHub announced the end of
// the API version in use (Deprecation or Sunset headers).
func (t *retryTransport) warnDeprecation(ctx context.Context, h http.Header) {
	dep, sunset := h.Get("Deprecation"), h.Get("Sunset")
	if dep == "" && sunset == "" {
		return
	}
	t.deprecationOnce.Do(func() {
		t.logger.LogAttrs(ctx, slog.LevelWarn, "restore: GitHub announced the end of this API version; set a newer one with WithAPIVersion",
			slog.String("deprecation", dep), slog.String("sunset", sunset),
			slog.String("api_version_selected", h.Get("X-Github-Api-Version-Selected")))
	})
}

// mayWait applies the policy's bounds to a wait GitHub's rules ask for.
func (t *retryTransport) mayWait(ctx context.Context, a answer, attempt int) bool {
	if attempt >= t.policy.MaxAttempts || a.wait > t.policy.MaxWait {
		return false
	}
	if a.reason == ReasonPrimaryLimit && t.policy.NoWaitForPrimaryLimit {
		return false
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < a.wait {
		return false // the context is a real-time bound
	}
	return true
}

func (t *retryTransport) classify(req *http.Request, resp *http.Response, attempt int, secondaries *int) answer {
	switch resp.StatusCode {
	case 500, 502, 503, 504:
		return answer{reason: ReasonServerError, wait: t.policy.backoff(attempt), uncertain: isMutating(req.Method)}
	case 403, 422, 429:
	default:
		return answer{}
	}
	g := parseGitHubError(peekBody(resp))
	now := t.clock.Now()
	if rl := rateLimitFrom(resp, g, now); rl != nil {
		if !rl.Secondary {
			return answer{reason: ReasonPrimaryLimit, wait: rl.RetryAt.Sub(now)}
		}
		*secondaries++
		wait := rl.RetryAt.Sub(now)
		if !rl.told {
			// No header says how long: at least a minute, doubling.
			wait = time.Minute << min(*secondaries-1, 10)
		}
		return answer{reason: ReasonSecondaryLimit, wait: wait}
	}
	if isTransientRestore(resp.StatusCode, g) {
		return answer{reason: ReasonTransientRestore, wait: t.policy.backoff(attempt)}
	}
	return answer{}
}

func (t *retryTransport) waitGate(ctx context.Context, req *http.Request, attempt int) error {
	until := t.gate.closedUntil()
	if until.IsZero() {
		return nil
	}
	now := t.clock.Now()
	wait := until.Sub(now)
	if wait <= 0 {
		return nil
	}
	refuse := t.policy.NoWaitForPrimaryLimit || wait > t.policy.MaxWait
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
		refuse = true
	}
	if refuse {
		return &RateLimitError{Local: true, RetryAt: until, Resource: "core"}
	}
	t.notify(ctx, RetryEvent{Method: req.Method, Path: req.URL.EscapedPath(), Attempt: attempt, Reason: ReasonGate, Wait: wait})
	return t.clock.Sleep(ctx, wait)
}

func (t *retryTransport) notify(ctx context.Context, ev RetryEvent) {
	if t.hook != nil {
		t.hook(ev)
	}
	if t.logger.Enabled(ctx, slog.LevelInfo) {
		attrs := []slog.Attr{
			slog.String("method", ev.Method), slog.String("path", ev.Path),
			slog.Int("attempt", ev.Attempt), slog.String("reason", string(ev.Reason)),
			slog.Duration("wait", ev.Wait),
		}
		if ev.Status != 0 {
			attrs = append(attrs, slog.Int("status", ev.Status))
		}
		if ev.RequestID != "" {
			attrs = append(attrs, slog.String("request_id", ev.RequestID))
		}
		if ev.Err != nil {
			attrs = append(attrs, slog.String("error", ev.Err.Error()))
		}
		t.logger.LogAttrs(ctx, slog.LevelInfo, "restore: waiting before retry", attrs...)
	}
}

// pacer sends mutating requests one at a time, at least interval apart
// (from the end of one to the start of the next). Reads pass through.
type pacer struct {
	next     http.RoundTripper
	interval time.Duration
	clock    Clock
	sem      chan struct{}
	last     time.Time // guarded by sem
}

// RoundTrip paces mutating requests and passes reads through.
func (p *pacer) RoundTrip(req *http.Request) (*http.Response, error) {
	if p.interval <= 0 || !isMutating(req.Method) {
		return p.next.RoundTrip(req)
	}
	ctx := req.Context()
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		closeBody(req)
		return nil, ctx.Err()
	}
	defer func() { <-p.sem }()
	if !p.last.IsZero() {
		if wait := p.last.Add(p.interval).Sub(p.clock.Now()); wait > 0 {
			if err := p.clock.Sleep(ctx, wait); err != nil {
				closeBody(req)
				return nil, err
			}
		}
	}
	resp, err := p.next.RoundTrip(req)
	p.last = p.clock.Now()
	return resp, err
}

// drainClose reads a little of what is left of a body, so that the
// connection can be reused, and closes it.
func drainClose(body io.ReadCloser) {
	if body == nil || body == http.NoBody {
		return
	}
	_, _ = io.CopyN(io.Discard, body, 64<<10)
	body.Close()
}

// sameOrigin reports whether u is on the base URL's scheme and host, under
// its path.
func sameOrigin(base, u *url.URL) bool {
	return u.Scheme == base.Scheme && u.Host == base.Host && strings.HasPrefix(u.EscapedPath(), strings.TrimSuffix(base.EscapedPath(), "/")+"/")
}
