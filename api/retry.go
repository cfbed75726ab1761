package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ghpackages/restore/internal/wire"
)

// RetryPolicy bounds how the client retries. GitHub's rules decide what is
// retried and how long to wait (see the package documentation); the policy
// bounds how often and how long: MaxAttempts (the first included), MaxWait
// (the longest single wait; a longer one ends the call with a
// *RateLimitError or the last *Error that says when to retry), BaseDelay and
// MaxDelay (the jittered exponential backoff after a 5xx answer, a network
// error or a transient restore answer) and NoWaitForPrimaryLimit (fail at
// once, and refuse later calls locally until the reset, instead of waiting
// for an exhausted primary limit). The registry client (api/image) takes
// the same policy.
type RetryPolicy = wire.RetryPolicy

// DefaultRetryPolicy is the policy of a new Client: up to 5 attempts, waits
// up to 2 minutes each, backoff from 1 s doubling to at most 30 s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 5, MaxWait: 2 * time.Minute, BaseDelay: time.Second, MaxDelay: 30 * time.Second}
}

// WaitReason says why the client waits.
type WaitReason = wire.WaitReason

// Reasons for a wait.
const (
	ReasonServerError      = wire.ReasonServerError      // 500, 502, 503, 504: backoff, then retry
	ReasonNetwork          = wire.ReasonNetwork          // connection refused, reset, dropped: backoff, then retry
	ReasonTimeout          = wire.ReasonTimeout          // no complete answer within WithAttemptTimeout: backoff, then retry
	ReasonSecondaryLimit   = wire.ReasonSecondaryLimit   // 403/429 with GitHub's secondary-limit answer
	ReasonPrimaryLimit     = wire.ReasonPrimaryLimit     // x-ratelimit-remaining: 0, until x-ratelimit-reset
	ReasonTransientRestore = wire.ReasonTransientRestore // GitHub's "try again later" answers to a restore
	ReasonGate             = wire.ReasonGate             // a call waits at the local gate for the primary limit's reset
	ReasonPacing           = wire.ReasonPacing           // the least gap between two writes (WithWritePacing)
	ReasonReadBudget       = wire.ReasonReadBudget       // the per-minute read budget is spent (WithReadBudget)
	ReasonRegistryLimit    = wire.ReasonRegistryLimit    // a container registry answered 429 (api/image)
)

// WaitEvent describes one wait, before it starts, for WithWaitHook and logs;
// the registry client (api/image) reports its waits with the same type.
// Method and Path (escaped) name the request; Attempt is the attempt the
// wait comes before, from 1 (0 when nothing counts the request's attempts);
// Reason says why; Status is the answer that caused it (0 for a network
// error, a timeout, the gate, pacing and the read budget); Wait and Until
// (on the client's Clock) say how long; RequestID is GitHub's
// X-GitHub-Request-Id of that answer; Err is the network error or timeout.
// Every text in it has tokens masked.
type WaitEvent = wire.WaitEvent

// retryableNetErr tells a transient network error from a final one. Final
// are a failing token source, a redirect not followed, and what can never
// succeed by retrying (wire.Transient): a host name that does not exist (a
// typo in the base URL should not take retries to surface), a certificate
// the client does not trust, an https request to a plain http server.
func retryableNetErr(err error) bool {
	if errors.Is(err, errTokenSource) || errors.Is(err, ErrRedirect) {
		return false
	}
	return wire.Transient(err)
}

// githubRetry is the REST client's part of the retry layer: GitHub's
// classifier (rate limits, transient restore answers), the local gate of an
// exhausted primary limit, and the per-attempt log. The loop, the waits and
// the body buffering are internal/wire's Retry.
type githubRetry struct {
	policy  RetryPolicy
	w       *wire.Waiter
	logger  *slog.Logger
	gate    *gate
	secrets *secrets

	deprecationOnce sync.Once
}

// Format keeps the fields out of %v.
func (t *githubRetry) Format(f fmt.State, _ rune) { fmt.Fprint(f, "api.githubRetry{}") }

// transport returns the retry layer over next.
func (t *githubRetry) transport(next http.RoundTripper, maxBody int64) *wire.Retry {
	return &wire.Retry{
		Next: next, Policy: t.policy, Waiter: t.w, MaxBody: maxBody,
		Classify: t.classify, Before: t.before, After: t.logAttempt,
		RequestIDHeader: "X-Github-Request-Id",
	}
}

// before counts the call's attempt and holds it at the gate. GET
// /rate_limit does not count against the primary limit: never gated.
func (t *githubRetry) before(ctx context.Context, req *http.Request, attempt int) error {
	if st := callStateFrom(ctx); st != nil {
		st.attempt = attempt
	}
	if strings.HasSuffix(req.URL.Path, "/rate_limit") {
		return nil
	}
	return t.waitGate(ctx, req, attempt)
}

// classify decides what one attempt's outcome asks for: nothing (final),
// or a wait and another attempt.
func (t *githubRetry) classify(ctx context.Context, req *http.Request, resp *http.Response, err error, attempt, secondaries int) wire.Answer {
	a := t.answer(ctx, req, resp, err, attempt, secondaries)
	if a.Uncertain {
		if st := callStateFrom(ctx); st != nil {
			st.uncertain = true
		}
	}
	return a
}

func (t *githubRetry) answer(ctx context.Context, req *http.Request, resp *http.Response, err error, attempt, secondaries int) wire.Answer {
	if err != nil {
		if !retryableNetErr(err) {
			return wire.Answer{}
		}
		return wire.NetAnswer(ctx, t.policy, req, err, attempt, ErrAttemptTimeout)
	}
	now := t.w.Clock.Now()
	t.gate.observe(resp.Header, now)
	t.warnDeprecation(ctx, resp.Header)
	switch resp.StatusCode {
	case 500, 502, 503, 504:
		return wire.Answer{Reason: ReasonServerError, Wait: t.policy.Backoff(attempt), Uncertain: wire.IsMutating(req.Method)}
	case 403, 422, 429:
	default:
		return wire.Answer{}
	}
	g := parseGitHubError(peekBody(resp))
	if rl := rateLimitFrom(resp, g, now); rl != nil {
		if !rl.Secondary {
			if t.policy.NoWaitForPrimaryLimit {
				return wire.Answer{}
			}
			return wire.Answer{Reason: ReasonPrimaryLimit, Wait: rl.RetryAt.Sub(now)}
		}
		wait := rl.RetryAt.Sub(now)
		if !rl.told {
			// No header says how long: at least a minute, doubling.
			wait = time.Minute << min(secondaries, 10)
		}
		return wire.Answer{Reason: ReasonSecondaryLimit, Wait: wait, Escalate: true}
	}
	if isTransientRestore(resp.StatusCode, g) {
		return wire.Answer{Reason: ReasonTransientRestore, Wait: t.policy.Backoff(attempt)}
	}
	return wire.Answer{}
}

func (t *githubRetry) waitGate(ctx context.Context, req *http.Request, attempt int) error {
	until := t.gate.closedUntil()
	if until.IsZero() {
		return nil
	}
	wait := until.Sub(t.w.Clock.Now())
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
	return t.w.Wait(ctx, WaitEvent{Method: req.Method, Path: req.URL.EscapedPath(), Attempt: attempt, Reason: ReasonGate, Wait: wait})
}

// logAttempt logs one request at Debug: method, escaped path, attempt,
// status and request id (never a header value of the request).
func (t *githubRetry) logAttempt(ctx context.Context, req *http.Request, attempt int, resp *http.Response, err error) {
	l := t.logger
	if !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{slog.String("method", req.Method), slog.String("path", req.URL.EscapedPath()), slog.Int("attempt", attempt)}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode), slog.String("request_id", t.secrets.redact(resp.Header.Get("X-Github-Request-Id"))))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", t.secrets.redact(err.Error())))
	}
	l.LogAttrs(ctx, slog.LevelDebug, "request", attrs...)
}

// warnDeprecation logs, once per client, that GitHub announced the end of
// the API version in use (Deprecation or Sunset headers).
func (t *githubRetry) warnDeprecation(ctx context.Context, h http.Header) {
	dep, sunset := h.Get("Deprecation"), h.Get("Sunset")
	if dep == "" && sunset == "" {
		return
	}
	t.deprecationOnce.Do(func() {
		t.logger.LogAttrs(ctx, slog.LevelWarn, "GitHub announced the end of this API version; set a newer one with WithAPIVersion",
			slog.String("deprecation", t.secrets.redact(dep)), slog.String("sunset", t.secrets.redact(sunset)),
			slog.String("api_version_selected", t.secrets.redact(h.Get("X-Github-Api-Version-Selected"))))
	})
}
