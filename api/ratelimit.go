package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ghpackages/restore/internal/headerwait"
	"github.com/ghpackages/restore/internal/wire"
)

// Reading GitHub's answers: error bodies, rate limits and their waits.

const maxErrorBody = 1 << 20

// peekBody reads up to maxErrorBody of an error body and puts it back, so
// that the facade can read it again.
func peekBody(resp *http.Response) []byte { return wire.PeekBody(resp, maxErrorBody) }

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
	reset, hasReset := resetAt(h, now)
	// GitHub's order: retry-after; else the reset when remaining is 0; else
	// at least a minute.
	switch {
	case hasRetryAfter:
		e.RetryAt, e.told = retryAfter, true
	case hasRemaining && remaining == 0 && hasReset:
		e.RetryAt, e.told = reset, true
	default:
		e.RetryAt = now.Add(time.Minute)
	}
	if e.RetryAt.Before(now) {
		e.RetryAt = now
	}
	return e
}

// retryAfter reads Retry-After as seconds or an HTTP date, clamped to
// headerwait.Max from now.
func retryAfter(h http.Header, now time.Time) (time.Time, bool) {
	return headerwait.RetryAfter(h.Get("Retry-After"), now)
}

// resetAt reads x-ratelimit-reset (UTC epoch seconds) as the time to send
// again: a second after the reset, clamped to headerwait.Max from now.
func resetAt(h http.Header, now time.Time) (time.Time, bool) {
	n, ok := headerwait.Digits(strings.TrimSpace(h.Get("X-Ratelimit-Reset")))
	if !ok {
		return time.Time{}, false
	}
	if n > now.Add(headerwait.Max).Unix() {
		return now.Add(headerwait.Max), true
	}
	return time.Unix(n, 0).Add(time.Second), true
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

// gate remembers an exhausted primary rate limit ("core") until its reset.
type gate struct {
	mu    sync.Mutex
	until time.Time
}

// observe reads an answer's x-ratelimit-* headers: remaining 0 closes the
// gate until the reset (an absurd reset keeps it closed for headerwait.Max),
// a positive remaining opens it.
func (g *gate) observe(h http.Header, now time.Time) {
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
	if reset, ok := resetAt(h, now); ok {
		g.until = reset
	}
}

func (g *gate) closedUntil() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.until
}
