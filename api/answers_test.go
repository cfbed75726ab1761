package api_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// GitHub's answers that no scope fixes are typed, and their hints say the
// exact fix (issue 17 item 5): SAML SSO (403 with X-GitHub-SSO: the hint
// carries the authorize URL), GitHub Packages off on GHES (404), and a
// fine-grained token on a restore route (403: a classic token is needed).
func TestAnswersWithTheExactFix(t *testing.T) {
	tests := []struct {
		name    string
		srvOpts []apitest.Option
		token   string
		status  int
		is      []error
		isNot   []error
		hintHas []string
		sso     bool
	}{
		{"SAML SSO", []apitest.Option{apitest.WithSSO("o")}, testToken, 403,
			[]error{api.ErrSSORequired, api.ErrForbidden}, []error{api.ErrLockedOut, api.ErrRateLimited},
			[]string{"enforces SAML single sign-on", "open https://github.com/orgs/o/sso?authorization_request=", "to authorize it"}, true},
		{"packages off", []apitest.Option{apitest.WithPackagesDisabled()}, testToken, 404,
			[]error{api.ErrPackagesDisabled, api.ErrNotFound}, []error{api.ErrSSORequired},
			[]string{"GitHub Packages is not enabled on this GitHub Enterprise Server", "administrator"}, false},
		{"fine-grained", nil, "github_pat_11AAAAAAA0fine", 403,
			[]error{api.ErrForbidden}, []error{api.ErrSSORequired, api.ErrPackagesDisabled},
			[]string{"does not accept fine-grained personal access tokens", "classic personal access token (ghp_) or an OAuth token with read:packages and write:packages"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.srvOpts, api.WithWritePacing(0))
			e.srv.AddToken(apitest.Token{Value: "github_pat_11AAAAAAA0fine", Scopes: allScopes})
			c, err := api.New(api.WithBaseURL(e.srv.URL), api.WithToken(tt.token), api.WithClock(e.clock), api.WithWritePacing(0))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.CloseIdleConnections)
			id := seedVersion(t, e.srv, restorePkg, apitest.VersionSeed{Name: "sha256:1", DeletedAt: start.Add(-time.Hour)})
			_, err = c.RestoreVersion(context.Background(), restorePkg, id)
			var apiErr *api.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.status {
				t.Fatalf("err %v; want an *api.Error %d", err, tt.status)
			}
			for _, want := range tt.is {
				if !errors.Is(err, want) {
					t.Errorf("%v does not match %v", err, want)
				}
			}
			for _, not := range tt.isNot {
				if errors.Is(err, not) {
					t.Errorf("%v matches %v", err, not)
				}
			}
			for _, want := range tt.hintHas {
				if !strings.Contains(apiErr.Hint, want) {
					t.Errorf("hint %q lacks %q", apiErr.Hint, want)
				}
			}
			if tt.sso != (apiErr.SSOURL != "") || tt.sso && !strings.HasPrefix(apiErr.SSOURL, "https://github.com/orgs/o/sso?authorization_request=") {
				t.Errorf("SSOURL %q", apiErr.SSOURL)
			}
			if n := len(e.srv.Requests()); n != 1 {
				t.Errorf("%d requests; none of these is retried or looked up", n)
			}
		})
	}
}

// Several bad credentials in a short time: 401, then 403 for every request
// for a while (issue 17 item 5). Neither is retried; the 403 matches
// ErrLockedOut (not ErrUnauthorized, nor a rate limit) and its hint says to
// wait and check the token.
func TestBadCredentialsThenLockout(t *testing.T) {
	e := newEnv(t, []apitest.Option{apitest.WithBadCredentialsLockout(2, 10*time.Minute)})
	c, err := api.New(api.WithBaseURL(e.srv.URL), api.WithToken("ghp_wrong0123456789abcdefghijklmnopqrstuv"), api.WithClock(e.clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	get := func() error {
		_, err := c.GetVersion(context.Background(), restorePkg, 1)
		return err
	}
	for i, want := range []struct {
		status int
		is     error
		hint   string
	}{
		{401, api.ErrUnauthorized, "do not try it again and again"},
		{401, api.ErrUnauthorized, "wrong, expired or revoked"},
		{403, api.ErrLockedOut, "do not retry now; wait"},
		{403, api.ErrLockedOut, "check that the token is right"},
	} {
		err := get()
		var apiErr *api.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != want.status || !errors.Is(err, want.is) || !strings.Contains(apiErr.Hint, want.hint) {
			t.Fatalf("call %d: %v; want %d matching %v with a hint saying %q", i+1, err, want.status, want.is, want.hint)
		}
		if errors.Is(err, api.ErrRateLimited) || (want.status == 403 && errors.Is(err, api.ErrUnauthorized)) {
			t.Errorf("call %d: %v matches the wrong sentinel", i+1, err)
		}
	}
	if n := len(e.srv.Requests()); n != 4 {
		t.Errorf("%d requests for 4 calls: an answer was retried", n)
	}
	// The good token is refused too while the lockout lasts, and it lifts.
	if _, err := e.c.GetVersion(context.Background(), restorePkg, 1); !errors.Is(err, api.ErrLockedOut) {
		t.Errorf("good token during the lockout: %v", err)
	}
	e.clock.Advance(10 * time.Minute)
	if err := get(); !errors.Is(err, api.ErrUnauthorized) {
		t.Errorf("after the lockout: %v, want 401 again", err)
	}
}
