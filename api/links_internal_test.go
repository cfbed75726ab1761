package api

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestParseLinks(t *testing.T) {
	tests := []struct {
		header string
		next   string
		ok     bool
	}{
		{`<https://api.github.com/organizations/1/packages/npm/p/versions?page=2&per_page=100>; rel="next", <https://api.github.com/organizations/1/packages/npm/p/versions?page=5&per_page=100>; rel="last"`,
			"https://api.github.com/organizations/1/packages/npm/p/versions?page=2&per_page=100", true},
		{`<u1>; rel="prev", <u2>; rel="next"`, "u2", true},
		{`<u1>; rel="prev first", <u2>;rel=next`, "u2", true},
		{`<u1>; REL="Next"`, "u1", true},
		{`<a,b>; rel="next"`, "a,b", true},                         // a comma inside <...>
		{`<u1>; title="x, y"; rel="next"`, "u1", true},             // a comma inside quotes
		{`<u1>; title="x, <u9>; rel=next"; rel="last"`, "", false}, // a link inside quotes is not one
		{`<u1>; rel="prev", <u2>; rel="last"`, "", false},
		{`u1; rel="next"`, "", false},
		{`<u1; rel="next"`, "", false},
		{``, "", false},
	}
	for _, tt := range tests {
		h := http.Header{"Link": {tt.header}}
		if got, ok := nextLink(h); got != tt.next || ok != tt.ok {
			t.Errorf("%s: %q %v, want %q %v", tt.header, got, ok, tt.next, tt.ok)
		}
	}
}

// FuzzLinkHeader: the Link parser never panics, returns only a target that
// stands between < and > in the header, and finds a rel="next" entry
// whatever precedes and follows it.
func FuzzLinkHeader(f *testing.F) {
	f.Add(`<https://api.github.com/organizations/1/packages/npm/p/versions?page=2&per_page=100>; rel="next", <x>; rel="last"`, "u", `, <z>; rel="first"`)
	f.Add(`<a>; rel=prev; title="a, b"`, "b,c", "")
	f.Add(`<<>>;;;rel="`, "", `"`)
	f.Fuzz(func(t *testing.T, header, target, tail string) {
		if got, ok := nextLink(http.Header{"Link": {header}}); ok && !strings.Contains(header, "<"+got+">") {
			t.Fatalf("%q: next %q is not in the header", header, got)
		}
		// A well-formed entry after well-formed entries, followed by
		// anything, is found.
		if strings.ContainsAny(target, "<>") {
			return
		}
		prefix := ""
		if strings.Count(header, "<") == strings.Count(header, ">") && !strings.ContainsAny(header, `"`) && !strings.Contains(strings.ToLower(header), "next") && strings.HasPrefix(header, "<") && strings.HasSuffix(header, ">") {
			prefix = header + ", "
		}
		h := prefix + "<" + target + `>; rel="next"` + tail
		if got, ok := nextLink(http.Header{"Link": {h}}); !ok || got != target {
			t.Fatalf("%q: next %q %v, want %q", h, got, ok, target)
		}
	})
}

var listingPath = regexp.MustCompile(`^/api/v3((?i:/orgs/acme)|/organizations/[0-9]+)/packages/npm/team/app/versions$`)

// FuzzNextPageStaysInListing: whatever a next link says, the page a pager
// fetches is on the API's origin and base path, in the same listing, with
// the first request's state and page size; and the same page twice is
// refused.
func FuzzNextPageStaysInListing(f *testing.F) {
	f.Add("https://ghes.example.com/api/v3/organizations/1/packages/npm/team%2Fapp/versions?page=2&per_page=100")
	f.Add("/api/v3/orgs/acme/packages/npm/team%2Fapp/versions?page=3")
	f.Add("/api/v3/organizations/1/packages/npm/team%2Fapp/versions?page=2&state=active")
	f.Add("https://evil.example/api/v3/organizations/1/packages/npm/team%2Fapp/versions?page=2")
	f.Add("/api/v3/organizations/1/packages/npm/team%2F..%2Fapp/versions?page=2")
	f.Add("//ghes.example.com/api/v3/user/1/packages/npm/team%2Fapp/versions?page=2")
	base, _ := url.Parse("https://ghes.example.com/api/v3")
	f.Fuzz(func(t *testing.T, target string) {
		p := newPager(base, "op", Org("acme"), "/packages/npm/team/app/versions", url.Values{"state": {"deleted"}, "per_page": {"100"}})
		h := http.Header{"Link": {"<" + target + `>; rel="next"`}}
		u, err := p.next(h)
		if err != nil || u == nil {
			return
		}
		path, perr := url.PathUnescape(u.EscapedPath())
		if u.Scheme != "https" || u.Host != "ghes.example.com" || u.User != nil || perr != nil || !listingPath.MatchString(path) {
			t.Fatalf("%q: followed %s (path %q)", target, u, path)
		}
		q := u.Query()
		if len(q["state"]) != 1 || q.Get("state") != "deleted" || len(q["per_page"]) != 1 || q.Get("per_page") != "100" {
			t.Fatalf("%q: followed %s with query %v", target, u, q)
		}
		if again, err := p.next(h); err == nil || again != nil {
			t.Fatalf("%q: the same page twice was not refused: %v", target, again)
		}
	})
}
