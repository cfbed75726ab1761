package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// redirectTransport applies GitHub's redirect rules, on the API's own origin
// only: 301 and 308 repeat the request at Location with the same method and
// body; 302 and 307 repeat it once. Any other redirect (303, another
// origin, a missing Location, one too many) ends with a *RedirectError and
// nothing is sent to Location. A POST never becomes a GET.
type redirectTransport struct {
	next    http.RoundTripper
	scheme  string
	host    string
	secrets *secrets // masks tokens in a redirected path, which the server chose
}

// maxRedirects bounds the redirects one request follows.
const maxRedirects = 5

// RoundTrip sends req and follows the redirects GitHub's rules allow.
func (t *redirectTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req
	temporary := false // a 302 or 307 was followed already
	for hops := 0; ; hops++ {
		resp, err := t.next.RoundTrip(r)
		if err != nil || !isRedirect(resp.StatusCode) {
			return resp, err
		}
		drainClose(resp.Body)
		loc, why := t.check(req, r, resp, hops, temporary)
		if why != "" {
			e := &RedirectError{Method: req.Method, Path: t.secrets.redact(r.URL.EscapedPath()), StatusCode: resp.StatusCode, Reason: why}
			if loc != nil {
				e.Location = t.secrets.redact(loc.Scheme + "://" + loc.Host)
			}
			return nil, e
		}
		temporary = temporary || resp.StatusCode == http.StatusFound || resp.StatusCode == http.StatusTemporaryRedirect
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

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// check applies GitHub's rules to one redirect of r (a hop of req): it
// returns where to go, or why not (with the Location when it parsed).
func (t *redirectTransport) check(req, r *http.Request, resp *http.Response, hops int, temporary bool) (*url.URL, string) {
	raw := resp.Header.Get("Location")
	loc, err := r.URL.Parse(raw)
	if raw == "" || err != nil {
		return nil, "no usable Location"
	}
	switch {
	case resp.StatusCode == http.StatusSeeOther:
		return loc, "GitHub does not answer 303; following it would turn the request into a GET"
	case loc.Scheme != t.scheme || !strings.EqualFold(loc.Host, t.host):
		return loc, "it leaves the API's origin (" + t.scheme + "://" + t.host + ")"
	case temporary && (resp.StatusCode == http.StatusFound || resp.StatusCode == http.StatusTemporaryRedirect):
		return loc, "a temporary redirect is repeated only once"
	case hops >= maxRedirects:
		return loc, fmt.Sprintf("more than %d redirects", maxRedirects)
	case req.Body != nil && req.Body != http.NoBody && req.GetBody == nil:
		return loc, "the request's body cannot be sent again"
	}
	return loc, ""
}
