package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// Preflight says separately whether the token can list deleted versions
// (read:packages and delete:packages) and whether it can restore
// (read:packages and write:packages).
func TestPreflightReportsListingAndRestoringApart(t *testing.T) {
	e := newEnv(t, nil)
	type perm struct {
		known, allowed bool
		missing        string
	}
	tests := []struct {
		name, token string
		scopes      []string
		list, rest  perm
		problems    int
	}{
		{"all", "ghp_all", []string{"read:packages", "write:packages", "delete:packages"}, perm{true, true, ""}, perm{true, true, ""}, 0},
		{"no delete", "ghp_nodelete", []string{"read:packages", "write:packages"}, perm{true, false, "delete:packages"}, perm{true, true, ""}, 1},
		{"no write", "ghp_nowrite", []string{"read:packages", "delete:packages"}, perm{true, true, ""}, perm{true, false, "write:packages"}, 1},
		{"read only", "ghp_read", []string{"read:packages"}, perm{true, false, "delete:packages"}, perm{true, false, "write:packages"}, 2},
		{"fine-grained", "github_pat_x", nil, perm{true, false, ""}, perm{true, false, ""}, 1},
		// GitHub nests read:packages under write:packages: X-OAuth-Scopes
		// then lists write:packages alone.
		{"write implies read", "ghp_writedelete", []string{"delete:packages", "write:packages"}, perm{true, true, ""}, perm{true, true, ""}, 0},
		{"write implies read, no delete", "ghp_write", []string{"repo", "write:packages"}, perm{true, false, "delete:packages"}, perm{true, true, ""}, 1},
	}
	for _, tt := range tests {
		kind := api.KindOf(tt.token)
		e.srv.AddToken(apitest.Token{Value: tt.token, Kind: kind, Scopes: tt.scopes})
		c, err := api.New(api.WithBaseURL(e.srv.URL), api.WithToken(tt.token), api.WithClock(e.clock))
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Preflight(context.Background())
		c.CloseIdleConnections()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := func(p api.Permission) perm { return perm{p.Known, p.Allowed, strings.Join(p.Missing, ",")} }
		if got(r.ListDeleted) != tt.list || got(r.Restore) != tt.rest || len(r.Problems) != tt.problems {
			t.Errorf("%s: list %+v restore %+v problems %q", tt.name, r.ListDeleted, r.Restore, r.Problems)
		}
		if strings.Join(r.ListDeleted.Needs, ",") != "read:packages,delete:packages" || strings.Join(r.Restore.Needs, ",") != "read:packages,write:packages" {
			t.Errorf("%s: needs %v and %v", tt.name, r.ListDeleted.Needs, r.Restore.Needs)
		}
		if strings.Join(r.Missing, ",") != tt.rest.missing {
			t.Errorf("%s: Missing %v, want restore's %q", tt.name, r.Missing, tt.rest.missing)
		}
		if tt.list.missing == "delete:packages" && !strings.Contains(strings.Join(r.Problems, "\n"), "delete:packages scope that listing deleted versions needs") {
			t.Errorf("%s: problems %q do not name delete:packages", tt.name, r.Problems)
		}
	}
}

// A report is the caller's: changing it changes nothing the client keeps.
func TestPreflightReportIsTheCallers(t *testing.T) {
	e := newEnv(t, nil)
	first, err := e.c.Preflight(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	first.ListDeleted.Needs[0], first.Restore.Needs[1] = "changed", "changed"
	again, err := e.c.Preflight(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(again.ListDeleted.Needs, ",") + " " + strings.Join(again.Restore.Needs, ","); got != "read:packages,delete:packages read:packages,write:packages" {
		t.Errorf("needs after the caller changed a report: %s", got)
	}
}

// Scopes that GitHub does not report (tokens that are not classic) leave
// both permissions unknown.
func TestPreflightWithoutScopes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"resources":{"core":{"limit":1000,"remaining":999,"used":1,"reset":1790000000}}}`)
	}))
	defer srv.Close()
	c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken("gho_oauth"), api.WithClock(apitest.NewClock(start)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	r, err := c.Preflight(context.Background())
	if err != nil || r.ScopesKnown || r.ListDeleted.Known || r.Restore.Known || r.ListDeleted.Allowed || r.Restore.Allowed || !r.OK() {
		t.Errorf("%+v %v", r, err)
	}
}

// GET /rate_limit answers with rate and resources.core under API version
// 2022-11-28, and without rate under 2026-03-10: Preflight reads the core
// budget from either.
func TestPreflightReadsEitherRateLimitShape(t *testing.T) {
	e := newEnv(t, nil)
	for _, version := range []string{"2022-11-28", "2026-03-10"} {
		c, err := api.New(api.WithBaseURL(e.srv.URL), api.WithToken(testToken), api.WithClock(e.clock), api.WithAPIVersion(version))
		if err != nil {
			t.Fatal(err)
		}
		e.srv.ResetRequests()
		r, err := c.Preflight(context.Background())
		c.CloseIdleConnections()
		if err != nil || r.Core.Limit != 5000 || r.Core.Reset.IsZero() || !r.OK() {
			t.Errorf("%s: %+v %v", version, r, err)
		}
		if reqs := e.srv.Requests(); len(reqs) != 1 || reqs[0].Header.Get("X-GitHub-Api-Version") != version {
			t.Errorf("%s: requests %+v", version, reqs)
		}
	}
	if v := e.srv.TakeViolations(); len(v) != 0 {
		t.Errorf("violations: %+v", v)
	}

	bodies := []struct {
		name, body string
		limit      int
		wantErr    bool
	}{
		{"2022-11-28", `{"rate":{"limit":1,"remaining":1,"used":0,"reset":1},"resources":{"core":{"limit":60,"remaining":0,"used":60,"reset":1790000000},"search":{"limit":10,"remaining":10,"used":0,"reset":1}}}`, 60, false},
		{"2026-03-10", `{"resources":{"core":{"limit":60,"remaining":0,"used":60,"reset":1790000000}}}`, 60, false},
		{"rate only", `{"rate":{"limit":60,"remaining":0,"used":60,"reset":1790000000}}`, 60, false},
		{"neither", `{"resources":{}}`, 0, true},
	}
	for _, tt := range bodies {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-OAuth-Scopes", "read:packages, write:packages, delete:packages")
			fmt.Fprint(w, tt.body)
		}))
		c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithClock(apitest.NewClock(start)))
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Preflight(context.Background())
		switch {
		case tt.wantErr && err == nil:
			t.Errorf("%s: no error", tt.name)
		case !tt.wantErr && (err != nil || r.Core.Limit != tt.limit || r.Core.Remaining != 0 || r.Core.Reset.Unix() != 1790000000):
			t.Errorf("%s: %+v %v", tt.name, r.Core, err)
		case !tt.wantErr && (r.OK() || !strings.Contains(strings.Join(r.Problems, "\n"), "exhausted")):
			t.Errorf("%s: problems %q, want the exhausted limit", tt.name, r.Problems)
		}
		c.CloseIdleConnections()
		srv.Close()
	}
}

// Preflight recognises a fine-grained personal access token, which GitHub
// refuses on the restore routes (while /rate_limit answers it), and says
// that a classic token with the scopes is needed (issue 17 item 5).
func TestPreflightSaysAFineGrainedTokenNeedsReplacing(t *testing.T) {
	e := newEnv(t, nil)
	const fg = "github_pat_11AAAAAAA0preflight"
	e.srv.AddToken(apitest.Token{Value: fg, Scopes: []string{"read:packages", "write:packages", "delete:packages"}})
	c, err := api.New(api.WithBaseURL(e.srv.URL), api.WithToken(fg), api.WithClock(e.clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	r, err := c.Preflight(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.TokenKind != api.TokenFineGrained || r.OK() || r.Restore.Allowed || !r.Restore.Known {
		t.Fatalf("report %+v; want a fine-grained token that cannot restore", r)
	}
	if p := strings.Join(r.Problems, "\n"); !strings.Contains(p, "does not accept fine-grained personal access tokens") || !strings.Contains(p, "classic personal access token (ghp_) or an OAuth token with read:packages and write:packages") {
		t.Errorf("problems %q do not say the fix", p)
	}
	// The restore route then refuses it, as Preflight said.
	if _, err := c.RestoreVersion(context.Background(), restorePkg, 1); !errors.Is(err, api.ErrForbidden) {
		t.Errorf("restore with it: %v", err)
	}
}
