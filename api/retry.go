package api

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// RetryPolicy bounds how the client retries. GitHub's rules decide what is
// retried and how long to wait (see the package documentation); the policy
// bounds how often and how long.
type RetryPolicy struct {
	// MaxAttempts is the most requests one call may send, the first included
	// (1 turns retries off).
	MaxAttempts int
	// MaxWait is the longest single wait the client accepts. A wait GitHub
	// asks for that is longer, or that would outlast the context's deadline,
	// ends the call at once with a *RateLimitError (or the last *Error) that
	// says when to retry. 0 means never wait.
	MaxWait time.Duration
	// BaseDelay is the first backoff after a 5xx answer, a network error or a
	// transient restore answer; it doubles each time, with up to 50% jitter
	// added, and is capped by MaxDelay.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// NoWaitForPrimaryLimit makes a call fail at once with a *RateLimitError
	// when the primary limit is exhausted, instead of waiting for its reset
	// (when that is within MaxWait). Later calls are refused locally, without
	// sending, until the reset.
	NoWaitForPrimaryLimit bool
}

// DefaultRetryPolicy is the policy of a new Client: up to 5 attempts, waits
// up to 2 minutes each, backoff from 1 s doubling to at most 30 s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 5, MaxWait: 2 * time.Minute, BaseDelay: time.Second, MaxDelay: 30 * time.Second}
}

func (p RetryPolicy) validate() error {
	switch {
	case p.MaxAttempts < 1:
		return fmt.Errorf("RetryPolicy.MaxAttempts is %d; at least 1 (no retries)", p.MaxAttempts)
	case p.MaxAttempts > 100:
		return fmt.Errorf("RetryPolicy.MaxAttempts is %d; at most 100", p.MaxAttempts)
	case p.MaxWait < 0:
		return fmt.Errorf("RetryPolicy.MaxWait is negative")
	case p.BaseDelay <= 0:
		return fmt.Errorf("RetryPolicy.BaseDelay must be positive")
	case p.MaxDelay < p.BaseDelay:
		return fmt.Errorf("RetryPolicy.MaxDelay is below BaseDelay")
	}
	return nil
}

// WaitReason says why the client waits.
type WaitReason string

// Reasons for a wait.
const (
	ReasonServerError      WaitReason = "server error"             // 500, 502, 503, 504: backoff, then retry
	ReasonNetwork          WaitReason = "network error"            // connection refused, reset, dropped: backoff, then retry
	ReasonTimeout          WaitReason = "attempt timed out"        // no complete answer within WithAttemptTimeout: backoff, then retry
	ReasonSecondaryLimit   WaitReason = "secondary rate limit"     // 403/429 with GitHub's secondary-limit answer
	ReasonPrimaryLimit     WaitReason = "primary rate limit"       // x-ratelimit-remaining: 0, until x-ratelimit-reset
	ReasonTransientRestore WaitReason = "transient restore answer" // GitHub's "try again later" answers to a restore
	ReasonGate             WaitReason = "primary limit gate"       // a call waits at the local gate for the primary limit's reset
	ReasonPacing           WaitReason = "write pacing"             // the least gap between two writes (WithWritePacing)
	ReasonReadBudget       WaitReason = "read budget"              // the per-minute read budget is spent (WithReadBudget)
)

// WaitEvent describes one wait, before it starts, for WithWaitHook and logs.
type WaitEvent struct {
	Method string
	Path   string // escaped request path
	// Attempt is the attempt the wait comes before, from 1: 2 for the wait
	// after a first attempt failed, 1 for a first attempt held back by the
	// gate, pacing or the read budget; 0 when the request was not made by a
	// Client method and nothing counts its attempts.
	Attempt int
	Reason  WaitReason
	Status  int // GitHub's status that caused the wait; 0 for a network error, a timeout, the gate, pacing and the read budget
	Wait    time.Duration
	// Until is when the wait ends, on the client's Clock.
	Until     time.Time
	RequestID string // X-GitHub-Request-Id of the answer that caused the wait
	Err       error  // the network error or timeout, if any
}

// answer is what the retry logic makes of one response.
type answer struct {
	reason    WaitReason // "" when the answer is final
	wait      time.Duration
	uncertain bool // the request may have taken effect
}

// backoff is the jittered exponential delay before retry n (n >= 1): the
// base doubled n-1 times, capped, plus up to half of it again.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	return d + rand.N(d/2+1)
}

// isMutating reports whether GitHub counts the method as a write.
func isMutating(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// retryableNetErr tells a transient network error from a final one. Final
// are a failing token source, a redirect not followed, a host name that does
// not exist (a typo in the base URL should not take retries to surface) and
// a certificate the client does not trust.
func retryableNetErr(err error) bool {
	if errors.Is(err, errTokenSource) || errors.Is(err, ErrRedirect) {
		return false
	}
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return false
	}
	var cert *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var host x509.HostnameError
	return !errors.As(err, &cert) && !errors.As(err, &unknownCA) && !errors.As(err, &host)
}

// retryTransport retries what GitHub says may be retried, waits as GitHub
// says, and refuses calls locally while the primary limit is exhausted. It
// reads a successful GET's body within the attempt, so that a body that
// stalls or breaks is retried like any network error.
type retryTransport struct {
	next    http.RoundTripper
	policy  RetryPolicy
	w       *waiter
	gate    *gate
	maxBody int64

	deprecationOnce sync.Once
}

// Format keeps the fields out of %v.
func (t *retryTransport) Format(f fmt.State, _ rune) { fmt.Fprint(f, "api.retryTransport{}") }

// RoundTrip sends req, retrying and waiting as GitHub's rules and the
// policy say. A final answer is returned as it is; the facade types it.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	st := callStateFrom(ctx)
	// GET /rate_limit does not count against the primary limit: never gated.
	gated := !strings.HasSuffix(req.URL.Path, "/rate_limit")
	secondaries := 0
	for attempt := 1; ; attempt++ {
		if st != nil {
			st.attempt = attempt
		}
		if gated {
			if err := t.waitGate(ctx, req, attempt); err != nil {
				closeBody(req)
				return nil, err
			}
		}
		resp, err := t.send(ctx, req, attempt)
		a := t.classify(ctx, req, resp, err, attempt, &secondaries)
		if a.uncertain && st != nil {
			st.uncertain = true
		}
		if a.reason == "" || !t.mayWait(ctx, a, attempt) {
			return resp, err
		}
		ev := WaitEvent{Method: req.Method, Path: req.URL.EscapedPath(), Attempt: attempt + 1, Reason: a.reason, Wait: a.wait, Err: err}
		if resp != nil {
			ev.Status = resp.StatusCode
			ev.RequestID = resp.Header.Get("X-Github-Request-Id")
			drainClose(resp.Body)
		}
		if err := t.w.wait(ctx, ev); err != nil {
			return nil, err
		}
	}
}

// send makes one attempt. A successful GET's body is read within it.
func (t *retryTransport) send(ctx context.Context, req *http.Request, attempt int) (*http.Response, error) {
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
	if err != nil {
		return nil, err
	}
	if (req.Method == http.MethodGet || req.Method == http.MethodHead) && resp.StatusCode/100 == 2 {
		if err := bufferBody(resp, t.maxBody); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// classify decides what one attempt's outcome asks for: nothing (final),
// or a wait and another attempt.
func (t *retryTransport) classify(ctx context.Context, req *http.Request, resp *http.Response, err error, attempt int, secondaries *int) answer {
	if err != nil {
		if ctx.Err() != nil || !retryableNetErr(err) {
			return answer{}
		}
		reason := ReasonNetwork
		if errors.Is(err, ErrAttemptTimeout) {
			reason = ReasonTimeout
		}
		return answer{reason: reason, wait: t.policy.backoff(attempt), uncertain: isMutating(req.Method)}
	}
	now := t.w.clock.Now()
	t.gate.observe(resp.Header, now)
	t.warnDeprecation(ctx, resp.Header)
	switch resp.StatusCode {
	case 500, 502, 503, 504:
		return answer{reason: ReasonServerError, wait: t.policy.backoff(attempt), uncertain: isMutating(req.Method)}
	case 403, 422, 429:
	default:
		return answer{}
	}
	g := parseGitHubError(peekBody(resp))
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

func (t *retryTransport) waitGate(ctx context.Context, req *http.Request, attempt int) error {
	until := t.gate.closedUntil()
	if until.IsZero() {
		return nil
	}
	wait := until.Sub(t.w.clock.Now())
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
	return t.w.wait(ctx, WaitEvent{Method: req.Method, Path: req.URL.EscapedPath(), Attempt: attempt, Reason: ReasonGate, Wait: wait})
}

// logAttempt logs one request at Debug: method, escaped path, attempt,
// status and request id (never a header value of the request).
func (t *retryTransport) logAttempt(ctx context.Context, req *http.Request, attempt int, resp *http.Response, err error) {
	l := t.w.logger
	if !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{slog.String("method", req.Method), slog.String("path", req.URL.EscapedPath()), slog.Int("attempt", attempt)}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode), slog.String("request_id", t.w.secrets.redact(resp.Header.Get("X-Github-Request-Id"))))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", t.w.secrets.redact(err.Error())))
	}
	l.LogAttrs(ctx, slog.LevelDebug, "request", attrs...)
}

// warnDeprecation logs, once per client, that GitHub announced the end of
// the API version in use (Deprecation or Sunset headers).
func (t *retryTransport) warnDeprecation(ctx context.Context, h http.Header) {
	dep, sunset := h.Get("Deprecation"), h.Get("Sunset")
	if dep == "" && sunset == "" {
		return
	}
	t.deprecationOnce.Do(func() {
		t.w.logger.LogAttrs(ctx, slog.LevelWarn, "GitHub announced the end of this API version; set a newer one with WithAPIVersion",
			slog.String("deprecation", t.w.secrets.redact(dep)), slog.String("sunset", t.w.secrets.redact(sunset)),
			slog.String("api_version_selected", t.w.secrets.redact(h.Get("X-Github-Api-Version-Selected"))))
	})
}

// logWait logs a wait at Info, before it starts.
func logWait(ctx context.Context, l *slog.Logger, ev WaitEvent) {
	if !l.Enabled(ctx, slog.LevelInfo) {
		return
	}
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
	l.LogAttrs(ctx, slog.LevelInfo, "waiting", attrs...)
}

// bufferedBody is a body read whole within its attempt (up to the client's
// limit, and one byte more to tell that it is larger).
type bufferedBody struct {
	buf []byte
	off int
}

// Read reads the buffered bytes.
func (b *bufferedBody) Read(p []byte) (int, error) {
	if b.off >= len(b.buf) {
		return 0, io.EOF
	}
	n := copy(p, b.buf[b.off:])
	b.off += n
	return n, nil
}

// Close does nothing: the connection's body is closed already.
func (b *bufferedBody) Close() error { return nil }

// bufferBody reads up to limit+1 bytes of resp's body and closes it,
// replacing it with the bytes read.
func bufferBody(resp *http.Response, limit int64) error {
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil
	}
	size := int64(512)
	if resp.ContentLength >= 0 {
		// A declared length sizes the buffer, up to 1 MiB: a larger one
		// grows as bytes really arrive.
		size = min(resp.ContentLength+1, limit+1, 1<<20)
	}
	buf := make([]byte, 0, size)
	r := io.LimitReader(resp.Body, limit+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			resp.Body.Close()
			return err
		}
	}
	drainClose(resp.Body)
	resp.Body = &bufferedBody{buf: buf}
	return nil
}
