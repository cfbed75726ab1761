package image

import (
	"net/http"
	"strings"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/internal/headerwait"
)

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
		if req.Body != nil {
			req.Body.Close()
		}
		why := "request"
		if strings.HasPrefix(req.Header.Get("Authorization"), "Basic ") {
			why = "token exchange"
		}
		return nil, &ForeignHostError{Host: req.URL.Host, Why: why}
	}
	return g.base.RoundTrip(req)
}

// retryTransport retries reads answered 429 (honouring Retry-After) or 5xx
// and network errors, waiting on the api.Clock. oras' own retry package
// waits on real timers, which tests could not fake, so this one replaces it.
type retryTransport struct {
	base    http.RoundTripper
	clock   api.Clock
	retries int
	hook    func(Wait)
}

// maxWait caps one wait: a Retry-After beyond it is answered by giving up.
const maxWait = 5 * time.Minute

// RoundTrip sends req, waiting and retrying as the registry asks.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	var lastAfter time.Duration
	for attempt := 0; ; attempt++ {
		resp, err := t.base.RoundTrip(req)
		if err != nil {
			if _, foreign := err.(*ForeignHostError); foreign || ctx.Err() != nil || attempt >= t.retries || req.Body != nil {
				return nil, err
			}
		} else if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode < 500 {
			return resp, nil
		}
		status := 0
		wait := backoff(attempt)
		if resp != nil {
			status = resp.StatusCode
			if d, ok := retryAfter(resp.Header.Get("Retry-After"), t.clock.Now()); ok {
				wait, lastAfter = d, d
			}
			if attempt >= t.retries || wait > maxWait || req.Body != nil {
				if status == http.StatusTooManyRequests {
					drain(resp)
					return nil, &RateLimitError{RetryAfter: lastAfter, Attempts: attempt + 1}
				}
				return resp, nil
			}
			drain(resp)
		}
		if t.hook != nil {
			t.hook(Wait{Status: status, Attempt: attempt + 1, Duration: wait, URL: req.URL.Redacted()})
		}
		if err := t.clock.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func drain(resp *http.Response) {
	buf := make([]byte, 512)
	for range 8 {
		if _, err := resp.Body.Read(buf); err != nil {
			break
		}
	}
	resp.Body.Close()
}

// backoff is 1s, 2s, 4s ... capped at 30s.
func backoff(attempt int) time.Duration {
	d := time.Second << min(attempt, 5)
	return min(d, 30*time.Second)
}

// retryAfter reads Retry-After as seconds or an HTTP date, the way the
// REST client does (internal/headerwait): an absurd or overflowing value is
// "too long" (beyond maxWait), never "now".
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	at, ok := headerwait.RetryAfter(v, now)
	if !ok {
		return 0, false
	}
	return max(at.Sub(now), 0), true
}
