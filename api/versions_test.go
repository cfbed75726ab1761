package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

func TestVersionsPaginates(t *testing.T) {
	e := newEnv(t, nil)
	pkg := api.Package{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: "team/app"}
	ids := map[int64]bool{}
	for i := range 250 {
		ids[e.deletedVersion(t, pkg, fmt.Sprintf("sha256:%064d", i), nil, time.Hour)] = true
	}
	seedVersion(t, e.srv, pkg, apitest.VersionSeed{Name: "sha256:active"})
	ctx := context.Background()

	seen := map[int64]bool{}
	for v, err := range e.c.Versions(ctx, pkg, &api.ListOptions{State: api.StateDeleted}) {
		if err != nil {
			t.Fatal(err)
		}
		if !ids[v.ID] || seen[v.ID] || !v.Deleted() {
			t.Fatalf("unexpected version %+v", v)
		}
		seen[v.ID] = true
	}
	if len(seen) != 250 {
		t.Errorf("yielded %d versions, want 250", len(seen))
	}
	reqs := e.srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3 pages", len(reqs))
	}
	orgID, _ := e.srv.AccountID("o")
	for i, r := range reqs {
		// Page 1 by the route, the next ones by GitHub's link form, with the
		// state and page size of the first request although the links
		// carry only page and per_page.
		path := "/orgs/o/packages/container/team%2Fapp/versions"
		if i > 0 {
			path = fmt.Sprintf("/organizations/%d/packages/container/team%%2Fapp/versions", orgID)
		}
		if r.RawPath != path || !strings.Contains(r.Query, "state=deleted") || !strings.Contains(r.Query, "per_page=100") {
			t.Errorf("request %d = %s?%s, want path %s", i, r.RawPath, r.Query, path)
		}
		if i > 0 && !strings.Contains(r.Query, fmt.Sprintf("page=%d", i+1)) {
			t.Errorf("request %d query %s is not page %d", i, r.Query, i+1)
		}
		if r.Header.Get("Authorization") == "" {
			t.Errorf("request %d has no token", i)
		}
	}

	// Stopping after the first item fetches one page only.
	e.srv.ResetRequests()
	for range e.c.Versions(ctx, pkg, &api.ListOptions{State: api.StateDeleted}) {
		break
	}
	if n := len(e.srv.Requests()); n != 1 {
		t.Errorf("stopping early sent %d requests, want 1", n)
	}

	// Active versions by default.
	n := 0
	for v, err := range e.c.Versions(ctx, pkg, nil) {
		if err != nil || v.Deleted() {
			t.Fatalf("%+v %v", v, err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("%d active versions, want 1", n)
	}
}

func TestVersionsErrors(t *testing.T) {
	e := newEnv(t, nil)
	pkg := api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "missing"}
	var got []error
	for _, err := range e.c.Versions(context.Background(), pkg, nil) {
		got = append(got, err)
	}
	if len(got) != 1 || !errors.Is(got[0], api.ErrNotFound) {
		t.Errorf("errors = %v, want one not-found", got)
	}

	// A Link that leaves the API's origin is not followed.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the client followed a Link to another host")
	}))
	defer evil.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Link", `<`+evil.URL+`/orgs/o/packages/npm/p/versions?page=2>; rel="next"`)
		fmt.Fprint(w, `[{"id":1,"name":"1.0.0","url":"u","package_html_url":"h","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}]`)
	}))
	defer srv.Close()
	c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	var items, errs int
	for _, err := range c.Versions(context.Background(), api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "p"}, nil) {
		if err != nil {
			errs++
			if !strings.Contains(err.Error(), "outside the API's origin") {
				t.Errorf("err = %v", err)
			}
		} else {
			items++
		}
	}
	if items != 1 || errs != 1 {
		t.Errorf("items %d errors %d, want 1 and 1", items, errs)
	}
}

func TestGetVersionFields(t *testing.T) {
	e := newEnv(t, nil)
	pkg := api.Package{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: "app"}
	id := e.deletedVersion(t, pkg, "sha256:feed", []string{"v1", "latest"}, 29*24*time.Hour)
	// GitHub answers 404 to GET for a deleted version: only the deleted
	// listing shows it.
	if _, err := e.c.GetVersion(context.Background(), pkg, id); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("GetVersion of a deleted version: %v, want ErrNotFound", err)
	}
	var v api.Version
	for got, err := range e.c.Versions(context.Background(), pkg, &api.ListOptions{State: api.StateDeleted}) {
		if err != nil {
			t.Fatal(err)
		}
		v = got
	}
	if v.ID != id || v.Name != "sha256:feed" || v.Digest != "sha256:feed" || strings.Join(v.Tags, ",") != "v1,latest" {
		t.Errorf("version = %+v", v)
	}
	if !v.Deleted() || v.DaysLeft(e.clock.Now()) != 1 || !v.RestorableUntil().Equal(v.DeletedAt.Add(api.RestoreWindow)) || v.HTMLURL != "" {
		t.Errorf("deleted %v, days left %d, html_url %q", v.Deleted(), v.DaysLeft(e.clock.Now()), v.HTMLURL)
	}
	npm := api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "lib"}
	id2 := seedVersion(t, e.srv, npm, apitest.VersionSeed{Name: "1.2.3"})
	v2, err := e.c.GetVersion(context.Background(), npm, id2)
	if err != nil {
		t.Fatal(err)
	}
	if v2.Digest != "" || v2.Tags != nil || v2.Deleted() || v2.DaysLeft(e.clock.Now()) != 0 || v2.HTMLURL == "" {
		t.Errorf("npm version = %+v", v2)
	}
	if _, err := e.c.GetVersion(context.Background(), npm, 999); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("missing version: %v", err)
	}
}

func TestDaysLeft(t *testing.T) {
	del := start
	v := api.Version{DeletedAt: &del}
	tests := []struct {
		after time.Duration
		want  int
	}{
		{0, 30}, {time.Hour, 29}, {29 * 24 * time.Hour, 1}, {30*24*time.Hour - time.Minute, 0},
		{30*24*time.Hour + time.Minute, -1}, {31 * 24 * time.Hour, -1}, {33 * 24 * time.Hour, -3},
	}
	for _, tt := range tests {
		if got := v.DaysLeft(del.Add(tt.after)); got != tt.want {
			t.Errorf("DaysLeft after %v = %d, want %d", tt.after, got, tt.want)
		}
	}
}
