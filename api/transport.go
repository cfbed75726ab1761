package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// The client's transport is a stack of small RoundTrippers, from the top:
//
//	retryTransport    gate, retries and rate-limit waits; reads a GET's body within its attempt
//	redirectTransport GitHub's redirect rules on the API's own origin only
//	readBudget        reads: a few in flight, a bounded number a minute
//	pacer             writes: one at a time, a least gap apart
//	timeoutTransport  bounds each attempt, headers and body, on the Clock
//	headerTransport   GitHub's headers, and the token for the API's origin only
//	(the caller's transport, or a tuned http.Transport)

// callState is what the layers of one call tell the facade: set in the
// request context by the facade, absent when the transport is used alone.
type callState struct {
	uncertain bool // an attempt may have taken effect without a clear answer
	tokenKind TokenKind
	attempt   int // the attempt being sent, from 1
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

// secrets are the tokens the client knows: the static one, and the last one
// a token source gave. Text the client reports has them masked. They sit
// behind a pointer, so that no formatting of the client reaches them.
type secrets struct {
	p atomic.Pointer[knownTokens]
}

type knownTokens struct{ static, last string }

func newSecrets(static string) *secrets {
	s := &secrets{}
	s.p.Store(&knownTokens{static: static})
	return s
}

// Format keeps the tokens out of every form of %v.
func (s *secrets) Format(f fmt.State, _ rune) { fmt.Fprint(f, "api.secrets{}") }

// sawToken remembers the last token a token source gave.
func (s *secrets) sawToken(tok string) {
	if k := s.p.Load(); k.last != tok {
		s.p.Store(&knownTokens{static: k.static, last: tok})
	}
}

// redact masks the known tokens and anything shaped like a GitHub token.
func (s *secrets) redact(text string) string {
	if s == nil {
		return redact(text)
	}
	k := s.p.Load()
	return redact(text, k.static, k.last)
}

// redactError masks the known tokens in err's text.
func (s *secrets) redactError(err error) error {
	if s == nil || err == nil {
		return err
	}
	k := s.p.Load()
	return redactError(err, k.static, k.last)
}

var errTokenSource = errors.New("the token source failed")

// headerTransport sets GitHub's headers on every request, and the token only
// on requests to the configured scheme and host (with its port).
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
	secrets     *secrets
}

// Format keeps the token out of every form of %v.
func (t *headerTransport) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "api.headerTransport{host: %s, token: %s}", t.host, t.kind)
}

// RoundTrip sets the headers and, for the API's origin only, the token.
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
				// The source's error may quote the token: mask it.
				return nil, fmt.Errorf("%w: %w", errTokenSource, t.secrets.redactError(err))
			}
			if tok.AccessToken != "" {
				t.secrets.sawToken(tok.AccessToken)
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

// waiter makes the client's waits: it reports each one (WithWaitHook, the
// logger) before it starts, then sleeps on the Clock.
type waiter struct {
	clock   Clock
	hook    func(WaitEvent)
	logger  *slog.Logger
	secrets *secrets
}

// Format keeps the fields out of %v.
func (w *waiter) Format(f fmt.State, _ rune) { fmt.Fprint(f, "api.waiter{}") }

// wait reports ev and sleeps ev.Wait, or until ctx is done.
func (w *waiter) wait(ctx context.Context, ev WaitEvent) error {
	ev.Until = w.clock.Now().Add(ev.Wait)
	ev.RequestID = w.secrets.redact(ev.RequestID)
	if ev.Err != nil {
		ev.Err = w.secrets.redactError(ev.Err)
	}
	if w.hook != nil {
		w.hook(ev)
	}
	logWait(ctx, w.logger, ev)
	return w.clock.Sleep(ctx, ev.Wait)
}

// attemptOf is the attempt a facade request is on, 0 for another request.
func attemptOf(req *http.Request) int {
	if st := callStateFrom(req.Context()); st != nil {
		return st.attempt
	}
	return 0
}

// pacer sends mutating requests one at a time, at least interval apart
// (from the answer to one to the start of the next). It sits below the
// retry layer, so that the gap holds between the attempts of one call too.
// Reads pass through.
type pacer struct {
	next     http.RoundTripper
	interval time.Duration
	w        *waiter
	sem      chan struct{}
	last     time.Time // guarded by sem
}

// Format keeps the fields, and below them the token, out of %v.
func (p *pacer) Format(f fmt.State, _ rune) { fmt.Fprint(f, "api.pacer{}") }

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
		if wait := p.last.Add(p.interval).Sub(p.w.clock.Now()); wait > 0 {
			ev := WaitEvent{Method: req.Method, Path: req.URL.EscapedPath(), Attempt: attemptOf(req), Reason: ReasonPacing, Wait: wait}
			if err := p.w.wait(ctx, ev); err != nil {
				closeBody(req)
				return nil, err
			}
		}
	}
	resp, err := p.next.RoundTrip(req)
	p.last = p.w.clock.Now()
	return resp, err
}

// readBudget bounds reads: at most cap(slots) in flight (until the body is
// closed), and at most len(starts) started in any minute on the Clock.
// Writes pass through.
type readBudget struct {
	next  http.RoundTripper
	w     *waiter
	slots chan struct{}

	mu     sync.Mutex
	perMin int
	starts []time.Time // a ring of the last perMin starts, oldest at head
	head   int
}

// Format keeps the fields out of %v.
func (b *readBudget) Format(f fmt.State, _ rune) { fmt.Fprint(f, "api.readBudget{}") }

// RoundTrip waits for a slot and the per-minute budget, then sends.
func (b *readBudget) RoundTrip(req *http.Request) (*http.Response, error) {
	if isMutating(req.Method) {
		return b.next.RoundTrip(req)
	}
	ctx := req.Context()
	select {
	case b.slots <- struct{}{}:
	case <-ctx.Done():
		closeBody(req)
		return nil, ctx.Err()
	}
	for {
		wait := b.take()
		if wait <= 0 {
			break
		}
		ev := WaitEvent{Method: req.Method, Path: req.URL.EscapedPath(), Attempt: attemptOf(req), Reason: ReasonReadBudget, Wait: wait}
		if err := b.w.wait(ctx, ev); err != nil {
			<-b.slots
			closeBody(req)
			return nil, err
		}
	}
	resp, err := b.next.RoundTrip(req)
	if err != nil {
		<-b.slots
		return nil, err
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		<-b.slots
		return resp, nil
	}
	resp.Body = &releaseBody{ReadCloser: resp.Body, release: func() { <-b.slots }}
	return resp, nil
}

// take records a start now and returns 0, or returns how long to wait for
// the oldest start of the last minute to leave the window.
func (b *readBudget) take() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.w.clock.Now()
	if len(b.starts) < b.perMin {
		b.starts = append(b.starts, now)
		return 0
	}
	oldest := b.starts[b.head]
	if wait := oldest.Add(time.Minute).Sub(now); wait > 0 {
		return wait
	}
	b.starts[b.head] = now
	b.head = (b.head + 1) % b.perMin
	return 0
}

// releaseBody calls release once, when the body is closed.
type releaseBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

// Close closes the body and releases its slot.
func (r *releaseBody) Close() error {
	err := r.ReadCloser.Close()
	r.once.Do(r.release)
	return err
}

// TimerClock is a Clock that can also run a function after a duration, like
// time.AfterFunc. The attempt bound (WithAttemptTimeout) runs on the
// client's Clock when it is a TimerClock, so that with a fake clock the
// bound fires only when the fake time passes it (apitest's fake clock is
// one). With a Clock that is not a TimerClock the bound runs on Go's own
// timers, in real time.
type TimerClock interface {
	Clock
	// AfterFunc calls f in its own goroutine once d has passed on the
	// clock. stop cancels it, and reports whether it had not run yet.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// timeoutTransport bounds each attempt, from sending to closing the body.
type timeoutTransport struct {
	next  http.RoundTripper
	after time.Duration
	clock Clock
	err   *attemptTimeoutError // the cause of a timed-out attempt's context
}

// Format keeps the fields out of %v.
func (t *timeoutTransport) Format(f fmt.State, _ rune) { fmt.Fprint(f, "api.timeoutTransport{}") }

// start returns the attempt's context, which is cancelled with t.err once
// t.after has passed on the clock, and the function that ends the attempt.
func (t *timeoutTransport) start(parent context.Context) (context.Context, context.CancelFunc) {
	clk, ok := t.clock.(TimerClock)
	if !ok {
		// SystemClock, or a clock that cannot schedule: Go's timers.
		return context.WithTimeoutCause(parent, t.after, t.err)
	}
	ctx, cancel := context.WithCancelCause(parent)
	stop := clk.AfterFunc(t.after, func() { cancel(t.err) })
	return ctx, func() { stop(); cancel(context.Canceled) }
}

// RoundTrip sends req under the attempt's bound; the body stays under it
// until it is closed.
func (t *timeoutTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, stop := t.start(req.Context())
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		timedOut := context.Cause(ctx) == error(t.err)
		stop()
		if timedOut {
			return nil, t.err
		}
		return nil, err
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		stop()
		return resp, nil
	}
	resp.Body = &timedBody{rc: resp.Body, ctx: ctx, stop: stop, err: t.err}
	return resp, nil
}

// timedBody reports a read cut by the attempt's bound as the bound's error,
// and ends the attempt when closed.
type timedBody struct {
	rc   io.ReadCloser
	ctx  context.Context
	stop context.CancelFunc
	err  *attemptTimeoutError
}

// Read reads the body; a read cut by the attempt's bound fails with
// ErrAttemptTimeout.
func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF && context.Cause(b.ctx) == error(b.err) {
		err = b.err
	}
	return n, err
}

// Close closes the body and ends the attempt.
func (b *timedBody) Close() error {
	err := b.rc.Close()
	b.stop()
	return err
}

// redirectTransport applies GitHub's redirect rules, on the API's own origin
// only: 301 and 308 repeat the request at Location with the same method and
// body; 302 and 307 repeat it once. Any other redirect (303, another
// origin, a missing Location, one too many) ends with a *RedirectError and
// nothing is sent to Location. A POST never becomes a GET.
type redirectTransport struct {
	next   http.RoundTripper
	scheme string
	host   string
}

// maxRedirects bounds the redirects one request follows.
const maxRedirects = 5

// RoundTrip sends req and follows the redirects GitHub's rules allow.
func (t *redirectTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req
	temporary := false
	for hops := 0; ; hops++ {
		resp, err := t.next.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		switch resp.StatusCode {
		case http.StatusMovedPermanently, http.StatusPermanentRedirect, http.StatusFound, http.StatusTemporaryRedirect, http.StatusSeeOther:
		default:
			return resp, nil
		}
		drainClose(resp.Body)
		rerr := &RedirectError{Method: req.Method, Path: r.URL.EscapedPath(), StatusCode: resp.StatusCode}
		loc, perr := r.URL.Parse(resp.Header.Get("Location"))
		switch {
		case resp.Header.Get("Location") == "" || perr != nil:
			rerr.Reason = "no usable Location"
			return nil, rerr
		default:
			rerr.Location = loc.Scheme + "://" + loc.Host
		}
		isTemp := resp.StatusCode == http.StatusFound || resp.StatusCode == http.StatusTemporaryRedirect
		switch {
		case resp.StatusCode == http.StatusSeeOther:
			rerr.Reason = "GitHub does not answer 303; following it would turn the request into a GET"
		case loc.Scheme != t.scheme || !strings.EqualFold(loc.Host, t.host):
			rerr.Reason = "it leaves the API's origin (" + t.scheme + "://" + t.host + ")"
		case isTemp && temporary:
			rerr.Reason = "a temporary redirect is repeated only once"
		case hops >= maxRedirects:
			rerr.Reason = fmt.Sprintf("more than %d redirects", maxRedirects)
		case req.Body != nil && req.Body != http.NoBody && req.GetBody == nil:
			rerr.Reason = "the request's body cannot be sent again"
		default:
			rerr = nil
		}
		if rerr != nil {
			return nil, rerr
		}
		temporary = temporary || isTemp
		next := req.Clone(req.Context())
		next.URL, next.Host = loc, ""
		if req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
			if next.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
		r = next
	}
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
