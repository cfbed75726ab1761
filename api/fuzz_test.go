package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/gen"
)

// FuzzValidate: whatever passes validation becomes exactly the intended
// route, with each value one path segment that decodes back to itself.
func FuzzValidate(f *testing.F) {
	for _, s := range [][3]string{
		{"o", "container", "hello/hello_docker"}, {"..", "npm", "x"}, {"o", "npm", "a/../b"},
		{"o", "maven", "com.example:lib"}, {"o%2F", "npm", "%2e%2e"}, {"o", "docker", "a?b#c"},
		{"ü", "nuget", " x"}, {"o", "rubygems", "a\\b"},
	} {
		f.Add(s[0], s[1], s[2], int64(1))
	}
	f.Fuzz(func(t *testing.T, org, typ, name string, id int64) {
		pkg := api.Package{Owner: api.Org(org), Type: api.PackageType(typ), Name: name}
		if pkg.Validate() != nil || id <= 0 {
			return
		}
		req, err := gen.NewPackagesRestorePackageVersionForOrgRequest("https://api.github.com/", org, pkg.Type, name, int(id))
		if err != nil {
			t.Fatalf("valid input %q %q %q: %v", org, typ, name, err)
		}
		parts := strings.Split(strings.TrimPrefix(req.URL.EscapedPath(), "/"), "/")
		if len(parts) != 8 || parts[0] != "orgs" || parts[2] != "packages" || parts[5] != "versions" || parts[7] != "restore" {
			t.Fatalf("input %q %q %q became path %s", org, typ, name, req.URL.EscapedPath())
		}
		for i, want := range map[int]string{1: org, 3: typ, 4: name} {
			if got, err := url.PathUnescape(parts[i]); err != nil || got != want {
				t.Fatalf("segment %d = %q (%v), want %q", i, got, err, want)
			}
		}
	})
}

type cannedTransport struct {
	status int
	header http.Header
	body   string
}

func (c cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: c.status, Header: c.header, Body: io.NopCloser(strings.NewReader(c.body)), Request: r}, nil
}

// FuzzErrorDecoding: any non-2xx answer becomes a typed error that keeps its
// status, whatever the body and headers hold.
func FuzzErrorDecoding(f *testing.F) {
	f.Add(403, `{"message":"You have exceeded a secondary rate limit"}`, "", "")
	f.Add(429, "", "abc", "0")
	f.Add(404, `{"message":`, "", "")
	f.Add(500, "<html>", "", "")
	f.Add(403, `{"message":"API rate limit exceeded"}`, "", "0")
	f.Add(422, `{"message":"Restore not allowed at the moment, please try after some time."}`, "1", "")
	f.Fuzz(func(t *testing.T, status int, body, retryAfter, remaining string) {
		if status < 300 || status > 599 {
			return
		}
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		if remaining != "" {
			h.Set("X-Ratelimit-Remaining", remaining)
			h.Set("X-Ratelimit-Reset", "1")
		}
		c, err := api.New(api.WithBaseURL("https://api.github.com"), api.WithToken("ghp_x"),
			api.WithTransport(cannedTransport{status, h, body}), api.WithoutRetry(),
			api.WithHTTPClient(&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetVersion(context.Background(), api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "p"}, 1)
		var apiErr *api.Error
		var rl *api.RateLimitError
		switch {
		case errors.As(err, &rl) && rl.Local:
		case errors.As(err, &apiErr):
			if apiErr.StatusCode != status {
				t.Fatalf("status %d became %d", status, apiErr.StatusCode)
			}
		default:
			t.Fatalf("status %d: %v (%T)", status, err, err)
		}
	})
}
