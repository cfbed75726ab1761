// Package headerwait reads the waits that servers ask for in headers
// (Retry-After, and GitHub's x-ratelimit-reset), so that the REST client
// (api) and the registry client (api/image) read them alike: an absurd or
// overflowing value means "later than any sane wait", never "now".
package headerwait

import (
	"math"
	"net/http"
	"strings"
	"time"
)

// Max bounds a wait told by a header. A larger value, an overflowing one
// included, is clamped to it: longer than any sensible retry bound, so that
// a caller refuses it rather than retrying at once.
const Max = 365 * 24 * time.Hour

// RetryAfter reads a Retry-After value, delay-seconds or an HTTP date, as
// the time to send again, clamped to Max from now. ok is false when v is
// empty or malformed.
func RetryAfter(v string, now time.Time) (at time.Time, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if n, ok := Digits(v); ok {
		if n > int64(Max/time.Second) {
			return now.Add(Max), true
		}
		return now.Add(time.Duration(n) * time.Second), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return Clamp(t, now), true
	}
	return time.Time{}, false
}

// Clamp returns t, or now+Max when t is later.
func Clamp(t, now time.Time) time.Time {
	if far := now.Add(Max); t.After(far) {
		return far
	}
	return t
}

// Digits reads a non-negative decimal number. A number too large for int64
// is math.MaxInt64 (ok), so that it reads as "too long", not "malformed".
func Digits(v string) (int64, bool) {
	if v == "" || len(v) > 4096 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (math.MaxInt64-9)/10 {
			n = math.MaxInt64
			continue
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
