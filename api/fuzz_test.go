package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/gen"
)

// FuzzValidate: whatever passes validation becomes exactly the intended
// route, with each value one path segment that decodes back to itself.
func FuzzValidate(f *testing.F) {
	for _, s := range [][3]string{
		{"o", "container", "hello/hello_docker"}, {"..", "npm", "x"}, {"o", "npm", "a/../b"},
		{"o", "maven", "com.example:lib"}, {"o%2F", "npm", "%2e%2e"}, {"o", "docker", "a?b#c"},
		{"ü", "nuget", " x"}, {"o", "rubygems", "a\\b"},
	} {
		f.Add(s[0], s[1], s[2], int64(1))
	}
	f.Fuzz(func(t *testing.T, org, typ, name string, id int64) {
		pkg := api.Package{Owner: api.Org(org), Type: api.PackageType(typ), Name: name}
		if pkg.Validate() != nil || id <= 0 {
			return
		}
		req, err := gen.NewPackagesRestorePackageVersionForOrgRequest("https://api.github.com/", org, pkg.Type, name, int(id))
		if err != nil {
			t.Fatalf("valid input %q %q %q: %v", org, typ, name, err)
		}
		parts := strings.Split(strings.TrimPrefix(req.URL.EscapedPath(), "/"), "/")
		if len(parts) != 8 || parts[0] != "orgs" || parts[2] != "packages" || parts[5] != "versions" || parts[7] != "restore" {
			t.Fatalf("input %q %q %q became path %s", org, typ, name, req.URL.EscapedPath())
		}
		for i, want := range map[int]string{1: org, 3: typ, 4: name} {
			if got, err := url.PathUnescape(parts[i]); err != nil || got != want {
				t.Fatalf("segment %d = %q (%v), want %q", i, got, err, want)
			}
		}
	})
}

type cannedTransport struct {
	status int
	header http.Header
	body   string
}

func (c cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: c.status, Header: c.header, Body: io.NopCloser(strings.NewReader(c.body)), Request: r}, nil
}

// FuzzErrorDecoding: any non-2xx answer becomes a typed error that keeps its
// status, whatever the body and headers hold.
func FuzzErrorDecoding(f *testing.F) {
	f.Add(403, `{"message":"You have exceeded a secondary rate limit"}`, "", "")
	f.Add(429, "", "abc", "0")
	f.Add(404, `{"message":`, "", "")
	f.Add(500, "<html>", "", "")
	f.Add(403, `{"message":"API rate limit exceeded"}`, "", "0")
	f.Add(422, `{"message":"Restore not allowed at the moment, please try after some time."}`, "1", "")
	f.Fuzz(func(t *testing.T, status int, body, retryAfter, remaining string) {
		if status < 300 || status > 599 {
			return
		}
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		if remaining != "" {
			h.Set("X-Ratelimit-Remaining", remaining)
			h.Set("X-Ratelimit-Reset", "1")
		}
		c, err := api.New(api.WithBaseURL("https://api.github.com"), api.WithToken("ghp_x"),
			api.WithTransport(cannedTransport{status, h, body}), api.WithoutRetry(),
			api.WithHTTPClient(&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetVersion(context.Background(), api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "p"}, 1)
		var apiErr *api.Error
		var rl *api.RateLimitError
		var re *api.RedirectError
		switch {
		case errors.As(err, &rl) && rl.Local:
		case errors.As(err, &re):
			if re.StatusCode != status {
				t.Fatalf("redirect %d became %d", status, re.StatusCode)
			}
		case errors.As(err, &apiErr):
			if apiErr.StatusCode != status {
				t.Fatalf("status %d became %d", status, apiErr.StatusCode)
			}
		default:
			t.Fatalf("status %d: %v (%T)", status, err, err)
		}
	})
}

// limitTransport answers the first request with a rate limit carrying the
// fuzzed header, and every later one with a version.
type limitTransport struct {
	status int
	header http.Header
	body   string
	sent   atomic.Int32
}

func (l *limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if l.sent.Add(1) == 1 {
		return &http.Response{StatusCode: l.status, Header: l.header, Body: io.NopCloser(strings.NewReader(l.body)), Request: r}, nil
	}
	h := http.Header{"Content-Type": {"application/json"}}
	return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader(fuzzVersionJSON)), Request: r}, nil
}

const fuzzVersionJSON = `{"id":1,"name":"1.0.0","url":"u","package_html_url":"h","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`

// checkWait runs one call against rt and checks the rules of a told wait:
// the client waits at most MaxWait; a longer (or absurd) wait is the typed
// error at once, never "retry now"; digits beyond MaxWait are always an
// error. It returns the client, its clock and the call's error.
func checkWait(t *testing.T, rt *limitTransport, digits string, waitOf func(n uint64) (time.Duration, bool)) (*api.Client, *apitest.Clock, error) {
	t.Helper()
	policy := api.RetryPolicy{MaxAttempts: 2, MaxWait: 2 * time.Minute, BaseDelay: time.Second, MaxDelay: time.Second}
	clock := apitest.NewClock(fuzzStart)
	c, err := api.New(api.WithBaseURL("https://api.github.com"), api.WithToken("ghp_x"), api.WithTransport(rt),
		api.WithClock(clock), api.WithRetryPolicy(policy))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetVersion(context.Background(), api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "p"}, 1)
	var rl *api.RateLimitError
	switch {
	case err == nil:
		if clock.Slept() > policy.MaxWait || rt.sent.Load() != 2 {
			t.Fatalf("slept %v and sent %d; want at most MaxWait, then the retry", clock.Slept(), rt.sent.Load())
		}
	case errors.As(err, &rl):
		if rl.Local || clock.Slept() != 0 || rt.sent.Load() != 1 {
			t.Fatalf("%v: local %v, slept %v, sent %d", err, rl.Local, clock.Slept(), rt.sent.Load())
		}
		if wait := rl.RetryAt.Sub(fuzzStart); wait <= policy.MaxWait {
			t.Fatalf("refused a wait of %v, within MaxWait", wait)
		}
	default:
		t.Fatalf("err = %v (%T)", err, err)
	}
	if n, perr := strconv.ParseUint(digits, 10, 64); digits != "" && strings.Trim(digits, "0123456789") == "" {
		wait, known := waitOf(n)
		tooLong := perr != nil || (known && wait > policy.MaxWait)
		if tooLong && err == nil {
			t.Fatalf("%q: a wait beyond MaxWait was taken as one within it", digits)
		}
		if known && !tooLong && err != nil {
			t.Fatalf("%q: a wait of %v within MaxWait was refused: %v", digits, wait, err)
		}
	}
	return c, clock, err
}

var fuzzStart = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// FuzzRetryAfter: any Retry-After value on a secondary limit either is
// waited for, within MaxWait, or ends the call with the typed error at once.
func FuzzRetryAfter(f *testing.F) {
	for _, v := range []string{"0", "3", "120", "121", "10000000000", "9223372036854775807", "9223372036854775808",
		"99999999999999999999999", "-1", "1e10", " 5 ", "Fri, 31 Dec 9999 23:59:59 GMT", "Sun, 01 Nov 2026 12:01:00 GMT", ""} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{}
		h.Set("Retry-After", v)
		rt := &limitTransport{status: 429, header: h, body: `{"message":"You have exceeded a secondary rate limit."}`}
		checkWait(t, rt, strings.TrimSpace(h.Get("Retry-After")), func(n uint64) (time.Duration, bool) {
			if n > uint64(time.Duration(math.MaxInt64)/time.Second) {
				return time.Duration(math.MaxInt64), true
			}
			return time.Duration(n) * time.Second, true
		})
	})
}

// FuzzRateLimitReset: any x-ratelimit-reset on an exhausted primary limit is
// waited for within MaxWait, or is the typed error at once; then the local
// gate stays closed: the next call is refused without sending.
func FuzzRateLimitReset(f *testing.F) {
	for _, v := range []string{"0", fmt.Sprint(fuzzStart.Unix() + 5), fmt.Sprint(fuzzStart.Unix() + 3600), "10000000000",
		"9223372036854775807", "9223372036854775808", "99999999999999999999999", "-1", "1e10", "abc", ""} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{}
		h.Set("X-Ratelimit-Remaining", "0")
		h.Set("X-Ratelimit-Reset", v)
		rt := &limitTransport{status: 403, header: h, body: `{"message":"API rate limit exceeded for user ID 1."}`}
		c, _, err := checkWait(t, rt, strings.TrimSpace(h.Get("X-Ratelimit-Reset")), func(n uint64) (time.Duration, bool) {
			if n > math.MaxInt64/2 {
				return time.Duration(math.MaxInt64), true
			}
			return max(time.Unix(int64(n), 0).Add(time.Second).Sub(fuzzStart), 0), true
		})
		if err == nil {
			return
		}
		_, err = c.GetVersion(context.Background(), api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "p"}, 1)
		var rl *api.RateLimitError
		if !errors.As(err, &rl) || !rl.Local || rt.sent.Load() != 1 {
			t.Fatalf("after %q: %v, sent %d; want the gate closed", v, err, rt.sent.Load())
		}
	})
}
