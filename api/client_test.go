package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/gen"
)

func TestRestoreSendsEscapedPathAndHeaders(t *testing.T) {
	tests := []struct {
		name     string
		basePath string
		wantPath string
	}{
		{"github.com", "", "/orgs/o/packages/container/hello%2Fhello_docker/versions/45763/restore"},
		{"GHES base path", "/api/v3", "/api/v3/orgs/o/packages/container/hello%2Fhello_docker/versions/45763/restore"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *http.Request
			var body []byte
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = r.Clone(context.Background())
				body, _ = io.ReadAll(r.Body)
				w.WriteHeader(http.StatusNoContent)
			}))
			defer srv.Close()
			c, err := api.New(api.WithBaseURL(srv.URL+tt.basePath), api.WithToken(testToken), api.WithWritePacing(0))
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			out, err := c.RestoreVersion(context.Background(), api.Package{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: "hello/hello_docker"}, 45763)
			if err != nil || out != api.OutcomeRestored {
				t.Fatalf("RestoreVersion = %q, %v", out, err)
			}
			if got.Method != http.MethodPost {
				t.Errorf("method = %s", got.Method)
			}
			if p := got.URL.EscapedPath(); p != tt.wantPath {
				t.Errorf("raw path = %s, want %s", p, tt.wantPath)
			}
			if got.URL.RawQuery != "" || len(body) != 0 {
				t.Errorf("query %q, body %q: want none", got.URL.RawQuery, body)
			}
			want := map[string]string{
				"Authorization":        "Bearer " + testToken,
				"Accept":               "application/vnd.github+json",
				"X-Github-Api-Version": "2022-11-28",
				"User-Agent":           api.DefaultUserAgent,
			}
			for k, v := range want {
				if g := got.Header.Get(k); g != v {
					t.Errorf("%s = %q, want %q", k, g, v)
				}
			}
		})
	}
}

func TestCustomHeadersOptions(t *testing.T) {
	e := newEnv(t, nil, api.WithAPIVersion("2026-03-10"), api.WithUserAgent("my-tool/1.0"))
	if _, err := e.c.Preflight(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := e.srv.Requests()[0]
	if r.Header.Get("X-Github-Api-Version") != "2026-03-10" || r.Header.Get("User-Agent") != "my-tool/1.0" {
		t.Errorf("headers = %v", r.Header)
	}
}

func TestBadInputSendsNothing(t *testing.T) {
	e := newEnv(t, nil)
	ok := api.Package{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: "a/b"}
	with := func(f func(*api.Package)) api.Package { p := ok; f(&p); return p }
	tests := []struct {
		name  string
		pkg   api.Package
		id    int64
		field string
	}{
		{"empty org", with(func(p *api.Package) { p.Owner = api.Org("") }), 1, "org"},
		{"dot org", with(func(p *api.Package) { p.Owner = api.Org(".") }), 1, "org"},
		{"dotdot org", with(func(p *api.Package) { p.Owner = api.Org("..") }), 1, "org"},
		{"blank org", with(func(p *api.Package) { p.Owner = api.Org(" \t") }), 1, "org"},
		{"slash in org", with(func(p *api.Package) { p.Owner = api.Org("o/x") }), 1, "org"},
		{"space in org", with(func(p *api.Package) { p.Owner = api.Org("o x") }), 1, "org"},
		{"unknown type", with(func(p *api.Package) { p.Type = "pypi" }), 1, "package_type"},
		{"empty type", with(func(p *api.Package) { p.Type = "" }), 1, "package_type"},
		{"empty name", with(func(p *api.Package) { p.Name = "" }), 1, "package_name"},
		{"dot name", with(func(p *api.Package) { p.Name = "." }), 1, "package_name"},
		{"dotdot name", with(func(p *api.Package) { p.Name = ".." }), 1, "package_name"},
		{"blank name", with(func(p *api.Package) { p.Name = "   " }), 1, "package_name"},
		{"dotdot part", with(func(p *api.Package) { p.Name = "a/../b" }), 1, "package_name"},
		{"empty part", with(func(p *api.Package) { p.Name = "a//b" }), 1, "package_name"},
		{"newline in name", with(func(p *api.Package) { p.Name = "a\nb" }), 1, "package_name"},
		{"zero id", ok, 0, "package_version_id"},
		{"negative id", ok, -5, "package_version_id"},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := map[string]error{}
			_, calls["RestoreVersion"] = e.c.RestoreVersion(ctx, tt.pkg, tt.id)
			_, calls["GetVersion"] = e.c.GetVersion(ctx, tt.pkg, tt.id)
			if tt.field != "package_version_id" {
				_, calls["RestorePackage"] = e.c.RestorePackage(ctx, tt.pkg, nil)
				for _, err := range e.c.Versions(ctx, tt.pkg, nil) {
					calls["Versions"] = err
					break
				}
			}
			for name, err := range calls {
				var ve *api.ValidationError
				if !errors.As(err, &ve) || ve.Field != tt.field || !errors.Is(err, api.ErrInvalidInput) {
					t.Errorf("%s: error %v, want a ValidationError for %s", name, err, tt.field)
				}
				if err != nil && !strings.Contains(err.Error(), tt.field) {
					t.Errorf("%s: error %q does not name %s", name, err, tt.field)
				}
			}
			if n := len(e.srv.Requests()); n != 0 {
				t.Errorf("the server received %d requests", n)
			}
		})
	}
	for _, opts := range []*api.ListOptions{{PerPage: 101}, {PerPage: -1}, {State: "gone"}} {
		for _, err := range e.c.Versions(ctx, ok, opts) {
			if !errors.Is(err, api.ErrInvalidInput) {
				t.Errorf("Versions(%+v): %v, want invalid input", opts, err)
			}
		}
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("the server received %d requests", n)
	}
}

func TestParseBaseURL(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  string
	}{
		{in: "https://api.github.com", want: "https://api.github.com"},
		{in: "github.com", want: "https://api.github.com"},
		{in: "https://github.com/", want: "https://api.github.com"},
		{in: "ghes.example.com", want: "https://ghes.example.com/api/v3"},
		{in: "https://ghes.example.com", want: "https://ghes.example.com/api/v3"},
		{in: "https://ghes.example.com/api/v3/", want: "https://ghes.example.com/api/v3"},
		{in: "https://ghes.example.com:8443/custom/api", want: "https://ghes.example.com:8443/custom/api"},
		{in: "octo.ghe.com", want: "https://api.octo.ghe.com"},
		{in: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{in: "http://localhost:8080/api/v3", want: "http://localhost:8080/api/v3"},
		{in: "http://[::1]:9", want: "http://[::1]:9"},
		{in: "http://ghes.internal", wantErr: "unencrypted"},
		{in: "ftp://x", wantErr: "scheme"},
		{in: "https://user:pass@ghes.example.com", wantErr: "user information"},
		{in: "https://ghes.example.com/?x=1", wantErr: "query"},
		{in: "", wantErr: "empty"},
	}
	for _, tt := range tests {
		u, err := api.ParseBaseURL(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseBaseURL(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "pass") {
				t.Errorf("ParseBaseURL(%q) error shows the credentials: %v", tt.in, err)
			}
			continue
		}
		if err != nil || u.String() != tt.want {
			t.Errorf("ParseBaseURL(%q) = %v, %v; want %s", tt.in, u, err, tt.want)
		}
	}
	// Plain http to a host that is not loopback: only New, and only with
	// WithInsecureHTTP.
	if _, err := api.New(api.WithBaseURL("http://ghes.internal"), api.WithoutToken()); err == nil || !strings.Contains(err.Error(), "WithInsecureHTTP") {
		t.Errorf("New(http://ghes.internal) error = %v, want one naming WithInsecureHTTP", err)
	}
	c, err := api.New(api.WithBaseURL("http://ghes.internal"), api.WithInsecureHTTP(), api.WithoutToken())
	if err != nil || c.BaseURL() != "http://ghes.internal/api/v3" {
		t.Errorf("New(http://ghes.internal, WithInsecureHTTP) = %v, %v", c, err)
	}
}

func TestOptionsAreValidated(t *testing.T) {
	tests := []struct {
		name string
		opt  api.Option
		want string
	}{
		{"empty token", api.WithToken(""), "token is empty"},
		{"token with newline", api.WithToken("ghp_x\nEvil: 1"), "control characters"},
		{"nil token source", api.WithTokenSource(nil), "nil"},
		{"bad api version", api.WithAPIVersion("v3"), "date version"},
		{"empty user agent", api.WithUserAgent(""), "non-empty User-Agent"},
		{"nil http client", api.WithHTTPClient(nil), "nil"},
		{"nil transport", api.WithTransport(nil), "nil"},
		{"nil logger", api.WithLogger(nil), "nil"},
		{"nil clock", api.WithClock(nil), "nil"},
		{"negative pacing", api.WithWritePacing(-1), "negative"},
		{"zero attempts", api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 0, BaseDelay: 1, MaxDelay: 1}), "MaxAttempts"},
		{"empty base URL", api.WithBaseURL(""), "empty"},
		{"nil hook", api.WithWaitHook(nil), "nil"},
		{"zero attempt timeout", api.WithAttemptTimeout(0), "not positive"},
		{"no reads in flight", api.WithReadBudget(0, 10), "in flight"},
		{"too many reads in flight", api.WithReadBudget(101, 10), "in flight"},
		{"no reads a minute", api.WithReadBudget(4, 0), "a minute"},
		{"reads a minute beyond GitHub's limit", api.WithReadBudget(4, 901), "a minute"},
		{"tiny body bound", api.WithMaxResponseBytes(10), "below"},
		{"nil env", api.WithEnv(nil), "nil"},
	}
	for _, tt := range tests {
		c, err := api.New(tt.opt)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, %v; want error with %q", tt.name, c, err, tt.want)
		}
	}
	if _, err := api.New(nil); err == nil {
		t.Error("New(nil) did not fail")
	}
}

func TestEnvironment(t *testing.T) {
	env := func(m map[string]string) api.Option {
		return api.WithEnv(func(k string) string { return m[k] })
	}
	var seen atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"resources":{"core":{"limit":5000,"remaining":5000,"used":0,"reset":1}},"rate":{"limit":5000,"remaining":5000,"used":0,"reset":1}}`)
	}))
	defer srv.Close()
	tests := []struct {
		name string
		env  map[string]string
		opts []api.Option
		want string
	}{
		{"GH_TOKEN first", map[string]string{"GH_TOKEN": "ghp_a", "GITHUB_TOKEN": "ghp_b", "GITHUB_API_URL": srv.URL}, nil, "Bearer ghp_a"},
		{"GITHUB_TOKEN second", map[string]string{"GITHUB_TOKEN": "ghp_b", "GITHUB_API_URL": srv.URL}, nil, "Bearer ghp_b"},
		{"explicit token wins", map[string]string{"GH_TOKEN": "ghp_a", "GITHUB_API_URL": srv.URL}, []api.Option{api.WithToken("ghp_c")}, "Bearer ghp_c"},
		{"WithoutToken", map[string]string{"GH_TOKEN": "ghp_a", "GITHUB_API_URL": srv.URL}, []api.Option{api.WithoutToken()}, ""},
		{"token source", map[string]string{"GITHUB_API_URL": srv.URL}, []api.Option{api.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "gho_d"}))}, "Bearer gho_d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := api.New(append([]api.Option{env(tt.env)}, tt.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			if c.BaseURL() != srv.URL {
				t.Errorf("BaseURL = %s, want GITHUB_API_URL %s", c.BaseURL(), srv.URL)
			}
			if _, err := c.Preflight(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := seen.Load(); got != tt.want {
				t.Errorf("Authorization = %q, want %q", got, tt.want)
			}
		})
	}
	c, err := api.New(env(map[string]string{}))
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != api.DefaultBaseURL {
		t.Errorf("default BaseURL = %s", c.BaseURL())
	}
}

func TestTokenNeverLeaves(t *testing.T) {
	var logs strings.Builder
	pkg := api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "p"}
	c, err := api.New(api.WithBaseURL("https://api.github.com"), api.WithToken(testToken))
	if err != nil {
		t.Fatal(err)
	}

	// No formatting of the client, its HTTP client, transport or errors
	// shows the token.
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message":"Bad credentials"}`)
	}))
	defer failing.Close()
	c2, err := api.New(api.WithBaseURL(failing.URL), api.WithToken(testToken),
		api.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.CloseIdleConnections()
	_, apiErr := c2.GetVersion(context.Background(), pkg, 1)
	if !errors.Is(apiErr, api.ErrUnauthorized) {
		t.Fatalf("err = %v", apiErr)
	}
	values := []any{c, *c, c.HTTPClient(), c.HTTPClient().Transport, apiErr}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			if s := fmt.Sprintf(verb, v); strings.Contains(s, testToken) || strings.Contains(s, testToken[4:]) {
				t.Errorf("%s of %T shows the token: %s", verb, v, s)
			}
		}
	}
	if strings.Contains(logs.String(), testToken[4:]) {
		t.Error("the logs show the token")
	}
}

func TestTokenSourceError(t *testing.T) {
	e := newEnv(t, nil)
	c, err := api.New(api.WithBaseURL(e.srv.URL), api.WithTokenSource(failingSource{}), api.WithClock(e.clock))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetVersion(context.Background(), api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "p"}, 1)
	if err == nil || !strings.Contains(err.Error(), "token source") {
		t.Errorf("err = %v", err)
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("%d requests sent, want 0 (and no retries)", n)
	}
}

type failingSource struct{}

func (failingSource) Token() (*oauth2.Token, error) { return nil, errors.New("refresh failed") }

// The transport stack can be used with the generated client directly, as the
// README shows.
func TestHTTPClientWorksWithGeneratedClient(t *testing.T) {
	e := newEnv(t, []apitest.Option{apitest.WithBasePath("/api/v3")})
	if !strings.HasSuffix(e.c.BaseURL(), "/api/v3") {
		t.Fatalf("BaseURL = %s", e.c.BaseURL())
	}
	g, err := gen.NewClientWithResponses(e.c.BaseURL(), gen.WithHTTPClient(e.c.HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := g.RateLimitGetWithResponse(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != 200 || resp.JSON200 == nil || resp.JSON200.Resources.Core.Limit != 5000 {
		t.Errorf("answer = %d %+v", resp.StatusCode(), resp.JSON200)
	}
	if r := e.srv.Requests()[0]; r.Header.Get("Authorization") != "Bearer "+testToken || r.Header.Get("X-Github-Api-Version") == "" || r.RawPath != "/api/v3/rate_limit" {
		t.Errorf("request = %+v", r)
	}
}
