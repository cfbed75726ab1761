package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
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
		return fmt.Errorf("restore: RetryPolicy.MaxAttempts is %d; at least 1 (no retries)", p.MaxAttempts)
	case p.MaxAttempts > 100:
		return fmt.Errorf("restore: RetryPolicy.MaxAttempts is %d; at most 100", p.MaxAttempts)
	case p.MaxWait < 0:
		return fmt.Errorf("restore: RetryPolicy.MaxWait is negative")
	case p.BaseDelay <= 0:
		return fmt.Errorf("restore: RetryPolicy.BaseDelay must be positive")
	case p.MaxDelay < p.BaseDelay:
		return fmt.Errorf("restore: RetryPolicy.MaxDelay is below BaseDelay")
	}
	return nil
}

// RetryReason says why the client waits.
type RetryReason string

// Reasons for a wait.
const (
	ReasonServerError      RetryReason = "server error"             // 500, 502, 503, 504
	ReasonNetwork          RetryReason = "network error"            // connection refused, reset, dropped
	ReasonSecondaryLimit   RetryReason = "secondary rate limit"     // 403/429 with GitHub's secondary-limit answer
	ReasonPrimaryLimit     RetryReason = "primary rate limit"       // x-ratelimit-remaining: 0
	ReasonTransientRestore RetryReason = "transient restore answer" // GitHub's "try again later" answers to a restore
	ReasonGate             RetryReason = "primary limit gate"       // a call waits at the local gate for the reset
)

// RetryEvent describes one wait before a retry, for WithRetryHook and logs.
type RetryEvent struct {
	Method    string
	Path      string // escaped request path
	Attempt   int    // the attempt that failed, from 1
	Reason    RetryReason
	Status    int // 0 for a network error or the gate
	Wait      time.Duration
	RequestID string
	Err       error // the network error, if any
}

// answer is what the retry logic makes of one response.
type answer struct {
	reason    RetryReason // "" when the answer is final
	wait      time.Duration
	uncertain bool // the request may have taken effect
}

const maxErrorBody = 1 << 20

// peekedBody is an error body the retry layer has read the start of: buf,
// then whatever is left in rest.
type peekedBody struct {
	buf  []byte
	r    io.Reader
	rest io.ReadCloser
}

// Read reads the peeked bytes, then the rest.
func (p *peekedBody) Read(b []byte) (int, error) { return p.r.Read(b) }

// Close closes the underlying body.
func (p *peekedBody) Close() error { return p.rest.Close() }

// peekBody reads up to maxErrorBody of an error body and puts it back, so
// that the facade can read it again (errorBody takes buf without copying).
func peekBody(resp *http.Response) []byte {
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil
	}
	if p, ok := resp.Body.(*peekedBody); ok {
		return p.buf
	}
	// A read error leaves what was read; the facade reports the status anyway.
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body = &peekedBody{buf: b, r: io.MultiReader(bytes.NewReader(b), resp.Body), rest: resp.Body}
	return b
}

// githubError is the JSON of GitHub's error bodies.
type githubError struct {
	Message          string `json:"message"`
	DocumentationURL string `json:"documentation_url"`
}

func parseGitHubError(body []byte) githubError {
	var g githubError
	b := bytes.TrimSpace(body)
	if len(b) > 0 && b[0] == '{' {
		_ = json.Unmarshal(b, &g) // a malformed body leaves the fields empty
	}
	return g
}

// isSecondaryLimit recognises GitHub's secondary (abuse) rate-limit answers
// by message or documentation_url, old and new wordings.
func isSecondaryLimit(g githubError) bool {
	m := strings.ToLower(g.Message)
	d := g.DocumentationURL
	return strings.Contains(m, "secondary rate limit") ||
		strings.Contains(m, "abuse detection") ||
		strings.HasSuffix(d, "#about-secondary-rate-limits") ||
		strings.HasSuffix(d, "#secondary-rate-limits") ||
		strings.HasSuffix(d, "#abuse-rate-limits")
}

// isTransientRestore recognises GitHub's "try again later" answers to a
// restore: 422 "Restore not allowed at the moment, please try after some
// time." and 403 "This version cannot be restored due to an ongoing
// migration. Please try again later".
func isTransientRestore(status int, g githubError) bool {
	m := strings.ToLower(g.Message)
	switch status {
	case http.StatusUnprocessableEntity:
		return strings.Contains(m, "restore not allowed at the moment")
	case http.StatusForbidden:
		return strings.Contains(m, "ongoing migration")
	}
	return false
}

// rateLimitFrom classifies a 403 or 429 as a primary or secondary rate limit,
// or returns nil. now is the client's clock.
func rateLimitFrom(resp *http.Response, g githubError, now time.Time) *RateLimitError {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return nil
	}
	h := resp.Header
	remaining, hasRemaining := headerInt(h, "X-Ratelimit-Remaining")
	retryAfter, hasRetryAfter := retryAfter(h, now)
	secondary := isSecondaryLimit(g)
	primary := hasRemaining && remaining == 0 && !secondary
	if !secondary && !primary {
		if resp.StatusCode == http.StatusTooManyRequests {
			secondary = true // 429 is always a limit; GitHub uses it for secondary limits
		} else {
			return nil
		}
	}
	e := &RateLimitError{Secondary: secondary, Remaining: remaining, Resource: h.Get("X-Ratelimit-Resource")}
	e.Limit, _ = headerInt(h, "X-Ratelimit-Limit")
	reset, hasReset := headerInt(h, "X-Ratelimit-Reset")
	// GitHub's order: retry-after; else the reset when remaining is 0; else
	// at least a minute.
	switch {
	case hasRetryAfter:
		e.RetryAt, e.told = retryAfter, true
	case hasRemaining && remaining == 0 && hasReset:
		e.RetryAt, e.told = time.Unix(int64(reset), 0).Add(time.Second), true
	default:
		e.RetryAt = now.Add(time.Minute)
	}
	if e.RetryAt.Before(now) {
		e.RetryAt = now
	}
	return e
}

// retryAfter reads Retry-After as seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Time, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return time.Time{}, false
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return now.Add(time.Duration(n) * time.Second), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

func headerInt(h http.Header, key string) (int, bool) {
	v := h.Get(key)
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, false
	}
	return n, true
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

// retryableNetErr tells a transient network error from a final one: a
// failing token source is final.
func retryableNetErr(err error) bool { return !errors.Is(err, errTokenSource) }
