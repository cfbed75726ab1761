package api_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/gen"
)

// recorder answers every request with status and records its URL.
type recorder struct {
	mu   sync.Mutex
	urls []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.urls = append(r.urls, req.Method+" "+req.URL.String())
	r.mu.Unlock()
	status, body := http.StatusNoContent, ""
	switch {
	case strings.HasSuffix(req.URL.Path, "/rate_limit"):
		status, body = 200, `{"resources":{"core":{"limit":1,"remaining":1,"used":0,"reset":1}},"rate":{"limit":1,"remaining":1,"used":0,"reset":1}}`
	case strings.HasSuffix(req.URL.Path, "/packages/container-registry-url"):
		status, body = 200, `{"url":"https://containers.ghes.example.com"}`
	case strings.Contains(req.URL.RawQuery, "state=") || strings.Contains(req.URL.RawQuery, "package_type="):
		status, body = 200, `[]`
	case req.Method == http.MethodGet:
		status, body = 200, `{"id":1,"name":"n","url":"u","package_html_url":"h","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	u := r.urls
	r.urls = nil
	return u
}

// routeCase is one set of arguments for every call: the package, a version
// id, a restore token and a visibility filter for listing packages.
type routeCase struct {
	pkg        api.Package
	id         int64
	token      string
	visibility string
}

// generated returns the URLs gen's request builders make for the calls that
// facadeURLs makes, in the same order.
func generated(t testing.TB, base string, rc routeCase) []string {
	t.Helper()
	server := base + "/"
	var out []string
	add := func(req *http.Request, err error) {
		if err != nil {
			t.Fatalf("generated builder: %v", err)
		}
		out = append(out, req.Method+" "+req.URL.String())
	}
	pkg, id := rc.pkg, int(rc.id)
	perPage, smallPage := 100, 7
	deleted, active := gen.PackageVersionStateDeleted, gen.PackageVersionStateActive
	typ := gen.PackageType(pkg.Type)
	var token *string
	if rc.token != "" {
		token = &rc.token
	}
	var vis *gen.Visibility
	if rc.visibility != "" {
		v := gen.Visibility(rc.visibility)
		vis = &v
	}
	switch login := pkg.Owner.Login(); pkg.Owner.Kind() {
	case api.OwnerOrg:
		add(gen.NewPackagesRestorePackageVersionForOrgRequest(server, login, pkg.Type, pkg.Name, id))
		add(gen.NewPackagesGetPackageVersionForOrganizationRequest(server, login, pkg.Type, pkg.Name, id))
		add(gen.NewPackagesGetAllPackageVersionsForPackageOwnedByOrgRequest(server, login, pkg.Type, pkg.Name,
			&gen.PackagesGetAllPackageVersionsForPackageOwnedByOrgParams{PerPage: &perPage, State: &deleted}))
		add(gen.NewPackagesGetAllPackageVersionsForPackageOwnedByOrgRequest(server, login, pkg.Type, pkg.Name,
			&gen.PackagesGetAllPackageVersionsForPackageOwnedByOrgParams{PerPage: &smallPage, State: &active}))
		add(gen.NewPackagesRestorePackageForOrgRequest(server, login, pkg.Type, pkg.Name, &gen.PackagesRestorePackageForOrgParams{Token: token}))
		add(gen.NewPackagesListPackagesForOrganizationRequest(server, login, &gen.PackagesListPackagesForOrganizationParams{PackageType: typ, PerPage: &perPage}))
		add(gen.NewPackagesListPackagesForOrganizationRequest(server, login, &gen.PackagesListPackagesForOrganizationParams{PackageType: typ, PerPage: &smallPage, Visibility: vis}))
	case api.OwnerUser:
		add(gen.NewPackagesRestorePackageVersionForUserRequest(server, login, pkg.Type, pkg.Name, id))
		add(gen.NewPackagesGetPackageVersionForUserRequest(server, login, pkg.Type, pkg.Name, id))
		add(gen.NewPackagesGetAllPackageVersionsForPackageOwnedByUserRequest(server, login, pkg.Type, pkg.Name,
			&gen.PackagesGetAllPackageVersionsForPackageOwnedByUserParams{PerPage: &perPage, State: &deleted}))
		add(gen.NewPackagesGetAllPackageVersionsForPackageOwnedByUserRequest(server, login, pkg.Type, pkg.Name,
			&gen.PackagesGetAllPackageVersionsForPackageOwnedByUserParams{PerPage: &smallPage, State: &active}))
		add(gen.NewPackagesRestorePackageForUserRequest(server, login, pkg.Type, pkg.Name, &gen.PackagesRestorePackageForUserParams{Token: token}))
		add(gen.NewPackagesListPackagesForUserRequest(server, login, &gen.PackagesListPackagesForUserParams{PackageType: typ, PerPage: &perPage}))
		add(gen.NewPackagesListPackagesForUserRequest(server, login, &gen.PackagesListPackagesForUserParams{PackageType: typ, PerPage: &smallPage, Visibility: vis}))
	case api.OwnerMe:
		add(gen.NewPackagesRestorePackageVersionForAuthenticatedUserRequest(server, pkg.Type, pkg.Name, id))
		add(gen.NewPackagesGetPackageVersionForAuthenticatedUserRequest(server, pkg.Type, pkg.Name, id))
		add(gen.NewPackagesGetAllPackageVersionsForPackageOwnedByAuthenticatedUserRequest(server, pkg.Type, pkg.Name,
			&gen.PackagesGetAllPackageVersionsForPackageOwnedByAuthenticatedUserParams{PerPage: &perPage, State: &deleted}))
		add(gen.NewPackagesGetAllPackageVersionsForPackageOwnedByAuthenticatedUserRequest(server, pkg.Type, pkg.Name,
			&gen.PackagesGetAllPackageVersionsForPackageOwnedByAuthenticatedUserParams{PerPage: &smallPage, State: &active}))
		add(gen.NewPackagesRestorePackageForAuthenticatedUserRequest(server, pkg.Type, pkg.Name, &gen.PackagesRestorePackageForAuthenticatedUserParams{Token: token}))
		add(gen.NewPackagesListPackagesForAuthenticatedUserRequest(server, &gen.PackagesListPackagesForAuthenticatedUserParams{PackageType: typ, PerPage: &perPage}))
		add(gen.NewPackagesListPackagesForAuthenticatedUserRequest(server, &gen.PackagesListPackagesForAuthenticatedUserParams{PackageType: typ, PerPage: &smallPage, Visibility: vis}))
	default:
		t.Fatalf("no generated builders for owner kind %q", pkg.Owner.Kind())
	}
	add(gen.NewRateLimitGetRequest(server))
	add(gen.NewPackagesGetContainerRegistryURLRequest(server))
	return out
}

// facadeURLs makes every call through the facade.
func facadeURLs(t testing.TB, c *api.Client, rec *recorder, rc routeCase) []string {
	t.Helper()
	ctx := context.Background()
	pkg := rc.pkg
	if _, err := c.RestoreVersion(ctx, pkg, rc.id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetVersion(ctx, pkg, rc.id); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []*api.ListOptions{{State: api.StateDeleted}, {PerPage: 7}} {
		for _, err := range c.Versions(ctx, pkg, opts) {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := c.RestorePackage(ctx, pkg, &api.RestorePackageOptions{Token: rc.token}); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []*api.PackagesOptions{nil, {PerPage: 7, Visibility: rc.visibility}} {
		for _, err := range c.Packages(ctx, pkg.Owner, pkg.Type, opts) {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := c.Preflight(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ContainerRegistryURL(ctx); err != nil {
		t.Fatal(err)
	}
	return rec.take()
}

func routeClient(t testing.TB, base string) (*api.Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	// The fake clock lets the read budget's waits pass at once.
	c, err := api.New(api.WithBaseURL(base), api.WithToken(testToken), api.WithTransport(rec), api.WithWritePacing(0), api.WithoutRetry(),
		api.WithClock(apitest.NewClock(start)))
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

// The facade's URLs are the generated builders' URLs, byte for byte, for
// every owner and every call.
func TestRoutesMatchGenerated(t *testing.T) {
	var cases []routeCase
	for _, owner := range []api.Owner{api.Org("o"), api.Org("Octo-Org"), api.Org("ü-org"), api.User("octocat"), api.User("ü-user"), api.Me()} {
		for _, p := range []struct {
			typ  api.PackageType
			name string
		}{
			{api.PackageTypeContainer, "hello/hello_docker"},
			{api.PackageTypeMaven, "com.example:lib"},
			{api.PackageTypeNpm, "@scope/pkg"},
			{api.PackageTypeNuget, "a?b#c%d;e,f"},
			{api.PackageTypeRubygems, "名前"},
			{api.PackageTypeDocker, "a/b/c"},
		} {
			cases = append(cases, routeCase{pkg: api.Package{Owner: owner, Type: p.typ, Name: p.name}, id: 45763})
		}
	}
	cases = append(cases,
		routeCase{pkg: api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "p"}, id: 1, token: "tok+en/=&x", visibility: "internal"},
		routeCase{pkg: api.Package{Owner: api.User("u"), Type: api.PackageTypeNpm, Name: "p"}, id: 1, token: "abc", visibility: "private"},
		routeCase{pkg: api.Package{Owner: api.Me(), Type: api.PackageTypeNpm, Name: "p"}, id: 1, token: "ü?#", visibility: "public"},
	)
	for _, base := range []string{"https://api.github.com", "https://ghes.example.com/api/v3", "http://127.0.0.1:8080"} {
		c, rec := routeClient(t, base)
		for _, rc := range cases {
			got := facadeURLs(t, c, rec, rc)
			want := generated(t, c.BaseURL(), rc)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s %+v:\nfacade:    %v\ngenerated: %v", base, rc, got, want)
			}
		}
	}
}

// The authenticated user's routes never name a login.
func TestMeNeverBecomesAUsersPath(t *testing.T) {
	c, rec := routeClient(t, "https://api.github.com")
	for _, owner := range []api.Owner{api.Me(), api.User("@me"), api.User(api.MeLogin)} {
		for _, u := range facadeURLs(t, c, rec, routeCase{pkg: api.Package{Owner: owner, Type: api.PackageTypeNpm, Name: "p"}, id: 1}) {
			if strings.Contains(u, "/users/") || strings.Contains(u, "@me") || strings.Contains(u, "%40me") {
				t.Errorf("%v: %s", owner, u)
			}
		}
	}
}

func FuzzRoutesMatchGenerated(f *testing.F) {
	f.Add(uint8(0), "o", "container", "hello/hello_docker", int64(45763), "", "")
	f.Add(uint8(1), "o-1", "maven", "com.example:lib", int64(1), "tok", "private")
	f.Add(uint8(2), "", "npm", "@scope/p+q&r=s", int64(9007199254740993), "a+b", "internal")
	f.Add(uint8(1), "ö", "nuget", "%2F/%zz", int64(7), "%zz", "public")
	c, rec := routeClient(f, "https://ghes.example.com/api/v3")
	f.Fuzz(func(t *testing.T, kind uint8, login, typ, name string, id int64, token, visibility string) {
		owner := []api.Owner{api.Org(login), api.User(login), api.Me()}[kind%3]
		rc := routeCase{pkg: api.Package{Owner: owner, Type: api.PackageType(typ), Name: name}, id: id, token: token, visibility: visibility}
		if rc.pkg.Validate() != nil || id <= 0 || strings.ContainsFunc(token, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
			return
		}
		if visibility != "public" && visibility != "private" && visibility != "internal" {
			rc.visibility = ""
		}
		got := facadeURLs(t, c, rec, rc)
		want := generated(t, c.BaseURL(), rc)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%+v:\nfacade:    %v\ngenerated: %v", rc, got, want)
		}
	})
}
