package api_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/ghpackages/restore/api"
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
	case strings.Contains(req.URL.RawQuery, "state="):
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

// generated returns the URLs gen's request builders make for the same calls.
func generated(t testing.TB, base string, pkg api.Package, id int64) []string {
	t.Helper()
	server := base + "/"
	var out []string
	add := func(req *http.Request, err error) {
		if err != nil {
			t.Fatalf("generated builder: %v", err)
		}
		out = append(out, req.Method+" "+req.URL.String())
	}
	perPage := 100
	switch login := pkg.Owner.Login(); pkg.Owner.Kind() {
	case api.OwnerOrg:
		state := gen.PackagesGetAllPackageVersionsForPackageOwnedByOrgParamsStateDeleted
		add(gen.NewPackagesRestorePackageVersionForOrgRequest(server, login, pkg.Type, pkg.Name, int(id)))
		add(gen.NewPackagesGetPackageVersionForOrganizationRequest(server, login, pkg.Type, pkg.Name, int(id)))
		add(gen.NewPackagesGetAllPackageVersionsForPackageOwnedByOrgRequest(server, login, pkg.Type, pkg.Name,
			&gen.PackagesGetAllPackageVersionsForPackageOwnedByOrgParams{PerPage: &perPage, State: &state}))
		add(gen.NewPackagesRestorePackageForOrgRequest(server, login, pkg.Type, pkg.Name, nil))
	default:
		t.Fatalf("no generated builders for owner kind %q", pkg.Owner.Kind())
	}
	add(gen.NewRateLimitGetRequest(server))
	return out
}

// facadeURLs makes the same five calls through the facade.
func facadeURLs(t testing.TB, c *api.Client, rec *recorder, pkg api.Package, id int64) []string {
	t.Helper()
	ctx := context.Background()
	if _, err := c.RestoreVersion(ctx, pkg, id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetVersion(ctx, pkg, id); err != nil {
		t.Fatal(err)
	}
	for _, err := range c.Versions(ctx, pkg, &api.ListOptions{State: api.StateDeleted}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.RestorePackage(ctx, pkg, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Preflight(ctx); err != nil {
		t.Fatal(err)
	}
	return rec.take()
}

func routeClient(t testing.TB, base string) (*api.Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	c, err := api.New(api.WithBaseURL(base), api.WithToken(testToken), api.WithTransport(rec), api.WithWritePacing(0), api.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

// The facade's URLs are the generated builders' URLs, byte for byte.
func TestRoutesMatchGenerated(t *testing.T) {
	pkgs := []api.Package{
		{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: "hello/hello_docker"},
		{Owner: api.Org("Octo-Org"), Type: api.PackageTypeMaven, Name: "com.example:lib"},
		{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "@scope/pkg"},
		{Owner: api.Org("o"), Type: api.PackageTypeNuget, Name: "a?b#c%d;e,f"},
		{Owner: api.Org("ü-org"), Type: api.PackageTypeRubygems, Name: "名前"},
		{Owner: api.Org("o"), Type: api.PackageTypeDocker, Name: "a/b/c"},
	}
	for _, base := range []string{"https://api.github.com", "https://ghes.example.com/api/v3", "http://127.0.0.1:8080"} {
		c, rec := routeClient(t, base)
		for _, pkg := range pkgs {
			got := facadeURLs(t, c, rec, pkg, 45763)
			want := generated(t, c.BaseURL(), pkg, 45763)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s %v:\nfacade:    %v\ngenerated: %v", base, pkg, got, want)
			}
		}
	}
}

func FuzzRoutesMatchGenerated(f *testing.F) {
	f.Add("o", "container", "hello/hello_docker", int64(45763))
	f.Add("o-1", "maven", "com.example:lib", int64(1))
	f.Add("o", "npm", "@scope/p+q&r=s", int64(9007199254740993))
	f.Add("ö", "nuget", "%2F/%zz", int64(7))
	c, rec := routeClient(f, "https://ghes.example.com/api/v3")
	f.Fuzz(func(t *testing.T, org, typ, name string, id int64) {
		pkg := api.Package{Owner: api.Org(org), Type: api.PackageType(typ), Name: name}
		if pkg.Validate() != nil || id <= 0 {
			return
		}
		got := facadeURLs(t, c, rec, pkg, id)
		want := generated(t, c.BaseURL(), pkg, id)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%+v %d:\nfacade:    %v\ngenerated: %v", pkg, id, got, want)
		}
	})
}
