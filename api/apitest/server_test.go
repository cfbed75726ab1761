package apitest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

const tok = "ghp_fake"

type fixture struct {
	srv   *apitest.Server
	clock *apitest.Clock
}

func setup(t *testing.T, opts ...apitest.Option) *fixture {
	t.Helper()
	clock := apitest.NewClock(t0)
	srv := apitest.New(t, append([]apitest.Option{apitest.WithClock(clock)}, opts...)...)
	srv.AddOrg("Octo-Org")
	srv.AddToken(apitest.Token{Value: tok, User: "octocat", Scopes: []string{"read:packages", "write:packages", "delete:packages"}})
	return &fixture{srv: srv, clock: clock}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (a answer) message(t *testing.T) string {
	t.Helper()
	var m struct{ Message string }
	if err := json.Unmarshal([]byte(a.body), &m); err != nil {
		t.Fatalf("body %q: %v", a.body, err)
	}
	return m.Message
}

// do sends a raw request (the path is used as written, escapes included).
func (f *fixture) do(t *testing.T, method, path, token string, edit ...func(*http.Request)) answer {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "apitest")
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for _, e := range edit {
		e(req)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

const pkgPath = "/orgs/octo-org/packages/container/team%2Fapp"

func TestSpecViolationsAreAnsweredAndRecorded(t *testing.T) {
	f := setup(t)
	id := seedVersion(t, f.srv, orgApp, apitest.VersionSeed{Name: "sha256:1"})
	_ = id
	tests := []struct {
		name, method, path string
		status             int
		message            string
	}{
		{"unescaped slash in package name", "POST", "/orgs/octo-org/packages/container/team/app/versions/1/restore", 404, "Not Found"},
		{"bad package type", "POST", "/orgs/octo-org/packages/pypi/app/versions/1/restore", 422, "The package_type parameter is invalid."},
		{"non-integer id", "GET", pkgPath + "/versions/abc", 404, "Not Found"},
		{"bad state enum", "GET", pkgPath + "/versions?state=gone", 422, "The state parameter is invalid."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := f.do(t, tt.method, tt.path, tok)
			if a.status != tt.status || !strings.HasPrefix(a.message(t), tt.message) {
				t.Errorf("answer = %d %q, want %d %q", a.status, a.body, tt.status, tt.message)
			}
			v := f.srv.TakeViolations()
			if len(v) != 1 || v[0].Response {
				t.Fatalf("violations = %v, want one request violation", v)
			}
			if !strings.Contains(v[0].Request, tt.method) {
				t.Errorf("violation = %v", v[0])
			}
		})
	}
	if v, _ := f.srv.LookupVersion(orgApp, id); v.DeletedAt != nil {
		t.Error("state changed")
	}
}

func TestAuthAndHeaders(t *testing.T) {
	f := setup(t)
	seedVersion(t, f.srv, orgLib, apitest.VersionSeed{Name: "1.0.0"})
	f.srv.AddToken(apitest.Token{Value: "ghp_ro", Kind: api.TokenClassic, Scopes: []string{"read:packages"}})
	f.srv.AddToken(apitest.Token{Value: "github_pat_x", Kind: api.TokenFineGrained})
	f.srv.AddToken(apitest.Token{Value: "ghs_x", Kind: api.TokenApp})
	f.srv.AddToken(apitest.Token{Value: "ghp_other", Kind: api.TokenClassic, Scopes: []string{"read:packages", "write:packages"}, Orgs: []string{"someone-else"}})
	list := "/orgs/octo-org/packages/npm/lib/versions"
	restore := "/orgs/octo-org/packages/npm/lib/versions/1/restore"
	tests := []struct {
		name, method, path, token string
		edit                      func(*http.Request)
		status                    int
		message                   string
	}{
		{"no token", "GET", list, "", nil, 401, "Requires authentication"},
		{"unknown token", "GET", list, "ghp_nope", nil, 401, "Bad credentials"},
		{"token scheme", "GET", list, "", func(r *http.Request) { r.Header.Set("Authorization", "token "+tok) }, 200, ""},
		{"missing write scope", "POST", restore, "ghp_ro", nil, 403, "You need at least write:packages and read:packages scopes to restore a package version."},
		{"fine-grained", "GET", list, "github_pat_x", nil, 403, "Resource not accessible by personal access token"},
		{"app", "GET", list, "ghs_x", nil, 403, "Resource not accessible by integration"},
		{"org not visible", "GET", list, "ghp_other", nil, 404, "Not Found"},
		{"unknown org", "GET", "/orgs/nobody/packages/npm/lib/versions", tok, nil, 404, "Not Found"},
		{"org case-insensitive", "GET", "/orgs/OCTO-ORG/packages/npm/lib/versions", tok, nil, 200, ""},
		{"no user agent", "GET", list, tok, func(r *http.Request) { r.Header.Set("User-Agent", "") }, 403, "Request forbidden by administrative rules"},
		{"unknown api version", "GET", list, tok, func(r *http.Request) { r.Header.Set("X-GitHub-Api-Version", "v3") }, 400, `The version you specified in the "X-GitHub-API-Version" request header, "v3", is not a supported version.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var edits []func(*http.Request)
			if tt.edit != nil {
				edits = append(edits, tt.edit)
			}
			a := f.do(t, tt.method, tt.path, tt.token, edits...)
			if a.status != tt.status {
				t.Fatalf("status = %d %s, want %d", a.status, a.body, tt.status)
			}
			if tt.message != "" && !strings.HasPrefix(a.message(t), tt.message) {
				t.Errorf("message = %q, want %q", a.message(t), tt.message)
			}
			if a.header.Get("X-GitHub-Request-Id") == "" {
				t.Error("no X-GitHub-Request-Id")
			}
			if a.status != 204 && a.header.Get("Content-Type") != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", a.header.Get("Content-Type"))
			}
		})
	}
	a := f.do(t, "POST", restore, "ghp_ro")
	if a.header.Get("X-OAuth-Scopes") != "read:packages" || a.header.Get("X-Accepted-OAuth-Scopes") != "read:packages, write:packages" {
		t.Errorf("scope headers = %q / %q", a.header.Get("X-OAuth-Scopes"), a.header.Get("X-Accepted-OAuth-Scopes"))
	}
	if a := f.do(t, "GET", "/rate_limit", "github_pat_x"); a.status != 200 || a.header.Get("X-OAuth-Scopes") != "" {
		t.Errorf("rate_limit with a fine-grained token: %d, scopes header %q", a.status, a.header.Get("X-OAuth-Scopes"))
	}
}

func TestPrimaryBudgetCountsDown(t *testing.T) {
	f := setup(t)
	f.srv.AddToken(apitest.Token{Value: "ghp_3", Kind: api.TokenClassic, Scopes: []string{"read:packages"}, Budget: 3})
	seedVersion(t, f.srv, orgLib, apitest.VersionSeed{Name: "1.0.0"})
	var remaining []string
	for range 3 {
		a := f.do(t, "GET", "/orgs/octo-org/packages/npm/lib/versions", "ghp_3")
		remaining = append(remaining, a.header.Get("X-RateLimit-Remaining"))
		if a.header.Get("X-RateLimit-Limit") != "3" || a.header.Get("X-RateLimit-Resource") != "core" || a.header.Get("X-RateLimit-Reset") == "" {
			t.Errorf("headers = %v", a.header)
		}
	}
	if strings.Join(remaining, ",") != "2,1,0" {
		t.Errorf("remaining = %v", remaining)
	}
	// /rate_limit costs nothing and is answered while exhausted.
	if a := f.do(t, "GET", "/rate_limit", "ghp_3"); a.status != 200 || a.header.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("rate_limit: %d %v", a.status, a.header.Get("X-RateLimit-Remaining"))
	}
	a := f.do(t, "GET", "/orgs/octo-org/packages/npm/lib/versions", "ghp_3")
	if a.status != 403 || !strings.HasPrefix(a.message(t), "API rate limit exceeded") {
		t.Errorf("exhausted: %d %s", a.status, a.body)
	}
	f.clock.Advance(time.Hour)
	if a := f.do(t, "GET", "/orgs/octo-org/packages/npm/lib/versions", "ghp_3"); a.status != 200 || a.header.Get("X-RateLimit-Remaining") != "2" {
		t.Errorf("after the reset: %d remaining %s", a.status, a.header.Get("X-RateLimit-Remaining"))
	}
}

func TestSecondaryLimitModel(t *testing.T) {
	f := setup(t, apitest.WithSecondaryLimit(2))
	for i := range 3 {
		seedVersion(t, f.srv, orgApp, apitest.VersionSeed{Name: "sha256:" + string(rune('a'+i))})
	}
	statuses := []int{}
	for id := range 3 {
		statuses = append(statuses, f.do(t, "POST", pkgPath+"/versions/"+string(rune('1'+id))+"/restore", tok).status)
	}
	// Active versions answer 400; the third write within a minute is limited.
	if statuses[0] != 400 || statuses[1] != 400 || statuses[2] != 403 {
		t.Errorf("statuses = %v", statuses)
	}
	f.clock.Advance(time.Minute)
	if a := f.do(t, "POST", pkgPath+"/versions/3/restore", tok); a.status != 400 {
		t.Errorf("after a minute: %d", a.status)
	}
}

func TestListingPagesAndLinks(t *testing.T) {
	f := setup(t, apitest.WithBasePath("/api/v3"))
	for range 45 {
		seedVersion(t, f.srv, orgApp, apitest.VersionSeed{Name: "sha256:x"})
	}
	a := f.do(t, "GET", pkgPath+"/versions", tok)
	var page []map[string]any
	_ = json.Unmarshal([]byte(a.body), &page)
	if len(page) != 30 {
		t.Errorf("default page size = %d, want 30", len(page))
	}
	id, _ := f.srv.AccountID("octo-org")
	next := fmt.Sprintf("%s/organizations/%d/packages/container/team%%2Fapp/versions?page=2&per_page=30", f.srv.URL, id)
	if want := "<" + next + `>; rel="next", <` + next + `>; rel="last"`; a.header.Get("Link") != want {
		t.Errorf("Link = %s\nwant   %s", a.header.Get("Link"), want)
	}
	a = f.do(t, "GET", pkgPath+"/versions?per_page=500&page=1", tok)
	_ = json.Unmarshal([]byte(a.body), &page)
	if len(page) != 45 || a.header.Get("Link") != "" {
		t.Errorf("per_page=500 gave %d items, Link %q; want all 45 (capped at 100) on one page", len(page), a.header.Get("Link"))
	}
	a = f.do(t, "GET", pkgPath+"/versions?per_page=20&page=3", tok)
	_ = json.Unmarshal([]byte(a.body), &page)
	if len(page) != 5 || strings.Contains(a.header.Get("Link"), `rel="next"`) || !strings.Contains(a.header.Get("Link"), `rel="prev"`) {
		t.Errorf("last page: %d items, Link %s", len(page), a.header.Get("Link"))
	}
	if page[0]["id"].(float64) != 5 {
		t.Errorf("newest first: page 3 starts at id %v", page[0]["id"])
	}
}

func TestSoftDeleteWindowAndReuse(t *testing.T) {
	f := setup(t)
	mk := func(name string, deletedAgo time.Duration) int64 {
		id := seedVersion(t, f.srv, orgApp, apitest.VersionSeed{Name: name, CreatedAt: t0.Add(-40 * 24 * time.Hour)})
		if deletedAgo >= 0 {
			f.clock.Advance(-deletedAgo)
			if err := f.srv.SoftDeleteVersion(orgApp, id); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(deletedAgo)
		}
		return id
	}
	day := 24 * time.Hour
	in29 := mk("sha256:29", 29*day)
	in31 := mk("sha256:31", 31*day)
	reused := mk("sha256:reused", day)
	mk("sha256:reused", -1) // pushed again: active, same name

	a := f.do(t, "GET", pkgPath+"/versions?state=deleted", tok)
	var page []map[string]any
	_ = json.Unmarshal([]byte(a.body), &page)
	if len(page) != 2 {
		t.Fatalf("deleted listing = %s, want the 29-day and the reused one", a.body)
	}
	for _, v := range page {
		if v["deleted_at"] == nil || v["html_url"] != nil {
			t.Errorf("deleted version %v: want deleted_at and no html_url", v)
		}
	}
	tests := []struct {
		id      int64
		status  int
		message string
	}{
		{in31, 404, "Package version not found."},
		{reused, 400, "Active package version already exists with given name."},
		{in29, 204, ""},
		{in29, 400, "Active package version already exists with given name."},
	}
	for _, tt := range tests {
		a := f.do(t, "POST", pkgPath+"/versions/"+itoa(tt.id)+"/restore", tok)
		if a.status != tt.status || (tt.message != "" && a.message(t) != tt.message) {
			t.Errorf("restore %d: %d %s, want %d %q", tt.id, a.status, a.body, tt.status, tt.message)
		}
	}
	if v, _ := f.srv.LookupVersion(orgApp, in29); v.DeletedAt != nil {
		t.Error("the restored version is still deleted")
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestWholePackageDeletion(t *testing.T) {
	f := setup(t)
	id := seedVersion(t, f.srv, orgLib, apitest.VersionSeed{Name: "1.0.0"})
	cid := seedVersion(t, f.srv, api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "img"}, apitest.VersionSeed{Name: "sha256:1"})
	_ = f.srv.SoftDeleteVersion(orgLib, id)
	_ = f.srv.SoftDeleteVersion(api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "img"}, cid)
	if !f.srv.IsPackageDeleted(orgLib) || f.srv.IsPackageDeleted(api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "img"}) {
		t.Fatal("deleting the last version deletes a non-container package only")
	}
	lib := "/orgs/octo-org/packages/npm/lib"
	if a := f.do(t, "GET", lib+"/versions?state=deleted", tok); a.status != 404 || a.message(t) != "Package not found." {
		t.Errorf("list: %d %s", a.status, a.body)
	}
	if a := f.do(t, "POST", lib+"/versions/"+itoa(id)+"/restore", tok); a.status != 404 {
		t.Errorf("version restore of a deleted package: %d", a.status)
	}
	if a := f.do(t, "POST", lib+"/restore", tok); a.status != 204 {
		t.Errorf("package restore: %d %s", a.status, a.body)
	}
	if a := f.do(t, "POST", lib+"/restore", tok); a.status != 404 {
		t.Errorf("package restore again: %d", a.status)
	}
	if a := f.do(t, "GET", lib+"/versions", tok); a.status != 200 || !strings.Contains(a.body, `"1.0.0"`) {
		t.Errorf("after package restore: %d %s", a.status, a.body)
	}
}

func TestFaultScripts(t *testing.T) {
	f := setup(t)
	id := seedVersion(t, f.srv, orgApp, apitest.VersionSeed{Name: "sha256:1"})
	_ = f.srv.SoftDeleteVersion(orgApp, id)
	path := pkgPath + "/versions/" + itoa(id) + "/restore"

	f.srv.Script(api.OpRestoreVersion, apitest.BadGateway, apitest.SecondaryLimit(429, "7"), apitest.Fault{Status: 500, Body: "{not json"})
	if a := f.do(t, "POST", path, tok); a.status != 502 || !strings.Contains(a.body, "<html>") {
		t.Errorf("1st: %d %s", a.status, a.body)
	}
	if a := f.do(t, "POST", path, tok); a.status != 429 || a.header.Get("Retry-After") != "7" {
		t.Errorf("2nd: %d %v", a.status, a.header)
	}
	if a := f.do(t, "POST", path, tok); a.status != 500 || a.body != "{not json" {
		t.Errorf("3rd: %d %s", a.status, a.body)
	}
	if v, _ := f.srv.LookupVersion(orgApp, id); v.DeletedAt == nil {
		t.Fatal("a fault performed the action")
	}

	// Dropped before: not performed. Dropped after: performed.
	for _, tt := range []struct {
		fault     apitest.Fault
		performed bool
	}{{apitest.Fault{DropBefore: true}, false}, {apitest.Fault{DropAfter: true}, true}} {
		f.srv.Script(api.OpRestoreVersion, tt.fault)
		req, _ := http.NewRequest("POST", f.srv.URL+path, nil)
		req.Header.Set("User-Agent", "x")
		req.Header.Set("Authorization", "Bearer "+tok)
		if resp, err := f.srv.Client().Do(req); err == nil {
			resp.Body.Close()
			t.Errorf("%+v: got an answer, want a dropped connection", tt.fault)
		}
		v, _ := f.srv.LookupVersion(orgApp, id)
		if (v.DeletedAt == nil) != tt.performed {
			t.Errorf("%+v: performed = %v, want %v", tt.fault, v.DeletedAt == nil, tt.performed)
		}
	}

	// A delay ends when the client goes away.
	// The client goes away as soon as its request is written: no real wait.
	f.srv.Script(api.OpGetVersion, apitest.Fault{Delay: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { cancel() }})
	req, _ := http.NewRequestWithContext(ctx, "GET", f.srv.URL+pkgPath+"/versions/"+itoa(id), nil)
	if resp, err := f.srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Error("the delayed answer came")
	}

	log := f.srv.Requests()
	if len(log) < 5 || log[0].Status != 502 || log[3].Status != 0 || log[0].RawPath != path || log[0].Op != api.OpRestoreVersion {
		t.Errorf("request log = %+v", log)
	}
}

func TestClock(t *testing.T) {
	c := apitest.NewClock(t0)
	if err := c.Sleep(context.Background(), time.Minute); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Second)
	if !c.Now().Equal(t0.Add(61*time.Second)) || c.Slept() != time.Minute || len(c.Sleeps()) != 1 {
		t.Errorf("now %v slept %v", c.Now(), c.Slept())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Hour); err == nil || c.Slept() != time.Minute {
		t.Error("a cancelled sleep advanced the clock")
	}
}

func TestStartRefusesBadOptions(t *testing.T) {
	tests := []struct {
		opt  apitest.Option
		want string
	}{
		{apitest.WithClock(nil), "WithClock"},
		{apitest.WithRoundTrip(-time.Second), "WithRoundTrip"},
		{apitest.WithSecondaryLimit(-1), "WithSecondaryLimit"},
		{apitest.WithPointsPerMinute(-1), "WithPointsPerMinute"},
		{apitest.WithBasePath("/api/../v3"), "WithBasePath"},
		{apitest.WithBasePath("/api?x"), "WithBasePath"},
	}
	for _, tt := range tests {
		srv, err := apitest.Start(tt.opt)
		if err == nil {
			srv.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Start(%s) error = %v", tt.want, err)
		}
	}
}
