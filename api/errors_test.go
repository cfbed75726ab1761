package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// bigBody streams n bytes without holding them.
type bigBody struct{ n int }

func (b *bigBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, io.EOF
	}
	k := min(len(p), b.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	b.n -= k
	return k, nil
}

func TestErrorAnswers(t *testing.T) {
	bodies := []struct {
		name        string
		contentType string
		body        func() io.Reader
		wantMessage bool
	}{
		{"json", "application/json; charset=utf-8", func() io.Reader {
			return strings.NewReader(`{"message":"Package version not found.","documentation_url":"https://docs.github.com/rest/packages"}`)
		}, true},
		{"html", "text/html", func() io.Reader { return strings.NewReader("<html><body>Oops</body></html>") }, false},
		{"malformed json", "application/json", func() io.Reader { return strings.NewReader(`{"message": "trunc`) }, false},
		{"empty", "", func() io.Reader { return strings.NewReader("") }, false},
		{"50 MB", "application/json", func() io.Reader { return &bigBody{n: 50 << 20} }, false},
	}
	statuses := []struct {
		status int
		is     error
	}{
		{400, nil}, {401, api.ErrUnauthorized}, {403, api.ErrForbidden}, {404, api.ErrNotFound},
		{410, nil}, {422, nil}, {500, nil},
	}
	for _, st := range statuses {
		for _, b := range bodies {
			t.Run(http.StatusText(st.status)+"/"+b.name, func(t *testing.T) {
				requests := 0
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					requests++
					if b.contentType != "" {
						w.Header().Set("Content-Type", b.contentType)
					}
					w.Header().Set("X-GitHub-Request-Id", "ABCD:1234")
					w.WriteHeader(st.status)
					_, _ = io.Copy(w, b.body())
				}))
				defer srv.Close()
				c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithoutRetry())
				if err != nil {
					t.Fatal(err)
				}
				defer c.CloseIdleConnections()
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				_, err = c.GetVersion(context.Background(), api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "p"}, 7)
				runtime.ReadMemStats(&after)
				var apiErr *api.Error
				if !errors.As(err, &apiErr) {
					t.Fatalf("err = %v (%T), want *api.Error", err, err)
				}
				if apiErr.StatusCode != st.status || apiErr.RequestID != "ABCD:1234" || apiErr.Op != api.OpGetVersion.ID(api.OwnerOrg) {
					t.Errorf("error = %+v", apiErr)
				}
				if apiErr.Method != http.MethodGet || apiErr.Path != "/orgs/o/packages/npm/p/versions/7" {
					t.Errorf("method/path = %s %s", apiErr.Method, apiErr.Path)
				}
				if b.wantMessage && apiErr.Message != "Package version not found." {
					t.Errorf("message = %q", apiErr.Message)
				}
				if !b.wantMessage && apiErr.Message != "" {
					t.Errorf("message = %q, want none", apiErr.Message)
				}
				if st.is != nil && !errors.Is(err, st.is) {
					t.Errorf("errors.Is(%v) = false", st.is)
				}
				if requests != 1 {
					t.Errorf("%d requests, want 1", requests)
				}
				if grew := int64(after.TotalAlloc - before.TotalAlloc); grew > 8<<20 {
					t.Errorf("allocated %d bytes for one error answer", grew)
				}
			})
		}
	}
}

func TestScopeAndTokenHints(t *testing.T) {
	e := newEnv(t, nil)
	pkg := api.Package{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: "app"}
	id := e.deletedVersion(t, pkg, "sha256:1", nil, 0)
	e.srv.AddToken(apitest.Token{Value: "ghp_readonly", Kind: api.TokenClassic, Scopes: []string{"read:packages"}})
	e.srv.AddToken(apitest.Token{Value: "github_pat_fine", Kind: api.TokenFineGrained})
	e.srv.AddToken(apitest.Token{Value: "ghs_app", Kind: api.TokenApp})
	e.srv.AddToken(apitest.Token{Value: "ghp_otherorg", Kind: api.TokenClassic, Scopes: []string{"read:packages", "write:packages"}, Orgs: []string{"elsewhere"}})
	tests := []struct {
		token    string
		status   int
		is       error
		hintHas  []string
		hintNone string
	}{
		{"ghp_readonly", 403, api.ErrForbidden, []string{"lacks the write:packages scope (it has read:packages)", "restoring needs the read:packages and write:packages scopes"}, "lacks the read:packages"},
		{"github_pat_fine", 403, api.ErrForbidden, []string{"fine-grained", "classic personal access token"}, ""},
		{"ghs_app", 403, api.ErrForbidden, []string{"App installation tokens", "classic personal access token"}, ""},
		{"ghp_otherorg", 404, api.ErrNotFound, []string{"cannot see"}, ""},
		{"ghp_wrong", 401, api.ErrUnauthorized, []string{"wrong, expired or revoked"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			c, err := api.New(api.WithBaseURL(e.srv.URL), api.WithToken(tt.token), api.WithClock(e.clock))
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			_, err = c.RestoreVersion(context.Background(), pkg, id)
			var apiErr *api.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.status || !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want %d", err, tt.status)
			}
			for _, h := range tt.hintHas {
				if !strings.Contains(apiErr.Hint, h) {
					t.Errorf("hint %q lacks %q", apiErr.Hint, h)
				}
			}
			if tt.hintNone != "" && strings.Contains(apiErr.Hint, tt.hintNone) {
				t.Errorf("hint %q says %q, but the token has it", apiErr.Hint, tt.hintNone)
			}
			if strings.Contains(err.Error(), tt.token) {
				t.Error("the error shows the token")
			}
		})
	}
	if v, _ := e.srv.LookupVersion(pkg, id); v.DeletedAt == nil {
		t.Error("a refused restore restored the version")
	}
}

func TestPreflight(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.AddToken(apitest.Token{Value: "ghp_readonly", Kind: api.TokenClassic, Scopes: []string{"read:packages"}})
	e.srv.AddToken(apitest.Token{Value: "github_pat_fine", Kind: api.TokenFineGrained})
	tests := []struct {
		token   string
		ok      bool
		kind    api.TokenKind
		missing []string
	}{
		{testToken, true, api.TokenClassic, nil},
		{"ghp_readonly", false, api.TokenClassic, []string{"write:packages"}},
		{"github_pat_fine", false, api.TokenFineGrained, nil},
	}
	for _, tt := range tests {
		c, err := api.New(api.WithBaseURL(e.srv.URL), api.WithToken(tt.token), api.WithClock(e.clock))
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Preflight(context.Background())
		c.CloseIdleConnections()
		if err != nil {
			t.Fatalf("%s: %v", tt.token, err)
		}
		if r.OK() != tt.ok || r.TokenKind != tt.kind || strings.Join(r.Missing, ",") != strings.Join(tt.missing, ",") {
			t.Errorf("%s: report = %+v", tt.token, r)
		}
		if r.Core.Limit != 5000 || r.Core.Reset.IsZero() {
			t.Errorf("%s: core = %+v", tt.token, r.Core)
		}
	}
	// The preflight costs no rate limit.
	before, _ := e.c.Preflight(context.Background())
	after, _ := e.c.Preflight(context.Background())
	if before.Core.Remaining != after.Core.Remaining {
		t.Errorf("preflight spent rate limit: %d then %d", before.Core.Remaining, after.Core.Remaining)
	}
}

// An unknown outcome never claims the cause its last answer suggests: it
// matches ErrOutcomeUnknown and what made the check fail, not
// ErrNamespaceReused or ErrNotFound.
func TestOutcomeUnknownClaimsNoCause(t *testing.T) {
	check := &api.RateLimitError{Local: true}
	for _, answer := range []*api.Error{
		{Method: "POST", Path: "/p", StatusCode: 400, Message: "Active package version already exists with given name."},
		{Method: "POST", Path: "/p", StatusCode: 404, Message: "Package version not found."},
	} {
		var err error = &api.OutcomeUnknownError{Op: "op", Method: "POST", Path: "/p", Answer: answer, Check: check}
		if !errors.Is(err, api.ErrOutcomeUnknown) || !errors.Is(err, api.ErrRateLimited) {
			t.Errorf("%v does not match ErrOutcomeUnknown and its check's cause", err)
		}
		if errors.Is(err, api.ErrNamespaceReused) || errors.Is(err, api.ErrNotFound) {
			t.Errorf("%v claims the answer's cause", err)
		}
		if s := err.Error(); !strings.Contains(s, "may have taken effect") || !strings.Contains(s, "primary rate limit") || strings.HasPrefix(s, "restore:") {
			t.Errorf("Error() = %q", s)
		}
	}
}

// Errors carry no hard-coded prefix: a CLI that prints "restore: " + err
// says it once.
func TestErrorsHaveNoPrefix(t *testing.T) {
	errs := []error{
		&api.ValidationError{Field: "org", Value: "", Reason: "must not be empty"},
		&api.Error{Method: "POST", Path: "/p", StatusCode: 500},
		&api.RateLimitError{Local: true},
		&api.UnexpectedStatusError{Method: "POST", Path: "/p", StatusCode: 200},
		&api.RedirectError{Method: "POST", Path: "/p", StatusCode: 303, Reason: "x"},
		&api.OutcomeUnknownError{Method: "POST", Path: "/p"},
	}
	for _, err := range errs {
		if s := err.Error(); strings.HasPrefix(s, "restore") || strings.HasPrefix(s, "api") {
			t.Errorf("%T: %q has a prefix", err, s)
		}
	}
	if _, err := api.New(api.WithToken("")); err == nil || strings.HasPrefix(err.Error(), "restore") {
		t.Errorf("option error = %v", err)
	}
}

// The 403 hint names the scope the call needs that the token lacks; listing
// deleted versions needs delete:packages (and read:packages).
func TestForbiddenHintNamesTheMissingScope(t *testing.T) {
	tests := []struct {
		name   string
		scopes string // X-OAuth-Scopes; "-" for none sent
		call   func(c *api.Client) error
		want   []string
	}{
		{"listing deleted without delete:packages", "read:packages, write:packages", listDeleted, []string{"lacks the delete:packages scope", "listing deleted versions needs the read:packages and delete:packages scopes"}},
		{"listing deleted with no scope", "", listDeleted, []string{"lacks the read:packages and delete:packages scopes", "it has none"}},
		{"listing deleted, scopes unknown", "-", listDeleted, []string{"listing deleted versions needs the read:packages and delete:packages scopes"}},
		{"restoring without write:packages", "read:packages, delete:packages", func(c *api.Client) error {
			_, err := c.RestoreVersion(context.Background(), npmPkg, 1)
			return err
		}, []string{"lacks the write:packages scope", "restoring needs the read:packages and write:packages scopes"}},
		{"listing active needs only read:packages", "read:packages", func(c *api.Client) error {
			for _, err := range c.Versions(context.Background(), npmPkg, nil) {
				return err
			}
			return nil
		}, []string{"admin of the organization"}},
		{"a named user's package names that user, not an organization", "read:packages, write:packages", func(c *api.Client) error {
			_, err := c.RestoreVersion(context.Background(), api.Package{Owner: api.User("octocat"), Type: api.PackageTypeNpm, Name: "x"}, 1)
			return err
		}, []string{"must be that user"}},
		{"the token user's package", "read:packages, write:packages", func(c *api.Client) error {
			_, err := c.RestoreVersion(context.Background(), api.Package{Owner: api.Me(), Type: api.PackageTypeNpm, Name: "x"}, 1)
			return err
		}, []string{"admin of the package"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.scopes != "-" {
					w.Header().Set("X-OAuth-Scopes", tt.scopes)
				}
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprint(w, `{"message":"You need at least delete:packages and read:packages scopes to get a package's deleted versions."}`)
			}))
			defer srv.Close()
			c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithWritePacing(0))
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			err = tt.call(c)
			var apiErr *api.Error
			if !errors.As(err, &apiErr) || !errors.Is(err, api.ErrForbidden) {
				t.Fatalf("err = %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(apiErr.Hint, w) {
					t.Errorf("hint %q lacks %q", apiErr.Hint, w)
				}
			}
		})
	}
}

func listDeleted(c *api.Client) error {
	for _, err := range c.Versions(context.Background(), npmPkg, &api.ListOptions{State: api.StateDeleted}) {
		return err
	}
	return nil
}

// Package restore's 409 and 422 answers match their sentinels, and nothing
// else's.
func TestPackageRestoreConflictsAreTyped(t *testing.T) {
	sentinels := []error{api.ErrNameInUse, api.ErrRestoreTokenRequired, api.ErrNameRetired, api.ErrNamespaceReused, api.ErrNotFound}
	tests := []struct {
		status  int
		message string
		want    error
	}{
		{409, "An active package already exists with given name.", api.ErrNameInUse},
		{409, "Active package version already exists with given name.", api.ErrNameInUse},
		{409, "Multiple deleted packages match given name, specify a package by providing a restore token", api.ErrRestoreTokenRequired},
		{422, "Package restore was not successful. The package name p has been retired and cannot restored.", api.ErrNameRetired},
	}
	for _, tt := range tests {
		t.Run(tt.message, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprintf(w, `{"message":%q}`, tt.message)
			}))
			defer srv.Close()
			c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithWritePacing(0))
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			_, err = c.RestorePackage(context.Background(), npmPkg, nil)
			for _, s := range sentinels {
				if got := errors.Is(err, s); got != (s == tt.want) {
					t.Errorf("errors.Is(%v, %v) = %v", err, s, got)
				}
			}
		})
	}
}
