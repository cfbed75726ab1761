package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// GitHub often answers a listing with a full page and no Link although
// more pages exist (issue 17 item 1): after a full page without any Link
// the next page is asked for by number, with the same filters and
// per_page=100, until a short or empty page. A page with a Link that has
// no next is the last. Against the fake, for both listings.
func TestListingsWithoutLinkHeaders(t *testing.T) {
	tests := []struct {
		name     string
		srvOpts  []apitest.Option
		versions bool // list versions (else packages)
		n        int
		pages    int // listing requests
	}{
		{"packages, 250 without Link", nil, false, 250, 3},
		{"packages, 200 without Link: an empty third page ends it", nil, false, 200, 3},
		{"packages, 99 without Link", nil, false, 99, 1},
		{"packages, 200 with Link: the link's end is the end", []apitest.Option{apitest.WithPackageListLinks()}, false, 200, 2},
		{"versions, 250 without Link", []apitest.Option{apitest.WithoutVersionListLinks()}, true, 250, 3},
		{"versions, 200 with Link", nil, true, 200, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.srvOpts)
			pkg := api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "lib"}
			for i := range tt.n {
				if tt.versions {
					seedVersion(t, e.srv, api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "lib"}, apitest.VersionSeed{Name: fmt.Sprintf("1.0.%d", i)})
				} else {
					seedPackage(t, e.srv, api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: fmt.Sprintf("lib-%03d", i)}, apitest.PackageSeed{})
				}
			}
			var ids []int64
			var err error
			if tt.versions {
				ids, err = versionIDs(e.c, pkg, nil)
			} else {
				ids, err = packageIDs(e.c, api.Org("o"), nil)
			}
			if err != nil || len(ids) != tt.n {
				t.Fatalf("listed %d of %d, err %v", len(ids), tt.n, err)
			}
			var queries []string
			for _, r := range e.srv.Requests() {
				queries = append(queries, r.Query)
			}
			if len(queries) != tt.pages {
				t.Fatalf("%d requests, want %d: %q", len(queries), tt.pages, queries)
			}
			for i, q := range queries[1:] {
				if !strings.Contains(q, fmt.Sprintf("page=%d", i+2)) || !strings.Contains(q, "per_page=100") {
					t.Errorf("request %d: query %q, want page=%d and per_page=100", i+2, q, i+2)
				}
				if !tt.versions && !strings.Contains(q, "package_type=npm") {
					t.Errorf("request %d: query %q lost package_type", i+2, q)
				}
			}
		})
	}
}

// GitHub shows at most 10,000 results of a listing (page × per_page): a
// listing that fills every page up to the cap ends with *ListingCapError
// (ErrListingCapped), and the page past it is never asked for. GitHub's own
// 400 answer to such a page matches ErrListingCapped too.
func TestListingStopsAtGitHubsCap(t *testing.T) {
	full := make([]int, 100)
	ps, c := newPageServer(t, func(r *http.Request, n int) (string, []int) {
		for i := range full {
			full[i] = n*1000 + i
		}
		return "", full
	})
	ids, err := packageIDs(c, api.Org("o"), nil)
	var capped *api.ListingCapError
	if len(ids) != api.MaxListed || !errors.Is(err, api.ErrListingCapped) || !errors.As(err, &capped) || capped.Listed != 10000 {
		t.Fatalf("%d listed, err %v; want 10000 and a *ListingCapError", len(ids), err)
	}
	if reqs := ps.requests(); len(reqs) != 100 || !strings.Contains(reqs[99], "page=100&") {
		t.Errorf("%d requests, the last %q; want 100, the last page=100", len(reqs), reqs[len(reqs)-1])
	}

	// GitHub's answer past the cap, reached by a link.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "" {
			w.Header().Set("Link", `<http://`+r.Host+`/orgs/o/packages?page=101&per_page=100>; rel="next"`)
			fmt.Fprint(w, `[]`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"message":"The per_page and page parameters are invalid. The value of per_page multipled by page cannot be greater than 10000.","documentation_url":"https://docs.github.com/rest/packages/packages","status":"400"}`)
	}))
	t.Cleanup(srv.Close)
	c2, err := api.New(api.WithBaseURL(srv.URL), api.WithInsecureHTTP(), api.WithToken(testToken), api.WithClock(apitest.NewClock(start)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c2.CloseIdleConnections)
	if _, err := packageIDs(c2, api.Org("o"), nil); !errors.Is(err, api.ErrListingCapped) || errors.Is(err, api.ErrNamespaceReused) {
		t.Errorf("GitHub's 400 past the cap: %v; want ErrListingCapped", err)
	}
}

// GitHub's Link forms (issue 17 item 2): /users/{login}/... listings link
// to /user/{numeric id}/..., and links echo the request's query. The
// client follows both and keeps its own filters (state, per_page,
// package_type, visibility) on every page.
func TestFollowsEchoedLinksOfEveryForm(t *testing.T) {
	e := newEnv(t, []apitest.Option{apitest.WithPackageListLinks()})
	e.srv.AddUser("octocat")
	e.srv.AddToken(apitest.Token{Value: "ghp_octocat0123456789abcdefghijklmnopqrstu", User: "octocat", Scopes: allScopes})
	c, err := api.New(api.WithBaseURL(e.srv.URL), api.WithToken("ghp_octocat0123456789abcdefghijklmnopqrstu"), api.WithClock(e.clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	id, _ := e.srv.AccountID("octocat")
	for i := range 5 {
		seedPackage(t, e.srv, api.Package{Owner: api.User("octocat"), Type: api.PackageTypeNpm, Name: fmt.Sprintf("p%d", i)}, apitest.PackageSeed{Visibility: "public", Versions: []apitest.VersionSeed{
			{Name: "1", DeletedAt: start.Add(-time.Hour)}, {Name: "2", DeletedAt: start.Add(-time.Hour)}, {Name: "3", DeletedAt: start.Add(-time.Hour)},
		}})
	}
	owner := api.User("octocat")
	e.srv.ResetRequests()
	pkgs, err := listAll(c.Packages(context.Background(), owner, api.PackageTypeNpm, &api.PackagesOptions{Visibility: "public", PerPage: 2}), func(p api.PackageInfo) int64 { return p.ID })
	if err != nil || len(pkgs) != 5 {
		t.Fatalf("packages %v, err %v", pkgs, err)
	}
	vs, err := versionIDs(c, api.Package{Owner: owner, Type: api.PackageTypeNpm, Name: "p0"}, &api.ListOptions{State: api.StateDeleted, PerPage: 2})
	if err != nil || len(vs) != 3 {
		t.Fatalf("versions %v, err %v", vs, err)
	}
	userForm := fmt.Sprintf("/user/%d/", id)
	var linked int
	for _, r := range e.srv.Requests() {
		if !strings.HasPrefix(r.RawPath, userForm) {
			continue
		}
		linked++
		q := r.Query
		switch r.Op {
		case api.OpListPackages:
			if !strings.Contains(q, "package_type=npm") || !strings.Contains(q, "visibility=public") || !strings.Contains(q, "per_page=2") {
				t.Errorf("packages page %s?%s lost a filter", r.RawPath, q)
			}
		case api.OpListVersions:
			if !strings.Contains(q, "state=deleted") || !strings.Contains(q, "per_page=2") {
				t.Errorf("versions page %s?%s lost a filter", r.RawPath, q)
			}
		}
	}
	if linked != 3 { // packages pages 2 and 3, versions page 2
		t.Errorf("%d requests in the /user/{id} form, want 3: %+v", linked, e.srv.Requests())
	}
}

// API version 2026-03-10 drops repository.has_downloads from package
// bodies (issue 17 item 6): a client on that version lists and decodes
// them, repository included, and the fake says which version it served.
func TestPackagesUnderAPIVersion2026(t *testing.T) {
	for _, v := range []string{"2022-11-28", "2026-03-10"} {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, nil, api.WithAPIVersion(v))
			seedPackage(t, e.srv, api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "lib"}, apitest.PackageSeed{Repository: "o/lib", Versions: []apitest.VersionSeed{{Name: "1.0.0"}}})
			var got []api.PackageInfo
			for p, err := range e.c.Packages(context.Background(), api.Org("o"), api.PackageTypeNpm, nil) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, p)
			}
			if len(got) != 1 || got[0].Repository != "o/lib" || got[0].Package.Name != "lib" {
				t.Fatalf("packages %+v", got)
			}
			r := e.srv.Requests()[0]
			if r.Header.Get("X-Github-Api-Version") != v {
				t.Errorf("sent version %q, want %q", r.Header.Get("X-Github-Api-Version"), v)
			}
		})
	}
}
