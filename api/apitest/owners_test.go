package apitest_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// userFixture: the user "octocat" (token tok) with a private and a public
// container image, and the user "hubot" (token ghp_hubot).
func userFixture(t *testing.T, opts ...apitest.Option) (*fixture, map[string]int64) {
	t.Helper()
	f := setup(t, opts...)
	f.srv.AddToken(apitest.Token{Value: "ghp_hubot", User: "hubot", Scopes: []string{"read:packages", "write:packages", "delete:packages"}})
	ids := map[string]int64{}
	for _, p := range []struct{ name, vis string }{{"secret", "private"}, {"open", "public"}} {
		got := seedPackage(t, f.srv, api.Package{Owner: api.User("octocat"), Type: api.PackageTypeContainer, Name: p.name}, apitest.PackageSeed{Visibility: p.vis, Versions: []apitest.VersionSeed{
			{Name: "sha256:1"}, {Name: "sha256:2", DeletedAt: t0.Add(-time.Hour)},
		}})
		ids[p.name], ids[p.name+"-deleted"] = got[0], got[1]
	}
	return f, ids
}

// Source (README.md, row 23): GitHub's description has the same routes under
// /users/{username} and /user (the token's user); a user's private
// packages are visible to that user only. Restoring another user's package
// answers 404 like a package the token cannot see (unconfirmed: GitHub's
// answer to a restore of another user's public package is not recorded).
func TestUserOwnedPackages(t *testing.T) {
	f, ids := userFixture(t)
	tests := []struct {
		name, method, path, token string
		status                    int
		route                     string
	}{
		{"own private, by name", "GET", "/users/octocat/packages/container/secret/versions", tok, 200, "packages/get-all-package-versions-for-package-owned-by-user"},
		{"own private, as me", "GET", "/user/packages/container/secret/versions", tok, 200, "packages/get-all-package-versions-for-package-owned-by-authenticated-user"},
		{"another's private", "GET", "/users/octocat/packages/container/secret/versions", "ghp_hubot", 404, ""},
		{"another's public", "GET", "/users/octocat/packages/container/open/versions", "ghp_hubot", 200, ""},
		{"me is the token's user", "GET", "/user/packages/container/open/versions", "ghp_hubot", 404, ""},
		{"get own version as me", "GET", fmt.Sprintf("/user/packages/container/secret/versions/%d", ids["secret"]), tok, 200, "packages/get-package-version-for-authenticated-user"},
		{"get another's private version", "GET", fmt.Sprintf("/users/octocat/packages/container/secret/versions/%d", ids["secret"]), "ghp_hubot", 404, "packages/get-package-version-for-user"},
		{"restore another's public version", "POST", fmt.Sprintf("/users/octocat/packages/container/open/versions/%d/restore", ids["open-deleted"]), "ghp_hubot", 404, ""},
		{"restore own version as me", "POST", fmt.Sprintf("/user/packages/container/open/versions/%d/restore", ids["open-deleted"]), tok, 204, "packages/restore-package-version-for-authenticated-user"},
		{"restore own version by name", "POST", fmt.Sprintf("/users/octocat/packages/container/secret/versions/%d/restore", ids["secret-deleted"]), tok, 204, "packages/restore-package-version-for-user"},
		{"unknown user", "GET", "/users/nobody/packages/container/open/versions", tok, 404, ""},
		{"an org is not a user", "GET", "/users/octo-org/packages/container/open/versions", tok, 404, ""},
		{"bad state, named user", "GET", "/users/octocat/packages/container/open/versions?state=gone", tok, 422, ""},
		{"deleted listing, own public", "GET", "/users/octocat/packages/container/open/versions?state=deleted", tok, 200, ""},
		{"deleted listing, another's public", "GET", "/users/octocat/packages/container/open/versions?state=deleted", "ghp_hubot", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.srv.ResetRequests()
			a := f.do(t, tt.method, tt.path, tt.token)
			if a.status != tt.status {
				t.Errorf("%d %s, want %d", a.status, a.body, tt.status)
			}
			if log := f.srv.Requests(); tt.route != "" && (len(log) != 1 || log[0].Route != tt.route) {
				t.Errorf("log = %+v, want route %s", log, tt.route)
			}
		})
	}
	if v := f.srv.TakeViolations(); len(v) != 1 || !strings.Contains(v[0].Detail, "state") {
		t.Errorf("violations = %v, want the bad state", v)
	}
	a := f.do(t, "GET", "/users/octocat/packages/container/open/versions/"+itoa(ids["open"]), tok)
	if !strings.Contains(a.body, `"url":"`+f.srv.URL+`/users/octocat/packages/container/open/versions/`) || !strings.Contains(a.body, `"html_url":"https://github.com/users/octocat/packages/container/open/`) {
		t.Errorf("user version body: %s", a.body)
	}
}

// Source (README.md, row 7): user-owned packages' links use
// /user/{numeric id}/packages/..., for named users and the authenticated
// user alike.
func TestUserLinkForm(t *testing.T) {
	f := setup(t)
	for i := range 3 {
		seedVersion(t, f.srv, api.Package{Owner: api.User("octocat"), Type: api.PackageTypeNpm, Name: "lib"}, apitest.VersionSeed{Name: fmt.Sprint(i)})
	}
	// Seeded before AddUser: the declaration decides the kind.
	seedPackage(t, f.srv, api.Package{Owner: api.User("monalisa"), Type: api.PackageTypeNpm, Name: "lib"}, apitest.PackageSeed{Visibility: "public", Versions: []apitest.VersionSeed{{Name: "1"}}})
	f.srv.AddUser("monalisa")
	if a := f.do(t, "GET", "/users/monalisa/packages/npm/lib/versions", tok); a.status != 200 {
		t.Errorf("another user's public package: %d", a.status)
	}
	if a := f.do(t, "GET", "/orgs/monalisa/packages/npm/lib/versions", tok); a.status != 404 {
		t.Errorf("a user as an org: %d", a.status)
	}
	id, _ := f.srv.AccountID("octocat")
	for _, path := range []string{"/user/packages/npm/lib/versions?per_page=2", "/users/octocat/packages/npm/lib/versions?per_page=2"} {
		a := f.do(t, "GET", path, tok)
		want := fmt.Sprintf(`<%s/user/%d/packages/npm/lib/versions?page=2&per_page=2>; rel="next", <%[1]s/user/%[2]d/packages/npm/lib/versions?page=2&per_page=2>; rel="last"`, f.srv.URL, id)
		if got := a.header.Get("Link"); got != want {
			t.Errorf("%s: Link\n%s\nwant\n%s", path, got, want)
		}
	}
	f.srv.ResetRequests()
	a := f.do(t, "GET", fmt.Sprintf("/user/%d/packages/npm/lib/versions?page=2&per_page=2", id), tok)
	if got := decode[[]map[string]any](t, a); a.status != 200 || len(got) != 1 || got[0]["name"] != "0" {
		t.Errorf("page 2 by the link path: %d %s", a.status, a.body)
	}
	if log := f.srv.Requests(); len(log) != 1 || log[0].RawPath != fmt.Sprintf("/user/%d/packages/npm/lib/versions", id) || log[0].Route != "packages/get-all-package-versions-for-package-owned-by-user" {
		t.Errorf("log = %+v", log)
	}
}

// Source (README.md, row 24): the three list-packages
// operations take package_type (required), visibility, page and per_page;
// a package deleted whole is not listed; a user's private packages are
// listed to that user only. With WithPackageListLinks, Link headers name
// the owner by id, like the versions route's, and echo the query.
func TestListPackages(t *testing.T) {
	f, _ := userFixture(t, apitest.WithPackageListLinks())
	for i := range 5 {
		seedPackage(t, f.srv, api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: fmt.Sprintf("img-%d", i)}, apitest.PackageSeed{Versions: []apitest.VersionSeed{{Name: "sha256:x"}}})
	}
	seedPackage(t, f.srv, api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeNpm, Name: "npm-lib"}, apitest.PackageSeed{Repository: "octo-org/lib", Versions: []apitest.VersionSeed{{Name: "1.0.0"}}})
	if _, err := f.srv.SoftDeletePackage(api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "img-2"}); err != nil {
		t.Fatal(err)
	}
	seedPackage(t, f.srv, api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "public-img"}, apitest.PackageSeed{Visibility: "public"})
	org, _ := f.srv.AccountID("octo-org")
	tests := []struct {
		name, path, token string
		status            int
		names             string
		link              string
	}{
		{"org, one page", "/orgs/octo-org/packages?package_type=container", tok, 200, "img-0,img-1,img-3,img-4,public-img", ""},
		{"org, page 1 of 3", "/orgs/octo-org/packages?package_type=container&per_page=2", tok, 200, "img-0,img-1",
			fmt.Sprintf(`<%s/organizations/%d/packages?page=2&per_page=2&package_type=container>; rel="next", <%[1]s/organizations/%[2]d/packages?page=3&per_page=2&package_type=container>; rel="last"`, f.srv.URL, org)},
		{"org, public only", "/orgs/octo-org/packages?package_type=container&visibility=public", tok, 200, "public-img", ""},
		{"org, npm", "/orgs/octo-org/packages?package_type=npm", tok, 200, "npm-lib", ""},
		{"me", "/user/packages?package_type=container", tok, 200, "secret,open", ""},
		{"user, by the user", "/users/octocat/packages?package_type=container", tok, 200, "secret,open", ""},
		{"user, by another", "/users/octocat/packages?package_type=container", "ghp_hubot", 200, "open", ""},
		{"another me", "/user/packages?package_type=container", "ghp_hubot", 200, "", ""},
		{"past the end", "/orgs/octo-org/packages?package_type=container&page=9", tok, 200, "", ""},
		{"beyond 10000 results", "/orgs/octo-org/packages?package_type=container&page=101&per_page=100", tok, 400, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := f.do(t, "GET", tt.path, tt.token)
			if a.status != tt.status {
				t.Fatalf("%d %s", a.status, a.body)
			}
			if a.status != 200 {
				return
			}
			var names []string
			for _, p := range decode[[]map[string]any](t, a) {
				names = append(names, p["name"].(string))
			}
			if strings.Join(names, ",") != tt.names {
				t.Errorf("names = %v, want %s", names, tt.names)
			}
			if tt.link != "" && a.header.Get("Link") != tt.link {
				t.Errorf("Link\n%s\nwant\n%s", a.header.Get("Link"), tt.link)
			}
		})
	}
	// A linked repository is a minimal-repository (validated as all
	// answers are).
	a := f.do(t, "GET", "/orgs/octo-org/packages?package_type=npm", tok)
	if got := decode[[]struct {
		Repository struct {
			FullName string `json:"full_name"`
		}
	}](t, a); len(got) != 1 || got[0].Repository.FullName != "octo-org/lib" {
		t.Errorf("repository: %s", a.body)
	}
	// The Link path is served; missing package_type is refused.
	a = f.do(t, "GET", fmt.Sprintf("/organizations/%d/packages?package_type=container&page=3&per_page=2", org), tok)
	if got := decode[[]map[string]any](t, a); len(got) != 1 || got[0]["name"] != "public-img" || strings.Contains(a.header.Get("Link"), `rel="last"`) {
		t.Errorf("page 3 by the link path: %s, Link %s", a.body, a.header.Get("Link"))
	}
	if a := f.do(t, "GET", "/orgs/octo-org/packages", tok); a.status != 422 || a.message(t) != "The package_type parameter is required." {
		t.Errorf("no package_type: %d %s", a.status, a.body)
	}
	if v := f.srv.TakeViolations(); len(v) != 1 {
		t.Errorf("violations = %v, want the missing package_type", v)
	}
}

// The seeding helpers serve the tests of the sweep (issue 13): 30
// packages, 7 with versions deleted inside a window, and the deletion times
// the listing reports.
func TestSeedManyPackages(t *testing.T) {
	f := setup(t)
	windowStart := t0.Add(-6 * time.Hour)
	inWindow := map[string]bool{}
	for i := range 30 {
		name := fmt.Sprintf("svc-%02d", i)
		deleted := t0.Add(-48 * time.Hour) // outside the window
		if i%4 == 0 && len(inWindow) < 7 {
			deleted = windowStart.Add(time.Duration(i) * time.Minute)
			inWindow[name] = true
		}
		seedPackage(t, f.srv, api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: name}, apitest.PackageSeed{Versions: []apitest.VersionSeed{
			{Name: "sha256:old", CreatedAt: t0.Add(-72 * time.Hour), DeletedAt: deleted},
			{Name: "sha256:new"},
		}})
	}
	// GitHub sends no Link here: ask for the next page after a full one.
	var listed []map[string]any
	for page := 1; ; page++ {
		a := f.do(t, "GET", fmt.Sprintf("/orgs/octo-org/packages?package_type=container&per_page=7&page=%d", page), tok)
		got := decode[[]map[string]any](t, a)
		listed = append(listed, got...)
		if a.header.Get("Link") != "" {
			t.Errorf("page %d: Link %s; GitHub sends none here", page, a.header.Get("Link"))
		}
		if len(got) < 7 {
			break
		}
	}
	if len(listed) != 30 {
		t.Fatalf("listed %d packages across pages, want 30", len(listed))
	}
	found := 0
	for _, p := range listed {
		name := p["name"].(string)
		a := f.do(t, "GET", "/orgs/octo-org/packages/container/"+name+"/versions?state=deleted", tok)
		for _, v := range decode[[]map[string]any](t, a) {
			at, _ := time.Parse(time.RFC3339, v["deleted_at"].(string))
			if !at.Before(windowStart) {
				found++
				if !inWindow[name] {
					t.Errorf("%s: deleted at %v, not seeded in the window", name, at)
				}
			}
		}
	}
	if found != 7 || len(inWindow) != 7 {
		t.Errorf("found %d versions in the window, seeded %d", found, len(inWindow))
	}
}

// SeedDemo's state, as the fakegithub command and the examples show it:
// the org's image with five deleted versions, the npm package deleted
// whole (so not listed), and the token user's private image under /user.
func TestSeedDemo(t *testing.T) {
	clock := apitest.NewClock(t0)
	srv := apitest.New(t, apitest.WithClock(clock))
	d := apitest.SeedDemo(srv)
	f := &fixture{srv: srv, clock: clock}
	tests := []struct {
		path  string
		count int
	}{
		{"/orgs/octo-org/packages/container/team%2Fapp/versions?state=deleted", len(d.ImageDeleted)},
		{"/orgs/octo-org/packages/container/team%2Fapp/versions", len(d.ImageActive)},
		{"/orgs/octo-org/packages?package_type=container", 1},
		{"/orgs/octo-org/packages?package_type=npm", 0},
		{"/user/packages?package_type=container", 1},
		{"/user/packages/container/dotfiles/versions?state=deleted", 1},
		{"/users/octocat/packages/container/dotfiles/versions", 1},
	}
	for _, tt := range tests {
		a := f.do(t, "GET", tt.path, d.Token)
		if got := decode[[]map[string]any](t, a); a.status != 200 || len(got) != tt.count {
			t.Errorf("%s: %d, %d items, want %d: %s", tt.path, a.status, len(got), tt.count, a.body)
		}
	}
	if len(d.ImageDeleted) != 5 || !srv.IsPackageDeleted(d.Library) || d.UserImage.Owner != api.Me() {
		t.Errorf("demo = %+v", d)
	}
	if v, ok := srv.LookupVersion(api.Package{Owner: api.User(apitest.DemoUser), Type: d.UserImage.Type, Name: d.UserImage.Name}, d.UserImageDeleted); !ok || v.DeletedAt == nil {
		t.Errorf("user image's deleted version = %+v, %v", v, ok)
	}
}
