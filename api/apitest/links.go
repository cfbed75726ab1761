package apitest

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ghpackages/restore/api"
)

// reqInfo is what the outer handler knows of a request before routing.
type reqInfo struct {
	rawPath  string    // as sent, before a Link form was mapped
	rawQuery string    // as sent, before validation added defaults
	at       time.Time // arrival
	linkForm bool      // the path was in a Link form
	inFlight int       // requests in flight at its arrival, itself included
}

type reqInfoKey struct{}

func infoOf(r *http.Request) (reqInfo, bool) {
	i, ok := r.Context().Value(reqInfoKey{}).(reqInfo)
	return i, ok
}

// rawPathOf is the escaped path as the client sent it.
func rawPathOf(r *http.Request) string {
	if i, ok := infoOf(r); ok {
		return i.rawPath
	}
	return r.URL.EscapedPath()
}

func arrival(r *http.Request, clock api.Clock) time.Time {
	if i, ok := infoOf(r); ok {
		return i.at
	}
	return clock.Now()
}

func linkForm(ctx context.Context) bool {
	i, _ := ctx.Value(reqInfoKey{}).(reqInfo)
	return i.linkForm
}

// mapLinkForm maps GitHub's Link forms onto the described routes before
// routing and validation: /organizations/{id}/... onto /orgs/{login}/...
// and /user/{id}/... onto /users/{login}/... (README.md, behaviour table). A
// path that is in a Link form but names no account stays as it is and
// answers 404.
func (s *Server) mapLinkForm(r *http.Request, inFlight int) *http.Request {
	raw := r.URL.EscapedPath()
	info := reqInfo{rawPath: raw, rawQuery: r.URL.RawQuery, at: s.clock.Now(), inFlight: inFlight}
	rest, ok := strings.CutPrefix(raw, s.prefix())
	if ok {
		for _, f := range []struct {
			from string
			kind api.OwnerKind
			to   string
		}{{"/organizations/", api.OwnerOrg, "/orgs/"}, {"/user/", api.OwnerUser, "/users/"}} {
			tail, ok := strings.CutPrefix(rest, f.from)
			if !ok {
				continue
			}
			idText, after, _ := strings.Cut(tail, "/")
			id, err := strconv.ParseInt(idText, 10, 64)
			if err != nil {
				continue // /user/packages/...: not a Link form
			}
			info.linkForm = true
			login, found := s.loginByID(id, f.kind)
			if !found {
				break
			}
			mapped := s.prefix() + f.to + url.PathEscape(login) + "/" + after
			r2 := r.Clone(r.Context())
			r2.URL.RawPath = mapped
			if p, err := url.PathUnescape(mapped); err == nil {
				r2.URL.Path = p
			}
			r = r2
			break
		}
	}
	return r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, info))
}

func (s *Server) loginByID(id int64, kind api.OwnerKind) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.accounts {
		if a.id == id && a.kind == kind {
			return a.login, true
		}
	}
	return "", false
}

// linkBase is the scheme, host and base path of the API as the client
// reached it.
func (s *Server) linkBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + s.prefix()
}

// ownerLinkPath is the owner's prefix in Link headers: GitHub names the
// owner by numeric id, /organizations/{id} or /user/{id}, for named users
// and the authenticated user alike.
func (c *call) ownerLinkPath() string {
	if c.acct.kind == api.OwnerOrg {
		return "/organizations/" + strconv.FormatInt(c.acct.id, 10)
	}
	return "/user/" + strconv.FormatInt(c.acct.id, 10)
}

// linkHeader builds GitHub's Link header for page of last pages: rels in
// the order next, prev, first, last; next and last absent on the last page,
// prev and first absent on the first; none for a single page. Each link has
// page and per_page, then the request's other query parameters as it sent
// them (GitHub echoes them: `?page=2&per_page=40&package_type=maven` was
// captured on a versions listing).
func linkHeader(base string, r *http.Request, page, last, perPage int) string {
	raw := r.URL.RawQuery
	if i, ok := infoOf(r); ok {
		raw = i.rawQuery
	}
	extra := echoedQuery(raw)
	link := func(p int, rel string) string {
		return "<" + base + "?page=" + strconv.Itoa(p) + "&per_page=" + strconv.Itoa(perPage) + extra + `>; rel="` + rel + `"`
	}
	var parts []string
	if page < last {
		parts = append(parts, link(page+1, "next"))
	}
	if page > 1 {
		parts = append(parts, link(page-1, "prev"), link(1, "first"))
	}
	if page < last {
		parts = append(parts, link(last, "last"))
	}
	return strings.Join(parts, ", ")
}

// echoedQuery is a raw query without page and per_page, in the order sent,
// each parameter led by "&"; "" when nothing is left.
func echoedQuery(raw string) string {
	var b strings.Builder
	for part := range strings.SplitSeq(raw, "&") {
		name, _, _ := strings.Cut(part, "=")
		if part == "" || name == "page" || name == "per_page" {
			continue
		}
		b.WriteString("&")
		b.WriteString(part)
	}
	return b.String()
}

// pageParams reads page and per_page with GitHub's defaults (1, 30) and cap
// (100).
func pageParams(q url.Values) (page, perPage int) {
	page, perPage = 1, 30
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v > 0 {
		page = v
	}
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v > 0 {
		perPage = min(v, 100)
	}
	return page, perPage
}
