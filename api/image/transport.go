package image

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/internal/headerwait"
	"github.com/ghpackages/restore/internal/wire"
)

// The registry client's transport is a stack of internal/wire's parts, the
// same as the REST client's (see package api), from the top:
//
//	wire.Retry    retries and waits with the registry's classifier (registryRetry); reads a GET's body within its attempt
//	wire.Timeout  bounds each attempt, headers and body, on the Clock (WithAttemptTimeout)
//	hostGuard     requests to the registry's host only (the token never leaves it)
//	sentNote      remembers the credentials sent, to mask them; wire.NoteSent
//	(the caller's transport, or a pool of its own)
//
// oras' auth.Client sits above it: the token exchange and each read are
// requests of their own through the whole stack.

// hostGuard sends requests to the registry's host only. oras follows the
// realm of a 401 challenge wherever it points; the GitHub token must reach
// no other host, so a request elsewhere is refused before it is sent.
type hostGuard struct {
	host string
	base http.RoundTripper
}

// RoundTrip refuses a request to another host, and sends the rest.
func (g *hostGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.EqualFold(req.URL.Host, g.host) {
		wire.CloseBody(req)
		why := "request"
		if strings.HasPrefix(req.Header.Get("Authorization"), "Basic ") {
			why = "token exchange"
		}
		return nil, &ForeignHostError{Host: req.URL.Host, Why: why}
	}
	return g.base.RoundTrip(req)
}

// sentNote is the bottom of the stack: it remembers the credentials a
// request carries (the GitHub token of a token exchange, the registry's
// bearer token), so that every text the client reports masks them, and
// tells the caller's context that the request really leaves the client.
type sentNote struct {
	secrets *wire.Secrets
	next    http.RoundTripper
}

// RoundTrip notes the request and sends it.
func (s *sentNote) RoundTrip(req *http.Request) (*http.Response, error) {
	s.secrets.SawAuthorization(req.Header.Get("Authorization"))
	wire.NoteSent(req.Context())
	return s.next.RoundTrip(req)
}

// registryRetry is the registry's classifier for wire.Retry.
type registryRetry struct {
	policy api.RetryPolicy
	clock  api.Clock
}

// minLimitWait is the least wait after a 429: ghcr asks for waits of a few
// milliseconds, which would only bring the next 429.
const minLimitWait = 100 * time.Millisecond

// classify retries a 429 after the wait the registry asks for, a 5xx, a
// transient network error and a timed-out attempt after a backoff; nothing
// else.
func (t *registryRetry) classify(ctx context.Context, req *http.Request, resp *http.Response, err error, attempt, _ int) wire.Answer {
	if err != nil {
		var foreign *ForeignHostError
		if errors.As(err, &foreign) {
			return wire.Answer{}
		}
		return wire.NetAnswer(ctx, t.policy, req, err, attempt, api.ErrAttemptTimeout)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return wire.Answer{Reason: api.ReasonRegistryLimit, Wait: t.limitWait(resp, attempt)}
	case 500, 502, 503, 504:
		return wire.Answer{Reason: api.ReasonServerError, Wait: t.policy.Backoff(attempt)}
	}
	return wire.Answer{}
}

// limitWait is the wait after a 429: Retry-After as told (as the REST
// client honours it), at least minLimitWait; else the body's retry-after,
// at least minLimitWait, plus up to a quarter more of jitter, so that the
// reads in flight do not come back at the same instant; else a backoff.
func (t *registryRetry) limitWait(resp *http.Response, attempt int) time.Duration {
	now := t.clock.Now()
	if at, ok := headerwait.RetryAfter(resp.Header.Get("Retry-After"), now); ok {
		return max(at.Sub(now), minLimitWait)
	}
	if d, ok := bodyRetryAfter(wire.PeekBody(resp, 64<<10)); ok {
		d = max(d, minLimitWait)
		return d + wire.Jitter(d/4)
	}
	return t.policy.Backoff(attempt)
}

// giveUp ends a call the policy does not let wait again: a 429 becomes a
// *RegistryRateLimitError; anything else is returned as it is.
func (t *registryRetry) giveUp(req *http.Request, resp *http.Response, err error, a wire.Answer, attempt int) (*http.Response, error) {
	if resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		return resp, err
	}
	after, _ := limitWait(resp, t.clock.Now())
	wire.DrainClose(resp.Body)
	return nil, &RegistryRateLimitError{RetryAfter: after, Attempts: attempt}
}

// limitWait reads the wait a 429 asks for: Retry-After when present, else
// the "retry-after: DURATION" of the body's message, which is how ghcr.io
// says it ("toomanyrequests: retry-after: 1.16676ms, allowed:
// 44000/minute").
func limitWait(resp *http.Response, now time.Time) (time.Duration, bool) {
	if at, ok := headerwait.RetryAfter(resp.Header.Get("Retry-After"), now); ok {
		return max(at.Sub(now), 0), true
	}
	return bodyRetryAfter(wire.PeekBody(resp, 64<<10))
}

// bodyRetryAfter finds "retry-after:" (any case) in body and reads the Go
// duration after it, clamped to headerwait.Max.
func bodyRetryAfter(body []byte) (time.Duration, bool) {
	const key = "retry-after:"
	i := 0
	for ; i+len(key) <= len(body); i++ {
		if strings.EqualFold(string(body[i:i+len(key)]), key) {
			break
		}
	}
	if i+len(key) > len(body) {
		return 0, false
	}
	rest := bytes.TrimLeft(body[i+len("retry-after:"):], " \t")
	end := bytes.IndexFunc(rest, func(r rune) bool {
		return !(r == '.' || r == 'µ' || r == 'μ' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
	})
	if end >= 0 {
		rest = rest[:end]
	}
	d, err := time.ParseDuration(string(rest))
	switch {
	case err == nil:
		return min(d, headerwait.Max), true
	case len(rest) > 0 && '0' <= rest[0] && rest[0] <= '9' && bytes.ContainsAny(rest, "hmsuµμn"):
		// Digits and units that overflow a Duration: longer than any
		// sane wait, never "now".
		return headerwait.Max, true
	}
	return 0, false
}
