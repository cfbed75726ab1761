package apitest_test

// Each test here checks one GitHub behaviour the fake models, and names its
// source; the behaviour table in README.md lists the same facts, their
// evidence, and these tests' names.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

func decode[T any](t *testing.T, a answer) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(a.body), &v); err != nil {
		t.Fatalf("body %q: %v", a.body, err)
	}
	return v
}

// Source: GitHub's packages handler (README.md, rows 1-3):
// authentication, then validation (422), then the package (404 "Package
// not found." whatever the scopes), then the scopes (403 with GitHub's
// messages); listing deleted versions needs delete:packages.
func TestEvidenceOrderOfChecks(t *testing.T) {
	f := setup(t)
	seedVersion(t, f.srv, orgApp, apitest.VersionSeed{Name: "sha256:1"})
	f.srv.AddToken(apitest.Token{Value: "ghp_read", Scopes: []string{"read:packages"}})
	f.srv.AddToken(apitest.Token{Value: "ghp_rw", Scopes: []string{"read:packages", "write:packages"}})
	f.srv.AddToken(apitest.Token{Value: "ghp_none"})
	// GitHub nests read:packages under write:packages: such a token lists
	// write:packages alone in X-OAuth-Scopes and may read and restore.
	f.srv.AddToken(apitest.Token{Value: "ghp_write", Scopes: []string{"write:packages"}})
	const missing = "/orgs/octo-org/packages/container/nope"
	tests := []struct {
		name, method, path, token string
		status                    int
		message                   string
		violation                 bool // the request breaks the description
	}{
		{"no token before a bad state", "GET", pkgPath + "/versions?state=gone", "", 401, "Requires authentication", false},
		{"bad token before a bad type", "GET", "/orgs/octo-org/packages/pypi/x/versions", "ghp_bad", 401, "Bad credentials", false},
		{"bad state before a missing package", "GET", missing + "/versions?state=gone", tok, 422, "The state parameter is invalid.", true},
		{"missing package before the deleted-listing scope", "GET", missing + "/versions?state=deleted", "ghp_read", 404, "Package not found.", false},
		{"missing package before the read scope", "GET", missing + "/versions", "ghp_none", 404, "Package not found.", false},
		{"missing package before the restore scope", "POST", missing + "/versions/1/restore", "ghp_read", 404, "Package not found.", false},
		{"deleted listing without delete:packages", "GET", pkgPath + "/versions?state=deleted", "ghp_rw", 403, "You need at least delete:packages and read:packages scopes to get a package's deleted versions.", false},
		{"listing without read:packages", "GET", pkgPath + "/versions", "ghp_none", 403, "You need at least read:packages scope to list packages.", false},
		{"restore without write:packages", "POST", pkgPath + "/versions/1/restore", "ghp_read", 403, "You need at least write:packages and read:packages scopes to restore a package version.", false},
		{"active listing with read:packages", "GET", pkgPath + "/versions", "ghp_read", 200, "", false},
		{"write:packages implies read:packages for listing", "GET", pkgPath + "/versions", "ghp_write", 200, "", false},
		{"write:packages implies read:packages for restoring", "POST", pkgPath + "/versions/1/restore", "ghp_write", 400, "Active package version already exists with given name.", false},
		{"write:packages alone does not list deleted versions", "GET", pkgPath + "/versions?state=deleted", "ghp_write", 403, "You need at least delete:packages and read:packages scopes to get a package's deleted versions.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := f.do(t, tt.method, tt.path, tt.token)
			if a.status != tt.status || (tt.message != "" && a.message(t) != tt.message) {
				t.Errorf("answer = %d %s, want %d %q", a.status, a.body, tt.status, tt.message)
			}
			if v := f.srv.TakeViolations(); (len(v) > 0) != tt.violation {
				t.Errorf("violations = %v, want some: %v", v, tt.violation)
			}
		})
	}
	a := f.do(t, "GET", pkgPath+"/versions?state=deleted", "ghp_rw")
	if got := a.header.Get("X-Accepted-OAuth-Scopes"); got != "delete:packages, read:packages" {
		t.Errorf("X-Accepted-OAuth-Scopes = %q", got)
	}
}

// Source: GitHub's packages handler (README.md, row 4): a deleted
// version answers GET with 404 `Package version not found.`, like one that
// never existed; only the state=deleted listing shows it.
func TestEvidenceGetDeletedVersion(t *testing.T) {
	f := setup(t)
	id := seedVersion(t, f.srv, orgApp, apitest.VersionSeed{Name: "sha256:1"})
	if a := f.do(t, "GET", pkgPath+"/versions/"+itoa(id), tok); a.status != 200 {
		t.Fatalf("active: %d %s", a.status, a.body)
	}
	if err := f.srv.SoftDeleteVersion(orgApp, id); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{pkgPath + "/versions/" + itoa(id), pkgPath + "/versions/999"} {
		if a := f.do(t, "GET", path, tok); a.status != 404 || a.message(t) != "Package version not found." {
			t.Errorf("GET %s: %d %s", path, a.status, a.body)
		}
	}
}

// Source (README.md, row 5): a real capture
// (https://api.github.com/organizations/54834211/packages/container/vuls-data-db/versions?page=2&per_page=100)
// names the org by numeric id, with page and per_page first and the
// request's other parameters echoed after them (a captured
// `?page=2&per_page=40&package_type=maven`); rels come in the order next,
// prev, first, last; last is absent on the last page; a
// page past the end is []; a deleted listing with nothing in it is []
// without Link. The fake serves the Link paths.
func TestEvidenceLinkHeaders(t *testing.T) {
	f := setup(t, apitest.WithBasePath("/api/v3"))
	for i := range 45 {
		seedVersion(t, f.srv, orgApp, apitest.VersionSeed{Name: fmt.Sprintf("sha256:%d", i), DeletedAt: t0.Add(-time.Hour)})
	}
	seedVersion(t, f.srv, api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "empty"}, apitest.VersionSeed{Name: "sha256:e"})
	id, _ := f.srv.AccountID("octo-org")
	base := fmt.Sprintf("%s/organizations/%d/packages/container/team%%2Fapp/versions", f.srv.URL, id)
	link := func(page int, rel string) string {
		return fmt.Sprintf(`<%s?page=%d&per_page=20&state=deleted>; rel="%s"`, base, page, rel)
	}
	tests := []struct {
		page  int
		items int
		link  string
	}{
		{1, 20, link(2, "next") + ", " + link(3, "last")},
		{2, 20, link(3, "next") + ", " + link(1, "prev") + ", " + link(1, "first") + ", " + link(3, "last")},
		{3, 5, link(2, "prev") + ", " + link(1, "first")},
		{4, 0, link(3, "prev") + ", " + link(1, "first")},
	}
	for _, tt := range tests {
		a := f.do(t, "GET", fmt.Sprintf("%s/versions?state=deleted&per_page=20&page=%d", pkgPath, tt.page), tok)
		if got := decode[[]map[string]any](t, a); a.status != 200 || len(got) != tt.items || (tt.items == 0 && strings.TrimSpace(a.body) != "[]") {
			t.Errorf("page %d: %d, %d items %s", tt.page, a.status, len(got), a.body)
		}
		if got := a.header.Get("Link"); got != tt.link {
			t.Errorf("page %d: Link\n%s\nwant\n%s", tt.page, got, tt.link)
		}
	}
	if a := f.do(t, "GET", "/orgs/octo-org/packages/container/empty/versions?state=deleted", tok); a.body != "[]" || a.header.Get("Link") != "" {
		t.Errorf("empty deleted listing: %s, Link %q", a.body, a.header.Get("Link"))
	}

	// The Link path is served: mapped onto the org route, validated, and
	// logged as sent. It carries no state, so it lists active versions.
	f.srv.ResetRequests()
	path := strings.TrimPrefix(base, f.srv.URL) + "?page=1&per_page=20"
	a := f.do(t, "GET", path, tok)
	if a.status != 200 || a.body != "[]" {
		t.Errorf("Link path: %d %s", a.status, a.body)
	}
	log := f.srv.Requests()
	if len(log) != 1 || log[0].RawPath != "/api/v3"+strings.Split(path, "?")[0] || log[0].Op != api.OpListVersions || log[0].Route != api.OpListVersions.ID(api.OwnerOrg) {
		t.Errorf("log = %+v", log)
	}
	for _, p := range []string{"/organizations/1/packages/container/team%2Fapp/versions", "/user/1/packages/container/team%2Fapp/versions"} {
		if a := f.do(t, "GET", p, tok); a.status != 404 {
			t.Errorf("%s (no such account): %d", p, a.status)
		}
	}
}

// Source: GitHub's packages handler (README.md, row 9): package restore answers
// 409 when an active package holds the name, 409 when several deleted
// packages match and no restore token picks one, and 422 for a retired
// name; the token query parameter picks one deleted package.
func TestEvidencePackageRestore(t *testing.T) {
	f := setup(t)
	const lib = "/orgs/octo-org/packages/npm/lib/restore"
	seed := func(name string) string {
		seedVersion(t, f.srv, orgLib, apitest.VersionSeed{Name: name})
		tk, err := f.srv.SoftDeletePackage(orgLib)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	first := seed("1.0.0")
	second := seed("2.0.0")
	if got := f.srv.DeletedGenerations(orgLib); len(got) != 2 || got[0].Token != first || got[1].Token != second {
		t.Fatalf("DeletedGenerations = %+v", got)
	}
	tests := []struct {
		name, path string
		status     int
		message    string
	}{
		{"several deleted, no token", lib, 409, "Multiple deleted packages match given name, specify a package by providing a restore token"},
		{"unknown token", lib + "?token=nope", 404, "Package not found."},
		{"token picks the first", lib + "?token=" + first, 204, ""},
		{"the name is active now", lib + "?token=" + second, 409, "An active package already exists with given name."},
	}
	for _, tt := range tests {
		a := f.do(t, "POST", tt.path, tok)
		if a.status != tt.status || (tt.message != "" && a.message(t) != tt.message) {
			t.Errorf("%s: %d %s, want %d %q", tt.name, a.status, a.body, tt.status, tt.message)
		}
	}
	a := f.do(t, "GET", "/orgs/octo-org/packages/npm/lib/versions", tok)
	if !strings.Contains(a.body, `"1.0.0"`) || strings.Contains(a.body, `"2.0.0"`) {
		t.Errorf("after restoring the first: %s", a.body)
	}

	seedVersion(t, f.srv, api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeNuget, Name: "old"}, apitest.VersionSeed{Name: "1.0.0"})
	if _, err := f.srv.SoftDeletePackage(api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeNuget, Name: "old"}); err != nil {
		t.Fatal(err)
	}
	retireName(t, f.srv, api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeNuget, Name: "old"})
	a = f.do(t, "POST", "/orgs/octo-org/packages/nuget/old/restore", tok)
	if a.status != 422 || a.message(t) != "Package restore was not successful. The package name old has been retired and cannot restored." {
		t.Errorf("retired: %d %s", a.status, a.body)
	}
}

// Source (README.md, row 10): snok/container-retention-
// policy #59, #93): secondary limits came as 403 with a positive
// x-ratelimit-remaining, a future reset and no retry-after, and a
// documentation_url ending #about-secondary-rate-limits.
func TestEvidenceSecondaryLimit(t *testing.T) {
	f := setup(t, apitest.WithSecondaryLimit(1))
	seedVersion(t, f.srv, orgApp, apitest.VersionSeed{Name: "sha256:1"})
	f.do(t, "POST", pkgPath+"/versions/1/restore", tok)
	a := f.do(t, "POST", pkgPath+"/versions/1/restore", tok)
	body := decode[map[string]string](t, a)
	if a.status != 403 || !strings.HasPrefix(body["message"], "You have exceeded a secondary rate limit.") || !strings.HasSuffix(body["documentation_url"], "#about-secondary-rate-limits") {
		t.Errorf("answer: %d %s", a.status, a.body)
	}
	if _, ok := a.header["Retry-After"]; ok {
		t.Error("retry-after sent")
	}
	if r := a.header.Get("X-RateLimit-Remaining"); r == "" || r == "0" {
		t.Errorf("x-ratelimit-remaining = %q, want positive", r)
	}
	if reset := a.header.Get("X-RateLimit-Reset"); reset <= fmt.Sprint(t0.Unix()) {
		t.Errorf("x-ratelimit-reset = %s, want after now", reset)
	}
}

// Source: GitHub's packages handler and go-github (README.md, rows 12-13): URLs
// in bodies escape `/` in the name as %2F; a deleted version has deleted_at
// and omits html_url (not null); a deleted container version keeps its tags
// in metadata.container.tags (container tags come from the registry
// record: unconfirmed by a capture, modelled as kept).
func TestEvidenceVersionBodies(t *testing.T) {
	f := setup(t)
	active := seedVersion(t, f.srv, orgApp, apitest.VersionSeed{Name: "sha256:a", Tags: []string{"v2"}})
	gone := seedVersion(t, f.srv, orgApp, apitest.VersionSeed{Name: "sha256:d", Tags: []string{"v1", "stable"}, DeletedAt: t0.Add(-time.Hour)})
	type version struct {
		ID             int64
		URL            string
		PackageHTMLURL string  `json:"package_html_url"`
		HTMLURL        *string `json:"html_url"`
		DeletedAt      *string `json:"deleted_at"`
		Metadata       struct{ Container struct{ Tags []string } }
	}
	v := decode[version](t, f.do(t, "GET", pkgPath+"/versions/"+itoa(active), tok))
	wantURL := f.srv.URL + "/orgs/Octo-Org/packages/container/team%2Fapp/versions/" + itoa(active)
	if v.URL != wantURL || v.PackageHTMLURL != "https://github.com/orgs/Octo-Org/packages/container/package/team%2Fapp" ||
		v.HTMLURL == nil || *v.HTMLURL != "https://github.com/orgs/Octo-Org/packages/container/team%2Fapp/"+itoa(active) || v.DeletedAt != nil {
		t.Errorf("active version: %+v (url want %s)", v, wantURL)
	}
	a := f.do(t, "GET", pkgPath+"/versions?state=deleted", tok)
	list := decode[[]version](t, a)
	raw := decode[[]map[string]any](t, a)
	if len(list) != 1 || list[0].ID != gone || list[0].DeletedAt == nil || strings.Join(list[0].Metadata.Container.Tags, ",") != "v1,stable" {
		t.Fatalf("deleted listing: %s", a.body)
	}
	if _, ok := raw[0]["html_url"]; ok {
		t.Errorf("a deleted version has html_url: %s", a.body)
	}
}

// Source (README.md, row 14): API version 2026-03-10
// changes only GET /rate_limit, whose body drops `rate` and keeps
// `resources` (github/rest-api-description, api.github.com.2026-03-10.json);
// GitHub echoes the version in X-GitHub-Api-Version-Selected.
func TestEvidenceAPIVersion2026(t *testing.T) {
	f := setup(t)
	for _, tt := range []struct {
		version string
		rate    bool
	}{{"2022-11-28", true}, {"2026-03-10", false}} {
		a := f.do(t, "GET", "/rate_limit", tok, func(r *http.Request) { r.Header.Set("X-GitHub-Api-Version", tt.version) })
		body := decode[map[string]map[string]any](t, a)
		if _, ok := body["rate"]; ok != tt.rate {
			t.Errorf("%s: rate present = %v, want %v: %s", tt.version, ok, tt.rate, a.body)
		}
		if body["resources"]["core"] == nil {
			t.Errorf("%s: no resources.core: %s", tt.version, a.body)
		}
		if got := a.header.Get("X-GitHub-Api-Version-Selected"); got != tt.version {
			t.Errorf("%s: selected %q", tt.version, got)
		}
	}
	a := f.do(t, "GET", pkgPath+"/versions", tok, func(r *http.Request) { r.Header.Set("X-GitHub-Api-Version", "2026-03-10") })
	if a.header.Get("X-GitHub-Api-Version-Selected") != "2026-03-10" {
		t.Errorf("package route: selected %q", a.header.Get("X-GitHub-Api-Version-Selected"))
	}
}

// Source: GitHub's packages handler (README.md, row 17): GitHub does not check that
// a version is deleted before restoring it: an active version answers 400
// on registries with granular permissions (container, npm, NuGet, RubyGems)
// and 204 on the older ones (Maven, Docker).
func TestEvidenceRestoreActiveVersion(t *testing.T) {
	f := setup(t)
	for _, tt := range []struct {
		typ    api.PackageType
		status int
	}{{api.PackageTypeContainer, 400}, {api.PackageTypeNpm, 400}, {api.PackageTypeNuget, 400}, {api.PackageTypeRubygems, 400}, {api.PackageTypeMaven, 204}, {api.PackageTypeDocker, 204}} {
		id := seedVersion(t, f.srv, api.Package{Owner: api.Org("octo-org"), Type: tt.typ, Name: "p"}, apitest.VersionSeed{Name: "1.0.0"})
		a := f.do(t, "POST", fmt.Sprintf("/orgs/octo-org/packages/%s/p/versions/%d/restore", tt.typ, id), tok)
		if a.status != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.typ, a.status, a.body, tt.status)
		}
	}
}
