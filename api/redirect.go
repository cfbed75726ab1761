package api

import (
	"fmt"
	"net/http"
	"strings"
)

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
			rerr.Location = redact(loc.Scheme + "://" + loc.Host)
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
