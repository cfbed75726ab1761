package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// This file follows GitHub's Link headers, and only within the listing that
// was asked for.
//
// GitHub names the owner of a listing by numeric id in its links, not by
// login, and keeps only page and per_page in the query:
//
//	/organizations/54834211/packages/container/vuls-data-db/versions?page=2&per_page=100
//	/user/583231/packages/container/app/versions?page=2&per_page=100
//
// A pager accepts a next link only when it names the same listing as the
// first request: the same origin and base path; the route of the first
// request, or GitHub's numeric form for that kind of owner (/organizations/ID
// for an organization, /user/ID for a user or the authenticated user) with
// one id for the whole listing; the same resource after the owner (the same
// package's versions, or the owner's packages); and the same filters. It
// adds the filters the link omits (state, per_page, package_type, ...), and
// refuses a link that changes one. It refuses a page it has fetched before.

// link is one entry of a Link header.
type link struct {
	target string   // the URI reference between < and >
	rels   []string // the space-separated values of rel, lower case
}

// parseLinks reads a Link header value (RFC 8288): entries separated by
// commas, each `<URI>` followed by `; param=value` pairs, where a value may be
// quoted. Commas inside <...> and inside quotes do not separate entries. An
// entry it cannot read is skipped, and the rest are still read.
func parseLinks(h string) []link {
	var out []link
	for {
		lt := strings.IndexByte(h, '<')
		if lt < 0 {
			return out
		}
		gt := strings.IndexByte(h[lt:], '>')
		if gt < 0 {
			return out
		}
		l := link{target: h[lt+1 : lt+gt]}
		h = h[lt+gt+1:]
		// Parameters run up to the next comma outside quotes.
		for {
			h = strings.TrimLeft(h, " \t")
			if h == "" || h[0] != ';' {
				break
			}
			h = strings.TrimLeft(h[1:], " \t")
			end := strings.IndexAny(h, "=;,")
			if end < 0 {
				end = len(h)
			}
			name := strings.ToLower(strings.TrimSpace(h[:end]))
			h = h[end:]
			var val string
			if strings.HasPrefix(h, "=") {
				h = strings.TrimLeft(h[1:], " \t")
				if strings.HasPrefix(h, `"`) {
					q := strings.IndexByte(h[1:], '"')
					if q < 0 {
						val, h = h[1:], ""
					} else {
						val, h = h[1:1+q], h[2+q:]
					}
				} else {
					end := strings.IndexAny(h, ";,")
					if end < 0 {
						end = len(h)
					}
					val, h = strings.TrimSpace(h[:end]), h[end:]
				}
			}
			if name == "rel" {
				for r := range strings.FieldsSeq(val) {
					l.rels = append(l.rels, strings.ToLower(r))
				}
			}
		}
		out = append(out, l)
		// Skip anything up to the comma that ends this entry.
		if i := strings.IndexByte(h, ','); i >= 0 {
			h = h[i+1:]
		} else {
			h = ""
		}
	}
}

// nextLink is the target of the first rel="next" entry of the Link headers,
// and whether there is one.
func nextLink(h http.Header) (string, bool) {
	for _, v := range h.Values("Link") {
		for _, l := range parseLinks(v) {
			if slices.Contains(l.rels, "next") {
				return l.target, true
			}
		}
	}
	return "", false
}

// readPages reads a listing page by page and yields its items: first is
// the first page's URL, pages follows the next links, each page is a JSON
// array of G that conv turns into T, and id tells items apart: an id
// already yielded is skipped. An error is yielded once, with a zero T, and
// ends the listing; so does yield returning false, before any further page
// is fetched.
func readPages[G, T any](ctx context.Context, c *Client, op Operation, kind OwnerKind, typ PackageType, first string, pages *pager,
	id func(*G) int64, conv func(*G) T, yield func(T, error) bool) {
	var zero T
	opID := op.ID(kind)
	pages.redact = c.secrets.redact
	seen := map[int64]struct{}{}
	cctx, st := newCall(ctx)
	cur := first
	resp, err := c.send(cctx, http.MethodGet, first)
	for {
		if err != nil {
			yield(zero, c.sendError(opID, err))
			return
		}
		if resp.StatusCode != http.StatusOK {
			yield(zero, c.errorFrom(op, kind, resp, st, typ))
			return
		}
		next, nerr := pages.next(resp.Header)
		linked := len(resp.Header.Values("Link")) > 0
		var page []G
		if err := c.decode(opID, resp, &page); err != nil {
			yield(zero, err)
			return
		}
		if next == nil && nerr == nil && !linked && len(page) == pages.perPage() {
			// A full page without any Link: GitHub often leaves Link out
			// of listings that have more pages. Ask for the next page.
			next, nerr = pages.following(cur)
		}
		for i := range page {
			k := id(&page[i])
			if _, dup := seen[k]; dup {
				continue
			}
			seen[k] = struct{}{}
			if !yield(conv(&page[i]), nil) {
				return
			}
		}
		if nerr != nil {
			yield(zero, nerr)
			return
		}
		if next == nil {
			return
		}
		cur = next.String()
		resp, err = c.send(cctx, http.MethodGet, cur)
	}
}

// pager follows the next links of one listing.
type pager struct {
	base    *url.URL
	op      string    // the operationId, for errors
	kind    OwnerKind // whose listing
	owner   string    // the first request's owner prefix, unescaped ("/orgs/acme")
	rest    string    // the resource after the owner, unescaped ("/packages/npm/p/versions")
	filters url.Values
	ownerID string          // the numeric id of GitHub's link form, once seen
	fetched map[string]bool // the pages fetched, by canonical query
	// redact masks tokens in text that came from the server (a link in
	// an error); nil leaves it as it is.
	redact func(string) string
}

// newPager starts a listing whose first request is owner's path plus rest
// (unescaped) with the query filters (each with one value). The first page
// counts as fetched.
func newPager(base *url.URL, op string, owner Owner, rest string, filters url.Values) *pager {
	p := &pager{base: base, op: op, kind: owner.kind, rest: rest, filters: filters, fetched: map[string]bool{}}
	switch owner.kind {
	case OwnerOrg:
		p.owner = "/orgs/" + owner.login
	case OwnerUser:
		p.owner = "/users/" + owner.login
	case OwnerMe:
		p.owner = "/user"
	}
	p.fetched[p.pageKey(url.Values{})] = true
	return p
}

// pageKey identifies a page of the listing: its query without the filters
// (which are the same on every page), with page 1 when page is absent.
func (p *pager) pageKey(q url.Values) string {
	k := url.Values{}
	for name, v := range q {
		if _, ok := p.filters[name]; !ok {
			k[name] = v
		}
	}
	if k.Get("page") == "" {
		k.Set("page", "1")
	}
	return k.Encode()
}

// refuse reports a next link that is not followed. The link came from the
// server: tokens in it are masked.
func (p *pager) refuse(target, why string, args ...any) error {
	msg := fmt.Sprintf("%s: the next page %q is refused: %s", p.op, target, fmt.Sprintf(why, args...))
	if p.redact != nil {
		msg = p.redact(msg)
	}
	return errors.New(msg)
}

// next returns the URL of the next page from the answer's Link headers, or
// nil when there is none. It refuses (with an error) a link that leaves the
// listing, and a page already fetched; the URL it returns counts as fetched.
func (p *pager) next(h http.Header) (*url.URL, error) {
	target, ok := nextLink(h)
	if !ok {
		return nil, nil
	}
	u, err := p.base.Parse(target)
	if err != nil {
		return nil, p.refuse(target, "not a URL: %v", err)
	}
	if u.Scheme != p.base.Scheme || u.Host != p.base.Host || u.User != nil {
		return nil, p.refuse(target, "it is outside the API's origin %s://%s", p.base.Scheme, p.base.Host)
	}
	basePath := strings.TrimSuffix(p.base.EscapedPath(), "/")
	rel, ok := strings.CutPrefix(u.EscapedPath(), basePath+"/")
	if !ok {
		return nil, p.refuse(target, "it is outside the API's base path %q", basePath+"/")
	}
	if err := p.samePath("/" + rel); err != nil {
		return nil, p.refuse(target, "%v", err)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, p.refuse(target, "bad query: %v", err)
	}
	for name, want := range p.filters {
		switch got := q[name]; {
		case len(got) == 0:
			q[name] = want
		case len(got) != 1 || got[0] != want[0]:
			return nil, p.refuse(target, "it changes %s from %q to %q", name, want[0], strings.Join(got, ","))
		}
	}
	if pg := q["page"]; len(pg) > 0 {
		if n, err := strconv.Atoi(pg[0]); len(pg) != 1 || err != nil || n < 1 {
			return nil, p.refuse(target, "page must be one positive integer")
		}
	}
	key := p.pageKey(q)
	if p.fetched[key] {
		return nil, p.refuse(target, "that page was fetched already (the links loop)")
	}
	p.fetched[key] = true
	u.RawQuery = q.Encode()
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// perPage is the listing's page size (its per_page filter).
func (p *pager) perPage() int {
	n, _ := strconv.Atoi(p.filters.Get("per_page"))
	return n
}

// following is the page after cur (a URL of this listing) when GitHub sent
// no Link: cur with page+1 and the listing's filters. Past GitHub's cap of
// 10,000 results (page × per_page) it is a *ListingCapError: GitHub would
// answer 400, and the listing cannot go on.
func (p *pager) following(cur string) (*url.URL, error) {
	u, err := p.base.Parse(cur)
	if err != nil {
		return nil, p.refuse(cur, "not a URL: %v", err)
	}
	q := u.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1) + 1
	if per := p.perPage(); page*per > MaxListed {
		return nil, &ListingCapError{Op: p.op, Listed: (page - 1) * per, PerPage: per}
	}
	for name, v := range p.filters {
		q[name] = v
	}
	q.Set("page", strconv.Itoa(page))
	key := p.pageKey(q)
	if p.fetched[key] {
		return nil, p.refuse(u.String(), "that page was fetched already (the links loop)")
	}
	p.fetched[key] = true
	u.RawQuery = q.Encode()
	return u, nil
}

// samePath checks a link's path below the base path (escaped): the first
// request's route, or GitHub's numeric-id form for the owner's kind, with
// the same resource after the owner.
func (p *pager) samePath(escaped string) error {
	path, err := url.PathUnescape(escaped)
	if err != nil {
		return fmt.Errorf("bad path: %v", err)
	}
	if rest, ok := cutPrefixFold(path, p.owner); ok && rest == p.rest {
		return nil
	}
	numeric := "/organizations/"
	if p.kind != OwnerOrg {
		numeric = "/user/"
	}
	tail, ok := strings.CutPrefix(path, numeric)
	if !ok {
		return fmt.Errorf("it is not this listing's route (%s%s or %sID%s)", p.owner, p.rest, numeric, p.rest)
	}
	id, rest, _ := strings.Cut(tail, "/")
	if !isDigits(id) {
		return fmt.Errorf("%q is not a numeric owner id", id)
	}
	if "/"+rest != p.rest {
		return fmt.Errorf("it lists %q, not %q", "/"+rest, p.rest)
	}
	if p.ownerID == "" {
		p.ownerID = id
	} else if id != p.ownerID {
		return fmt.Errorf("it names owner id %s, and the earlier pages %s", id, p.ownerID)
	}
	return nil
}

// cutPrefixFold is strings.CutPrefix with the prefix matched without regard
// to case (GitHub logins are case-insensitive).
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

func isDigits(s string) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
