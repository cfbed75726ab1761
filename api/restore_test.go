package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// Only GitHub's documented 204 is a restore. Any other success status, such
// as an intercepting proxy's 200 HTML page, is a typed error carrying the
// status, for both restore routes, and it is never OutcomeRestored.
func TestRestoreOf200HTMLIsNotSuccess(t *testing.T) {
	tests := []struct {
		status      int
		contentType string
		body        string
		wantErr     bool
	}{
		{200, "text/html; charset=utf-8", "<html><body>Sign in to continue</body></html>", true},
		{200, "application/json", `{"message":"ok"}`, true},
		{201, "", "", true},
		{202, "", "", true},
		{206, "", "", true},
		{204, "", "", false},
	}
	for _, tt := range tests {
		var posts atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost {
				t.Errorf("%d: unexpected %s %s", tt.status, r.Method, r.URL)
			}
			posts.Add(1)
			if tt.contentType != "" {
				w.Header().Set("Content-Type", tt.contentType)
			}
			w.Header().Set("X-GitHub-Request-Id", "PROXY:1")
			w.WriteHeader(tt.status)
			fmt.Fprint(w, tt.body)
		}))
		c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithClock(apitest.NewClock(start)))
		if err != nil {
			t.Fatal(err)
		}
		pkg := api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "p"}
		calls := map[string]func() (api.Outcome, error){
			"RestoreVersion": func() (api.Outcome, error) { return c.RestoreVersion(context.Background(), pkg, 7) },
			"RestorePackage": func() (api.Outcome, error) { return c.RestorePackage(context.Background(), pkg, nil) },
		}
		for name, call := range calls {
			posts.Store(0)
			out, err := call()
			if !tt.wantErr {
				if err != nil || out != api.OutcomeRestored {
					t.Errorf("%s %d: %q %v, want restored", name, tt.status, out, err)
				}
				continue
			}
			var use *api.UnexpectedStatusError
			if out == api.OutcomeRestored || out != "" || !errors.Is(err, api.ErrUnexpectedStatus) || !errors.As(err, &use) {
				t.Errorf("%s %d: %q %v, want an UnexpectedStatusError", name, tt.status, out, err)
				continue
			}
			if use.StatusCode != tt.status || use.Method != http.MethodPost || !strings.HasPrefix(use.Path, "/orgs/o/packages/npm/p/") || use.RequestID != "PROXY:1" {
				t.Errorf("%s %d: %+v", name, tt.status, use)
			}
			if !strings.Contains(err.Error(), fmt.Sprint(tt.status)) {
				t.Errorf("%s %d: the message does not give the status: %v", name, tt.status, err)
			}
			if n := posts.Load(); n != 1 {
				t.Errorf("%s %d: %d POSTs, want 1", name, tt.status, n)
			}
		}
		c.CloseIdleConnections()
		srv.Close()
	}
}

// A restore whose attempt got no clear answer (a dropped connection or a
// 5xx), whose retry answered 400 or 404, and whose deciding look-up failed
// has an unknown outcome: the error matches ErrOutcomeUnknown, says the
// restore may have taken effect, and claims no cause.
func TestRestoreOutcomeUnknownWhenTheCheckFails(t *testing.T) {
	reused := apitest.Fault{Status: 400, Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"message":"Active package version already exists with given name.","documentation_url":"https://docs.github.com/rest"}`}
	versionGone := apitest.Fault{Status: 404, Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"message":"Package version not found.","documentation_url":"https://docs.github.com/rest"}`}
	packageGone := apitest.Fault{Status: 404, Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"message":"Package not found.","documentation_url":"https://docs.github.com/rest"}`}
	limited := apitest.SecondaryLimit(403, "3600") // longer than MaxWait: the look-up fails at once
	tests := []struct {
		name    string
		pkg     bool // RestorePackage, else RestoreVersion
		restore []apitest.Fault
		check   []apitest.Fault
	}{
		{"dropped, then 400, check rate limited", false, []apitest.Fault{{DropAfter: true}, reused}, []apitest.Fault{limited}},
		{"502, then 404, check rate limited", false, []apitest.Fault{apitest.BadGateway, versionGone}, []apitest.Fault{limited}},
		{"500, then 400, check answers 500s", false, []apitest.Fault{apitest.ServerError, reused}, []apitest.Fault{apitest.ServerError, apitest.ServerError, apitest.ServerError, apitest.ServerError, apitest.ServerError}},
		{"package: 502, then 404, check rate limited", true, []apitest.Fault{apitest.BadGateway, packageGone}, []apitest.Fault{limited}},
		{"502 until the attempts run out, check rate limited", false, []apitest.Fault{apitest.BadGateway, apitest.BadGateway, apitest.BadGateway, apitest.BadGateway, apitest.BadGateway}, []apitest.Fault{limited}},
		{"dropped until the attempts run out, check rate limited", false, []apitest.Fault{{DropBefore: true}, {DropBefore: true}, {DropBefore: true}, {DropBefore: true}, {DropBefore: true}}, []apitest.Fault{limited}},
		// The retry is refused by a limit longer than MaxWait: no look-up
		// is sent under it, and the limit stays matchable.
		{"502, then a secondary limit", false, []apitest.Fault{apitest.BadGateway, limited}, nil},
		{"package: dropped, then a secondary limit", true, []apitest.Fault{{DropBefore: true}, limited}, nil},
		{"package: dropped, then 404, check answers 503s", true, []apitest.Fault{{DropBefore: true}, packageGone}, []apitest.Fault{apitest.ServiceUnavailable, apitest.ServiceUnavailable, apitest.ServiceUnavailable, apitest.ServiceUnavailable, apitest.ServiceUnavailable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil, api.WithWritePacing(0))
			pkg := api.Package{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: "app"}
			id := e.deletedVersion(t, pkg, "sha256:1", nil, time.Hour)
			var out api.Outcome
			var err error
			if tt.pkg {
				e.srv.Script(api.OpRestorePackage, tt.restore...)
				e.srv.Script(api.OpListVersions, tt.check...)
				out, err = e.c.RestorePackage(context.Background(), pkg, nil)
			} else {
				e.srv.Script(api.OpRestoreVersion, tt.restore...)
				e.srv.Script(api.OpGetVersion, tt.check...)
				out, err = e.c.RestoreVersion(context.Background(), pkg, id)
			}
			var unknown *api.OutcomeUnknownError
			if out != "" || !errors.Is(err, api.ErrOutcomeUnknown) || !errors.As(err, &unknown) {
				t.Fatalf("%q %v, want an OutcomeUnknownError", out, err)
			}
			if errors.Is(err, api.ErrNamespaceReused) || errors.Is(err, api.ErrNotFound) {
				t.Errorf("%v claims a cause", err)
			}
			if !strings.Contains(err.Error(), "may have taken effect") {
				t.Errorf("%v does not say the restore may have taken effect", err)
			}
			op := api.OpRestoreVersion
			if tt.pkg {
				op = api.OpRestorePackage
			}
			if tt.check == nil && !errors.Is(err, api.ErrRateLimited) {
				t.Errorf("%v does not match ErrRateLimited", err)
			}
			for _, r := range e.srv.Requests() {
				if tt.check == nil && r.Method == http.MethodGet {
					t.Errorf("a look-up was sent under the rate limit: %s %s", r.Method, r.RawPath)
				}
			}
			if unknown.Op != op.ID(api.OwnerOrg) || (unknown.Answer == nil) != strings.HasPrefix(tt.name, "dropped until") || unknown.Check == nil || unknown.Method != http.MethodPost || !strings.HasPrefix(unknown.Path, "/orgs/o/packages/container/app/") {
				t.Errorf("%+v", unknown)
			}
		})
	}
}

// When the look-up can decide, the restore's outcome is known: the version
// is active (restored by the attempt without an answer, or before), or it
// is not and GitHub's answer stands.
func TestRestoreCheckDecides(t *testing.T) {
	reused := apitest.Fault{Status: 400, Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"message":"Active package version already exists with given name."}`}
	tests := []struct {
		name    string
		restore []apitest.Fault
		check   []apitest.Fault
		want    api.Outcome
		wantErr error
	}{
		{"dropped after restoring, then 400: restored", []apitest.Fault{{DropAfter: true}}, nil, api.OutcomeRestored, nil},
		{"400 at once, version active: already active", []apitest.Fault{reused}, []apitest.Fault{{}}, "", nil},
		{"502 without restoring, then 400, GET 404: reused", []apitest.Fault{apitest.BadGateway, reused}, nil, "", api.ErrNamespaceReused},
		{"dropped after restoring, then 502 until the attempts run out: restored", []apitest.Fault{{DropAfter: true}, apitest.BadGateway, apitest.BadGateway, apitest.BadGateway, apitest.BadGateway}, nil, api.OutcomeRestored, nil},
		{"502 until the attempts run out, GET 404: the 502", []apitest.Fault{apitest.BadGateway, apitest.BadGateway, apitest.BadGateway, apitest.BadGateway, apitest.BadGateway}, nil, "", errBadGateway},
		{"400 at once, check fails: GitHub's answer", []apitest.Fault{reused}, []apitest.Fault{apitest.SecondaryLimit(403, "3600")}, "", api.ErrNamespaceReused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil, api.WithWritePacing(0))
			pkg := api.Package{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: "app"}
			id := e.deletedVersion(t, pkg, "sha256:1", nil, time.Hour)
			want := tt.want
			if tt.name == "400 at once, version active: already active" {
				// Restore it first, so that the scripted 400 meets an active version.
				if _, err := e.c.RestoreVersion(context.Background(), pkg, id); err != nil {
					t.Fatal(err)
				}
				want = api.OutcomeAlreadyActive
			}
			e.srv.Script(api.OpRestoreVersion, tt.restore...)
			e.srv.Script(api.OpGetVersion, tt.check...)
			out, err := e.c.RestoreVersion(context.Background(), pkg, id)
			matches := func(err, target error) bool {
				if s, ok := target.(statusError); ok {
					return isStatus(err, int(s))
				}
				return errors.Is(err, target)
			}
			if out != want || (tt.wantErr == nil) != (err == nil) || (tt.wantErr != nil && !matches(err, tt.wantErr)) || errors.Is(err, api.ErrOutcomeUnknown) {
				t.Errorf("%q %v, want %q %v", out, err, want, tt.wantErr)
			}
		})
	}
}

// Package restore's refusals are typed: 409 when an active package holds
// the name, 409 when several deleted packages match (a restore token picks
// one), 422 when the name is retired. A restore token is sent as GitHub's
// token query parameter, and a bad one is refused before sending.
func TestRestorePackageAnswersAreTyped(t *testing.T) {
	e := newEnv(t, nil, api.WithWritePacing(0))
	ctx := context.Background()
	seed := func(name string) api.Package {
		pkg := api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: name}
		seedPackage(t, e.srv, api.Package{Owner: api.Org("o"), Type: pkg.Type, Name: name}, apitest.PackageSeed{Versions: []apitest.VersionSeed{{Name: "1.0.0"}}})
		if _, err := e.srv.SoftDeletePackage(api.Package{Owner: api.Org("o"), Type: pkg.Type, Name: name}); err != nil {
			t.Fatal(err)
		}
		return pkg
	}

	inUse := seed("in-use")
	seedPackage(t, e.srv, inUse, apitest.PackageSeed{Versions: []apitest.VersionSeed{{Name: "2.0.0"}}})
	if _, err := e.c.RestorePackage(ctx, inUse, nil); !errors.Is(err, api.ErrNameInUse) || !isStatus(err, 409) {
		t.Errorf("active package holds the name: %v, want ErrNameInUse (409)", err)
	}

	twice := seed("twice")
	seedPackage(t, e.srv, twice, apitest.PackageSeed{Versions: []apitest.VersionSeed{{Name: "3.0.0"}}})
	if _, err := e.srv.SoftDeletePackage(twice); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.RestorePackage(ctx, twice, nil); !errors.Is(err, api.ErrRestoreTokenRequired) || !isStatus(err, 409) {
		t.Errorf("two deleted packages: %v, want ErrRestoreTokenRequired (409)", err)
	}
	deleted := e.srv.DeletedGenerations(twice)
	if len(deleted) != 2 {
		t.Fatalf("%d deleted packages", len(deleted))
	}
	e.srv.ResetRequests()
	if out, err := e.c.RestorePackage(ctx, twice, &api.RestorePackageOptions{Token: deleted[1].Token}); err != nil || out != api.OutcomeRestored {
		t.Errorf("with the restore token: %q %v", out, err)
	}
	if reqs := e.srv.Requests(); len(reqs) != 1 || reqs[0].Query != "token="+deleted[1].Token {
		t.Errorf("requests %+v, want one with the token", reqs)
	}

	// A resent restore (the first attempt restored it, but its answer was
	// lost) that GitHub answers 409 "already exists" is that restore.
	resent := seed("resent")
	inUseAnswer := apitest.Fault{Status: 409, Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"message":"An active package already exists with given name.","documentation_url":"https://docs.github.com/rest"}`}
	e.srv.Script(api.OpRestorePackage, apitest.Fault{DropAfter: true}, inUseAnswer)
	if out, err := e.c.RestorePackage(ctx, resent, nil); err != nil || out != api.OutcomeRestored {
		t.Errorf("resent restore answered 409: %q %v, want restored", out, err)
	}

	retired := seed("retired")
	retireName(t, e.srv, retired)
	if _, err := e.c.RestorePackage(ctx, retired, nil); !errors.Is(err, api.ErrNameRetired) || !isStatus(err, 422) {
		t.Errorf("retired name: %v, want ErrNameRetired (422)", err)
	}

	e.srv.ResetRequests()
	var ve *api.ValidationError
	if _, err := e.c.RestorePackage(ctx, retired, &api.RestorePackageOptions{Token: "a b"}); !errors.As(err, &ve) || ve.Field != "token" {
		t.Errorf("bad token: %v, want a ValidationError for token", err)
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("%d requests sent for a bad token", n)
	}
}

// Restoring a version that is active already and answers 204 (older
// registries do) is a success.
func TestRestoreOfActiveVersionAnswering204(t *testing.T) {
	e := newEnv(t, nil, api.WithWritePacing(0))
	pkg := api.Package{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: "app"}
	id := seedVersion(t, e.srv, pkg, apitest.VersionSeed{Name: "sha256:1"})
	e.srv.Script(api.OpRestoreVersion, apitest.Fault{Status: 204})
	if out, err := e.c.RestoreVersion(context.Background(), pkg, id); err != nil || out != api.OutcomeRestored {
		t.Errorf("%q %v, want restored", out, err)
	}
}

// Every owner's restore reaches its own route, and errors carry the real
// operationId of the route used.
func TestRestoreForEveryOwner(t *testing.T) {
	e := newEnv(t, nil, api.WithWritePacing(0))
	e.srv.AddUser("octocat")
	e.srv.AddToken(apitest.Token{Value: "ghp_octocat", Kind: api.TokenClassic, Scopes: []string{"read:packages", "write:packages", "delete:packages"}, User: "octocat"})
	c, err := api.New(api.WithBaseURL(e.srv.URL), api.WithToken("ghp_octocat"), api.WithClock(e.clock), api.WithWritePacing(0))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	for _, owner := range []api.Owner{api.Org("o"), api.User("octocat"), api.Me()} {
		login := owner.Login()
		if owner.Kind() == api.OwnerMe {
			login = "octocat"
		}
		pkg := api.Package{Owner: owner, Type: api.PackageTypeContainer, Name: "team/app-" + string(owner.Kind())}
		sp := seeded(pkg, login)
		id := seedVersion(t, e.srv, sp, apitest.VersionSeed{Name: "sha256:1"})
		seedVersion(t, e.srv, sp, apitest.VersionSeed{Name: "sha256:2"})
		if err := e.srv.SoftDeleteVersion(sp, id); err != nil {
			t.Fatal(err)
		}
		e.srv.ResetRequests()
		if out, err := c.RestoreVersion(context.Background(), pkg, id); err != nil || out != api.OutcomeRestored {
			t.Errorf("%v: %q %v", owner, out, err)
		}
		if v, _ := e.srv.LookupVersion(sp, id); v.DeletedAt != nil {
			t.Errorf("%v: still deleted", owner)
		}
		reqs := e.srv.Requests()
		want := fmt.Sprintf("%s/packages/container/team%%2Fapp-%s/versions/%d/restore", owner.Path(), owner.Kind(), id)
		if len(reqs) != 1 || reqs[0].RawPath != want || reqs[0].Route != api.OpRestoreVersion.ID(owner.Kind()) {
			t.Errorf("%v: requests %+v, want %s", owner, reqs, want)
		}
		_, err := c.GetVersion(context.Background(), pkg, 999999)
		var apiErr *api.Error
		if !errors.As(err, &apiErr) || apiErr.Op != api.OpGetVersion.ID(owner.Kind()) || apiErr.StatusCode != 404 {
			t.Errorf("%v: GetVersion error %v (%+v)", owner, err, apiErr)
		}
	}
}

// statusError, as a wanted error, stands for GitHub's answer with that
// status (see isStatus).
type statusError int

func (s statusError) Error() string { return fmt.Sprintf("status %d", int(s)) }

var errBadGateway = statusError(502)

// isStatus reports whether err carries GitHub's answer with the status.
func isStatus(err error, status int) bool {
	var e *api.Error
	return errors.As(err, &e) && e.StatusCode == status
}
