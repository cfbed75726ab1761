package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// pageServer answers each listing request with the page that next returns
// for it (a Link header value and the ids of the page), and records the
// requests (escaped path and query). Its base URL has a base path, like
// GitHub Enterprise Server's.
type pageServer struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []string
}

const pageBase = "/api/v3"

func newPageServer(t *testing.T, next func(r *http.Request, n int) (link string, ids []int)) (*pageServer, *api.Client) {
	t.Helper()
	ps := &pageServer{}
	ps.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ps.mu.Lock()
		ps.reqs = append(ps.reqs, r.URL.EscapedPath()+"?"+r.URL.RawQuery)
		n := len(ps.reqs)
		ps.mu.Unlock()
		link, ids := next(r, n)
		if link != "" {
			w.Header().Set("Link", strings.ReplaceAll(link, "BASE", "http://"+r.Host+pageBase))
		}
		w.Header().Set("Content-Type", "application/json")
		var items []string
		for _, id := range ids {
			if strings.HasSuffix(r.URL.Path, "/versions") {
				items = append(items, fmt.Sprintf(`{"id":%d,"name":"v%d","url":"u","package_html_url":"h","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`, id, id))
			} else {
				items = append(items, fmt.Sprintf(`{"id":%d,"name":"p%d","package_type":"npm","url":"u","html_url":"h","visibility":"public","version_count":1,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`, id, id))
			}
		}
		fmt.Fprint(w, "["+strings.Join(items, ",")+"]")
	}))
	t.Cleanup(ps.srv.Close)
	c, err := api.New(api.WithBaseURL(ps.srv.URL+pageBase), api.WithInsecureHTTP(), api.WithToken(testToken), api.WithClock(apitest.NewClock(start)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return ps, c
}

func (ps *pageServer) requests() []string {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return append([]string(nil), ps.reqs...)
}

// listAll runs a listing to its end: the ids yielded and the error that
// ended it.
func listAll[T any](seq func(func(T, error) bool), id func(T) int64) ([]int64, error) {
	var ids []int64
	for v, err := range seq {
		if err != nil {
			return ids, err
		}
		ids = append(ids, id(v))
	}
	return ids, nil
}

func versionIDs(c *api.Client, pkg api.Package, opts *api.ListOptions) ([]int64, error) {
	return listAll(c.Versions(context.Background(), pkg, opts), func(v api.Version) int64 { return v.ID })
}

func packageIDs(c *api.Client, owner api.Owner, opts *api.PackagesOptions) ([]int64, error) {
	return listAll(c.Packages(context.Background(), owner, api.PackageTypeNpm, opts), func(p api.PackageInfo) int64 { return p.ID })
}

// Next links in GitHub's form (/organizations/{id}/..., /user/{id}/...) are
// followed, with the first request's state and per_page added where the
// link omits them, for every owner, and a short page does not end the
// listing.
func TestPagesFollowGitHubsLinkForm(t *testing.T) {
	tests := []struct {
		owner api.Owner
		first string // escaped path of the first request
		form  string // the link's path prefix
	}{
		{api.Org("octo-org"), pageBase + "/orgs/octo-org/packages/npm/a%2Fb/versions", "/organizations/54834211"},
		{api.User("octocat"), pageBase + "/users/octocat/packages/npm/a%2Fb/versions", "/user/583231"},
		{api.Me(), pageBase + "/user/packages/npm/a%2Fb/versions", "/user/583231"},
	}
	for _, tt := range tests {
		t.Run(string(tt.owner.Kind()), func(t *testing.T) {
			ps, c := newPageServer(t, func(r *http.Request, n int) (string, []int) {
				switch n {
				case 1: // a short page with a next link
					return `<BASE` + tt.form + `/packages/npm/a%2Fb/versions?page=2&per_page=50>; rel="next", <BASE` + tt.form + `/packages/npm/a%2Fb/versions?page=3&per_page=50>; rel="last"`, []int{1}
				case 2:
					return `<BASE` + tt.form + `/packages/npm/a%2Fb/versions?page=3&per_page=50>; rel="next", <BASE` + tt.form + `/packages/npm/a%2Fb/versions?page=1&per_page=50>; rel="first"`, []int{2, 3}
				}
				return `<BASE` + tt.form + `/packages/npm/a%2Fb/versions?page=1&per_page=50>; rel="first"`, []int{4}
			})
			ids, err := versionIDs(c, api.Package{Owner: tt.owner, Type: api.PackageTypeNpm, Name: "a/b"}, &api.ListOptions{State: api.StateDeleted, PerPage: 50})
			if err != nil || fmt.Sprint(ids) != "[1 2 3 4]" {
				t.Fatalf("ids %v, err %v", ids, err)
			}
			want := []string{
				tt.first + "?per_page=50&state=deleted",
				pageBase + tt.form + "/packages/npm/a%2Fb/versions?page=2&per_page=50&state=deleted",
				pageBase + tt.form + "/packages/npm/a%2Fb/versions?page=3&per_page=50&state=deleted",
			}
			if got := ps.requests(); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("requests\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// A next link is refused, with an error and without a request, when it
// leaves the listing: another host, another base path, another owner or
// owner kind, another package, type or resource, another state or page
// size, or a page fetched before.
func TestPagesStayInTheListing(t *testing.T) {
	const ok = `/organizations/7/packages/npm/p/versions`
	tests := []struct {
		name  string
		owner api.Owner
		link2 string // the link on page 2 (page 1 links to page 2 of ok)
		want  string // in the error
	}{
		{"another host", api.Org("o"), `<http://evil.example` + pageBase + ok + `?page=3>; rel="next"`, "outside the API's origin"},
		{"credentials in the URL", api.Org("o"), `<http://user:pw@HOST` + pageBase + ok + `?page=3>; rel="next"`, "outside the API's origin"},
		{"outside the base path", api.Org("o"), `<BASE/..` + ok + `?page=3>; rel="next"`, "base path"},
		{"another org id", api.Org("o"), `<BASE/organizations/8/packages/npm/p/versions?page=3>; rel="next"`, "owner id 8"},
		{"another org by login", api.Org("o"), `<BASE/orgs/other/packages/npm/p/versions?page=3>; rel="next"`, "not this listing's route"},
		{"another package", api.Org("o"), `<BASE/organizations/7/packages/npm/q/versions?page=3>; rel="next"`, "lists"},
		{"another type", api.Org("o"), `<BASE/organizations/7/packages/maven/p/versions?page=3>; rel="next"`, "lists"},
		{"one version", api.Org("o"), `<BASE/organizations/7/packages/npm/p/versions/5?page=3>; rel="next"`, "lists"},
		{"a user's package from an org listing", api.Org("o"), `<BASE/user/7/packages/npm/p/versions?page=3>; rel="next"`, "not this listing's route"},
		{"a named user's route from an org listing", api.Org("o"), `<BASE/users/o/packages/npm/p/versions?page=3>; rel="next"`, "not this listing's route"},
		{"an org's package from a user listing", api.User("u"), `<BASE/organizations/7/packages/npm/p/versions?page=3>; rel="next"`, "not this listing's route"},
		{"non-numeric id", api.Org("o"), `<BASE/organizations/x7/packages/npm/p/versions?page=3>; rel="next"`, "numeric"},
		{"dot segments", api.Org("o"), `<BASE/organizations/7/packages/npm/p/../q/versions?page=3>; rel="next"`, "lists"},
		{"escaped dot segments", api.Org("o"), `<BASE/organizations/7/packages/npm/p%2F..%2Fq/versions?page=3>; rel="next"`, "lists"},
		{"state turns active", api.Org("o"), `<BASE` + ok + `?page=3&state=active>; rel="next"`, `changes state from "deleted" to "active"`},
		{"another page size", api.Org("o"), `<BASE` + ok + `?page=3&per_page=5>; rel="next"`, "changes per_page"},
		{"loop to page 2", api.Org("o"), `<BASE` + ok + `?page=2&per_page=100>; rel="next"`, "fetched already"},
		{"loop to page 1", api.Org("o"), `<BASE` + ok + `?page=1>; rel="next"`, "fetched already"},
		{"loop to page 1 by the route", api.Org("o"), `<BASE/orgs/o/packages/npm/p/versions?state=deleted>; rel="next"`, "fetched already"},
		{"page zero", api.Org("o"), `<BASE` + ok + `?page=0>; rel="next"`, "positive integer"},
		{"two pages", api.Org("o"), `<BASE` + ok + `?page=3&page=4>; rel="next"`, "positive integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := "/organizations/7"
			if tt.owner.Kind() != api.OwnerOrg {
				form = "/user/7"
			}
			ps, c := newPageServer(t, func(r *http.Request, n int) (string, []int) {
				if n == 1 {
					return `<BASE` + form + `/packages/npm/p/versions?page=2&per_page=100>; rel="next"`, []int{1}
				}
				return strings.ReplaceAll(tt.link2, "HOST", r.Host), []int{2}
			})
			ids, err := versionIDs(c, api.Package{Owner: tt.owner, Type: api.PackageTypeNpm, Name: "p"}, &api.ListOptions{State: api.StateDeleted})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "refused") {
				t.Errorf("err = %v, want one saying %q", err, tt.want)
			}
			if fmt.Sprint(ids) != "[1 2]" {
				t.Errorf("ids %v, want the two pages fetched", ids)
			}
			if n := len(ps.requests()); n != 2 {
				t.Errorf("%d requests, want 2: %v", n, ps.requests())
			}
		})
	}
}

// A refused link is quoted in the error with any token masked: the client's
// own, and strings shaped like GitHub tokens.
func TestRefusedLinkMasksTokens(t *testing.T) {
	_, c := newPageServer(t, func(r *http.Request, n int) (string, []int) {
		return `<http://evil.example/steal?t=` + testToken + `&u=ghp_abcdefghijklmnopqrstuvwxyz0123456789>; rel="next"`, []int{1}
	})
	_, err := versionIDs(c, api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "p"}, nil)
	if err == nil || strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "ghp_abcdefghijklmnopqrstuvwxyz0123456789") || !strings.Contains(err.Error(), "evil.example") {
		t.Errorf("err = %v", err)
	}
}

// Pages that shift while they are read (a version restored or deleted
// meanwhile) never make a listing yield an id twice.
func TestPagesNeverYieldAnIDTwice(t *testing.T) {
	_, c := newPageServer(t, func(r *http.Request, n int) (string, []int) {
		if n == 1 {
			return `<BASE/organizations/7/packages/npm/p/versions?page=2&per_page=2>; rel="next"`, []int{1, 2}
		}
		return "", []int{2, 3, 1, 4}
	})
	ids, err := versionIDs(c, api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "p"}, &api.ListOptions{PerPage: 2})
	if err != nil || fmt.Sprint(ids) != "[1 2 3 4]" {
		t.Errorf("ids %v, err %v; want [1 2 3 4]", ids, err)
	}
	_, c = newPageServer(t, func(r *http.Request, n int) (string, []int) {
		if n == 1 {
			return `<BASE/organizations/7/packages?package_type=npm&page=2&per_page=100>; rel="next"`, []int{10, 11}
		}
		return "", []int{11, 12}
	})
	if ids, err := packageIDs(c, api.Org("o"), nil); err != nil || fmt.Sprint(ids) != "[10 11 12]" {
		t.Errorf("package ids %v, err %v; want [10 11 12]", ids, err)
	}
}

// Package listings follow /organizations/{id}/packages and /user/{id}/packages
// links (never stopping at a short page), keep package_type, visibility and
// per_page, and stay on the owner's packages.
func TestPackagesPages(t *testing.T) {
	for _, owner := range []api.Owner{api.Org("octo-org"), api.User("octocat"), api.Me()} {
		form := "/organizations/9"
		if owner.Kind() != api.OwnerOrg {
			form = "/user/9"
		}
		ps, c := newPageServer(t, func(r *http.Request, n int) (string, []int) {
			switch n {
			case 1:
				return `<BASE` + form + `/packages?page=2&per_page=100>; rel="next"`, []int{1}
			case 2:
				return `<BASE` + form + `/packages?package_type=npm&visibility=private&page=3&per_page=100>; rel="next"`, []int{2}
			}
			return "", []int{3}
		})
		ids, err := packageIDs(c, owner, &api.PackagesOptions{Visibility: "private"})
		if err != nil || fmt.Sprint(ids) != "[1 2 3]" {
			t.Errorf("%v: ids %v, err %v", owner, ids, err)
		}
		reqs := ps.requests()
		want := pageBase + owner.Path() + "/packages?package_type=npm&visibility=private&per_page=100"
		if len(reqs) != 3 || reqs[0] != want || reqs[1] != pageBase+form+"/packages?package_type=npm&page=2&per_page=100&visibility=private" {
			t.Errorf("%v: requests %v", owner, reqs)
		}
	}
	tests := []struct{ name, link, want string }{
		{"a package's versions", `<BASE/organizations/9/packages/npm/p/versions?page=2>; rel="next"`, "lists"},
		{"another type", `<BASE/organizations/9/packages?package_type=maven&page=2>; rel="next"`, "changes package_type"},
		{"another visibility", `<BASE/organizations/9/packages?visibility=public&page=2>; rel="next"`, "changes visibility"},
		{"a user's packages", `<BASE/user/9/packages?page=2>; rel="next"`, "not this listing's route"},
	}
	for _, tt := range tests {
		_, c := newPageServer(t, func(r *http.Request, n int) (string, []int) { return tt.link, []int{n} })
		ids, err := packageIDs(c, api.Org("o"), &api.PackagesOptions{Visibility: "private"})
		if fmt.Sprint(ids) != "[1]" || err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: ids %v, err %v; want one page and an error saying %q", tt.name, ids, err, tt.want)
		}
	}
}

// Against the fake: every owner's packages, all pages, and a user's private
// packages only for that user.
func TestPackagesOfEveryOwner(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.AddUser("octocat")
	e.srv.AddToken(apitest.Token{Value: "ghp_octocat", Kind: api.TokenClassic, Scopes: []string{"read:packages"}, User: "octocat"})
	for i := range 130 {
		seedPackage(t, e.srv, api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: fmt.Sprintf("org-%03d", i)}, apitest.PackageSeed{Versions: []apitest.VersionSeed{{Name: "1.0.0"}}})
	}
	seedPackage(t, e.srv, api.Package{Owner: api.Org("o"), Type: api.PackageTypeMaven, Name: "other-type"}, apitest.PackageSeed{Versions: []apitest.VersionSeed{{Name: "1.0.0"}}})
	seedPackage(t, e.srv, api.Package{Owner: api.User("octocat"), Type: api.PackageTypeNpm, Name: "mine-private"}, apitest.PackageSeed{Versions: []apitest.VersionSeed{{Name: "1.0.0"}}})
	seedPackage(t, e.srv, api.Package{Owner: api.User("octocat"), Type: api.PackageTypeNpm, Name: "mine-public"}, apitest.PackageSeed{Visibility: "public", Versions: []apitest.VersionSeed{{Name: "1.0.0"}}})
	if _, err := e.srv.SoftDeletePackage(api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "org-000"}); err != nil {
		t.Fatal(err)
	}
	octocat, err := api.New(api.WithBaseURL(e.srv.URL), api.WithToken("ghp_octocat"), api.WithClock(e.clock))
	if err != nil {
		t.Fatal(err)
	}
	defer octocat.CloseIdleConnections()
	names := func(c *api.Client, owner api.Owner) []string {
		t.Helper()
		var out []string
		for p, err := range c.Packages(context.Background(), owner, api.PackageTypeNpm, nil) {
			if err != nil {
				t.Fatalf("%v: %v", owner, err)
			}
			if p.Package.Owner != owner || p.Package.Type != api.PackageTypeNpm {
				t.Errorf("%v: package %+v", owner, p.Package)
			}
			out = append(out, p.Package.Name)
		}
		return out
	}
	if got := names(e.c, api.Org("o")); len(got) != 129 || got[0] == "org-000" {
		t.Errorf("org: %d packages (first %q), want 129 without the deleted one", len(got), got[0])
	}
	if got := names(octocat, api.Me()); strings.Join(got, ",") != "mine-private,mine-public" {
		t.Errorf("me: %v", got)
	}
	if got := names(octocat, api.User("octocat")); strings.Join(got, ",") != "mine-private,mine-public" {
		t.Errorf("octocat by name, as octocat: %v", got)
	}
	if got := names(e.c, api.User("octocat")); strings.Join(got, ",") != "mine-public" {
		t.Errorf("octocat by name, as someone else: %v", got)
	}
	for _, r := range e.srv.Requests() {
		if strings.HasPrefix(r.RawPath, "/users/") && strings.Contains(r.RawPath, "@") {
			t.Errorf("request %s names @me", r.RawPath)
		}
	}
}

// Bad input to Packages is refused with the field named, and nothing is sent.
func TestPackagesBadInputSendsNothing(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		owner api.Owner
		typ   api.PackageType
		opts  *api.PackagesOptions
		field string
	}{
		{api.Owner{}, api.PackageTypeNpm, nil, "owner"},
		{api.Org("a/b"), api.PackageTypeNpm, nil, "org"},
		{api.User(""), api.PackageTypeNpm, nil, "username"},
		{api.Me(), "pypi", nil, "package_type"},
		{api.Me(), api.PackageTypeNpm, &api.PackagesOptions{Visibility: "secret"}, "visibility"},
		{api.Me(), api.PackageTypeNpm, &api.PackagesOptions{PerPage: 101}, "per_page"},
	}
	for _, tt := range tests {
		_, err := listAll(e.c.Packages(context.Background(), tt.owner, tt.typ, tt.opts), func(p api.PackageInfo) int64 { return p.ID })
		var ve *api.ValidationError
		if !errors.As(err, &ve) || ve.Field != tt.field {
			t.Errorf("%v %v %+v: %v, want a ValidationError for %s", tt.owner, tt.typ, tt.opts, err, tt.field)
		}
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
