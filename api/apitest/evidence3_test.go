package apitest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// Evidence gathered 2026-12-03 (issue 17), one test per behaviour; the rows
// are in README.md's table and the sources in docs/github.md.

// Source (README.md, row 27): captured headers (octokit/core.js#695,
// octokit.js#2400, ghapi#156): package listings often carry no Link
// header although more pages exist; the page after a full one is asked
// for by number. page × per_page above 10,000 answers 400 with GitHub's
// words (typo included). WithPackageListLinks adds the links.
func TestEvidencePackageListingsWithoutLink(t *testing.T) {
	for _, links := range []bool{false, true} {
		t.Run(fmt.Sprint("links=", links), func(t *testing.T) {
			var opts []apitest.Option
			if links {
				opts = append(opts, apitest.WithPackageListLinks())
			}
			f := setup(t, opts...)
			for i := range 250 {
				seedPackage(t, f.srv, api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeNpm, Name: fmt.Sprintf("lib-%03d", i)}, apitest.PackageSeed{})
			}
			for page, want := range []int{100, 100, 50, 0} {
				a := f.do(t, "GET", fmt.Sprintf("/orgs/octo-org/packages?package_type=npm&per_page=100&page=%d", page+1), tok)
				if got := decode[[]map[string]any](t, a); a.status != 200 || len(got) != want {
					t.Errorf("page %d: %d, %d packages, want %d", page+1, a.status, len(got), want)
				}
				if hasNext := strings.Contains(a.header.Get("Link"), `rel="next"`); hasNext != (links && page < 2) {
					t.Errorf("page %d: Link %q", page+1, a.header.Get("Link"))
				}
				if !links && a.header.Get("Link") != "" {
					t.Errorf("page %d: Link %q; GitHub sends none", page+1, a.header.Get("Link"))
				}
			}
			a := f.do(t, "GET", "/orgs/octo-org/packages?package_type=npm&per_page=100&page=101", tok)
			if a.status != 400 || a.message(t) != "The per_page and page parameters are invalid. The value of per_page multipled by page cannot be greater than 10000." {
				t.Errorf("past the cap: %d %s", a.status, a.body)
			}
		})
	}
	// Version listings may lack Link too: WithoutVersionListLinks.
	f := setup(t, apitest.WithoutVersionListLinks())
	for i := range 3 {
		seedVersion(t, f.srv, orgApp, apitest.VersionSeed{Name: fmt.Sprint(i)})
	}
	if a := f.do(t, "GET", pkgPath+"/versions?per_page=2", tok); a.status != 200 || a.header.Get("Link") != "" {
		t.Errorf("versions without Link: %d, Link %q", a.status, a.header.Get("Link"))
	}
}

// Source (README.md, row 28): captured Link headers: /users/{login}/...
// listings link to /user/{numeric id}/... (singular user), and the
// request's other query parameters are echoed after page and per_page
// (`?page=2&per_page=40&package_type=maven` on a versions listing).
func TestEvidenceLinksEchoTheQuery(t *testing.T) {
	f := setup(t, apitest.WithPackageListLinks())
	f.srv.AddUser("monalisa")
	for i := range 3 {
		seedPackage(t, f.srv, api.Package{Owner: api.User("monalisa"), Type: api.PackageTypeMaven, Name: fmt.Sprintf("lib-%d", i)}, apitest.PackageSeed{Visibility: "public", Versions: []apitest.VersionSeed{
			{Name: "1.0"}, {Name: "1.1"}, {Name: "1.2"},
		}})
	}
	id, _ := f.srv.AccountID("monalisa")
	tests := []struct{ path, want string }{
		{"/users/monalisa/packages/maven/lib-0/versions?per_page=2&package_type=maven",
			fmt.Sprintf("%s/user/%d/packages/maven/lib-0/versions?page=2&per_page=2&package_type=maven", f.srv.URL, id)},
		{"/users/monalisa/packages?package_type=maven&visibility=public&per_page=2",
			fmt.Sprintf("%s/user/%d/packages?page=2&per_page=2&package_type=maven&visibility=public", f.srv.URL, id)},
	}
	for _, tt := range tests {
		a := f.do(t, "GET", tt.path, tok)
		if next := `<` + tt.want + `>; rel="next"`; !strings.HasPrefix(a.header.Get("Link"), next) {
			t.Errorf("%s: %d, Link\n%s\nwant it to start\n%s", tt.path, a.status, a.header.Get("Link"), next)
		}
		f.srv.TakeViolations() // package_type is not a parameter of the versions route
	}
	// The echoed link is served.
	if a := f.do(t, "GET", strings.TrimPrefix(tests[1].want, f.srv.URL), tok); a.status != 200 || len(decode[[]map[string]any](t, a)) != 1 {
		t.Errorf("the echoed link: %d %s", a.status, a.body)
	}
}

// Source (README.md, row 17, and row 29): GitHub's handler answers a
// restore of an active version either 204 or 400 `Active package version
// already exists with given name.`; which one is not known, so the fake
// has a switch (WithActiveRestore) for both, on every package type.
func TestEvidenceActiveRestoreSwitch(t *testing.T) {
	for _, status := range []int{204, 400} {
		f := setup(t, apitest.WithActiveRestore(status))
		for _, typ := range []api.PackageType{api.PackageTypeContainer, api.PackageTypeMaven} {
			id := seedVersion(t, f.srv, api.Package{Owner: api.Org("octo-org"), Type: typ, Name: "p"}, apitest.VersionSeed{Name: "1"})
			a := f.do(t, "POST", fmt.Sprintf("/orgs/octo-org/packages/%s/p/versions/%d/restore", typ, id), tok)
			if a.status != status || status == 400 && a.message(t) != "Active package version already exists with given name." {
				t.Errorf("switch %d, %s: %d %s", status, typ, a.status, a.body)
			}
		}
	}
	for _, bad := range []apitest.Option{apitest.WithActiveRestore(200), apitest.WithBadCredentialsLockout(3, 0)} {
		s, err := apitest.Start(bad)
		if err == nil {
			s.Close()
			t.Errorf("an invalid switch was taken")
		} else if !strings.Contains(err.Error(), "WithActiveRestore") && !strings.Contains(err.Error(), "WithBadCredentialsLockout") {
			t.Errorf("error %v does not name the option", err)
		}
	}
}

// Source (README.md, rows 30 to 33): GitHub's answers that no scope fixes.
// Fine-grained tokens are refused on the restore routes; SAML SSO answers
// 403 with X-GitHub-SSO: required; url=...; GHES with Packages off answers
// 404 with its message; after several bad credentials every request
// answers 403 for a while (GitHub's docs).
func TestEvidenceAnswersNoScopeFixes(t *testing.T) {
	const fg = "github_pat_11AAAAAAA0evidence"
	sso := setup(t, apitest.WithSSO("octo-org"))
	off := setup(t, apitest.WithPackagesDisabled())
	plain := setup(t)
	plain.srv.AddToken(apitest.Token{Value: fg, Scopes: []string{"read:packages", "write:packages", "delete:packages"}})
	restore := pkgPath + "/versions/1/restore"
	tests := []struct {
		name   string
		f      *fixture
		method string
		path   string
		token  string
		status int
		msg    string
	}{
		{"fine-grained restore", plain, "POST", restore, fg, 403, "Resource not accessible by personal access token"},
		{"fine-grained rate_limit", plain, "GET", "/rate_limit", fg, 200, ""},
		{"SAML SSO", sso, "POST", restore, tok, 403, "Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization."},
		{"SAML SSO, listing", sso, "GET", pkgPath + "/versions", tok, 403, "Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization."},
		{"Packages off", off, "POST", restore, tok, 404, "GitHub Packages has not been enabled. Contact your Enterprise Administrator to enable GitHub Packages."},
		{"Packages off, rate_limit", off, "GET", "/rate_limit", tok, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.f.do(t, tt.method, tt.path, tt.token)
			if a.status != tt.status || tt.msg != "" && a.message(t) != tt.msg {
				t.Fatalf("%d %s", a.status, a.body)
			}
			h := a.header.Get("X-GitHub-SSO")
			if wantSSO := tt.f == sso; wantSSO != strings.HasPrefix(strings.ToLower(h), "required; url=https://github.com/orgs/octo-org/sso?authorization_request=") {
				t.Errorf("X-GitHub-SSO %q", h)
			}
		})
	}

	lock := setup(t, apitest.WithBadCredentialsLockout(3, 5*time.Minute))
	var got []int
	for _, token := range []string{"ghp_bad", "ghp_bad", "ghp_bad", "ghp_bad", tok} {
		got = append(got, lock.do(t, "GET", pkgPath+"/versions", token).status)
	}
	if fmt.Sprint(got) != "[401 401 401 403 403]" {
		t.Errorf("statuses %v, want three 401s then 403 for every request", got)
	}
	if a := lock.do(t, "GET", pkgPath+"/versions", tok); a.message(t) != "Maximum number of login attempts exceeded. Please try again later." {
		t.Errorf("lockout message %q", a.message(t))
	}
	lock.clock.Advance(5 * time.Minute)
	if a := lock.do(t, "GET", pkgPath+"/versions", tok); a.status != 404 { // no such package: past the lockout
		t.Errorf("after the lockout: %d %s", a.status, a.body)
	}
}

// Source (README.md, row 14, and row 34): API version 2026-03-10 drops
// repository.has_downloads from package bodies (rest-api-description
// CHANGELOG, changeset remove_has_downloads); the version served is echoed
// in X-GitHub-Api-Version-Selected.
func TestEvidencePackagesUnderAPIVersion2026(t *testing.T) {
	f := setup(t)
	seedPackage(t, f.srv, orgLib, apitest.PackageSeed{Repository: "octo-org/lib"})
	for _, tt := range []struct {
		version   string
		downloads bool
	}{{"2022-11-28", true}, {"2026-03-10", false}} {
		a := f.do(t, "GET", "/orgs/octo-org/packages?package_type=npm", tok, func(r *http.Request) { r.Header.Set("X-GitHub-Api-Version", tt.version) })
		got := decode[[]struct {
			Repository map[string]any `json:"repository"`
		}](t, a)
		if len(got) != 1 {
			t.Fatalf("%s: %s", tt.version, a.body)
		}
		if _, ok := got[0].Repository["has_downloads"]; ok != tt.downloads {
			t.Errorf("%s: has_downloads present = %v, want %v", tt.version, ok, tt.downloads)
		}
		if sel := a.header.Get("X-GitHub-Api-Version-Selected"); sel != tt.version {
			t.Errorf("%s: selected %q", tt.version, sel)
		}
	}
}

// Source (README.md, row 29): GitHub's handler checks write:packages and
// read:packages on restore, and delete:packages only on the deleted
// listing: a token without delete:packages cannot list deleted versions
// but restores a known id.
func TestEvidenceRestoreWithoutDeleteScope(t *testing.T) {
	f := setup(t)
	const rw = "ghp_readwrite"
	f.srv.AddToken(apitest.Token{Value: rw, User: "octocat", Scopes: []string{"read:packages", "write:packages"}})
	id := seedVersion(t, f.srv, orgApp, apitest.VersionSeed{Name: "sha256:1", DeletedAt: t0.Add(-time.Hour)})
	if a := f.do(t, "GET", pkgPath+"/versions?state=deleted", rw); a.status != 403 || a.message(t) != "You need at least delete:packages and read:packages scopes to get a package's deleted versions." {
		t.Errorf("deleted listing: %d %s", a.status, a.body)
	}
	if a := f.do(t, "POST", fmt.Sprintf("%s/versions/%d/restore", pkgPath, id), rw); a.status != 204 {
		t.Errorf("restore: %d %s", a.status, a.body)
	}
	if a := f.do(t, "GET", fmt.Sprintf("%s/versions/%d", pkgPath, id), rw); a.status != 200 {
		t.Errorf("the restored version: %d %s", a.status, a.body)
	}
}
