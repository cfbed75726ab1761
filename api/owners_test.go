package api_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// Every call works for every owner against the fake: each reaches its own
// route (never /users/{login} for Me), lists pages through GitHub's
// /organizations/{id} or /user/{id} links, and its errors carry the real
// operationId.
func TestEveryCallForEveryOwner(t *testing.T) {
	e := newEnv(t, nil, api.WithWritePacing(0))
	e.srv.AddUser("octocat")
	e.srv.AddToken(apitest.Token{Value: "ghp_octocat", Kind: api.TokenClassic, Scopes: []string{"read:packages", "write:packages", "delete:packages"}, User: "octocat"})
	c, err := api.New(api.WithBaseURL(e.srv.URL), api.WithToken("ghp_octocat"), api.WithClock(e.clock), api.WithWritePacing(0))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	ctx := context.Background()
	for _, owner := range []api.Owner{api.Org("o"), api.User("octocat"), api.Me()} {
		t.Run(string(owner.Kind()), func(t *testing.T) {
			login, form := owner.Login(), "/organizations/"
			if owner.Kind() != api.OwnerOrg {
				form = "/user/"
			}
			if owner.Kind() == api.OwnerMe {
				login = "octocat"
			}
			accountID, _ := e.srv.AccountID(login)
			img := api.Package{Owner: owner, Type: api.PackageTypeContainer, Name: "team/app-" + string(owner.Kind())}
			var deleted []int64
			for i := range 130 {
				deleted = append(deleted, seedVersion(t, e.srv, seeded(img, login), apitest.VersionSeed{Name: fmt.Sprintf("sha256:%d", i), DeletedAt: e.clock.Now().Add(-time.Hour)}))
			}
			active := seedVersion(t, e.srv, seeded(img, login), apitest.VersionSeed{Name: "sha256:active"})
			lib := api.Package{Owner: owner, Type: api.PackageTypeNpm, Name: "lib-" + string(owner.Kind())}
			libID := seedVersion(t, e.srv, seeded(lib, login), apitest.VersionSeed{Name: "1.0.0"})
			if err := e.srv.SoftDeleteVersion(seeded(lib, login), libID); err != nil { // the last one: the package goes
				t.Fatal(err)
			}
			e.srv.ResetRequests()

			// Versions: two pages, the second by GitHub's link form.
			n := 0
			for v, err := range c.Versions(ctx, img, &api.ListOptions{State: api.StateDeleted}) {
				if err != nil {
					t.Fatal(err)
				}
				if !v.Deleted() {
					t.Errorf("active version %d in the deleted listing", v.ID)
				}
				n++
			}
			if n != len(deleted) {
				t.Errorf("Versions yielded %d, want %d", n, len(deleted))
			}
			// GetVersion: an active version; a deleted one is not found.
			if v, err := c.GetVersion(ctx, img, active); err != nil || v.ID != active || v.Deleted() {
				t.Errorf("GetVersion(active): %+v %v", v, err)
			}
			_, err := c.GetVersion(ctx, img, deleted[0])
			var apiErr *api.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Op != api.OpGetVersion.ID(owner.Kind()) {
				t.Errorf("GetVersion(deleted): %v", err)
			}
			// RestoreVersion, twice: restored, then already active.
			for _, want := range []api.Outcome{api.OutcomeRestored, api.OutcomeAlreadyActive} {
				if out, err := c.RestoreVersion(ctx, img, deleted[0]); err != nil || out != want {
					t.Errorf("RestoreVersion: %q %v, want %q", out, err, want)
				}
			}
			// RestorePackage: the package deleted whole comes back.
			if out, err := c.RestorePackage(ctx, lib, nil); err != nil || out != api.OutcomeRestored {
				t.Errorf("RestorePackage: %q %v", out, err)
			}
			// Packages: both packages, the owner as asked.
			var names []string
			for p, err := range c.Packages(ctx, owner, api.PackageTypeNpm, nil) {
				if err != nil {
					t.Fatal(err)
				}
				if p.Package.Owner != owner {
					t.Errorf("Packages: owner %v", p.Package.Owner)
				}
				names = append(names, p.Package.Name)
			}
			if !strings.Contains(strings.Join(names, ","), lib.Name) {
				t.Errorf("Packages: %v, want %s", names, lib.Name)
			}

			wantRoutes := map[api.Operation]bool{}
			for i, r := range e.srv.Requests() {
				kind := owner.Kind()
				if kind == api.OwnerMe && strings.HasPrefix(r.RawPath, fmt.Sprintf("/user/%d/", accountID)) {
					kind = api.OwnerUser // the link form names the user by id, for "me" too
				}
				if r.Route != r.Op.ID(kind) {
					t.Errorf("request %d %s %s: route %q, want %q", i, r.Method, r.RawPath, r.Route, r.Op.ID(kind))
				}
				wantRoutes[r.Op] = true
				ok := strings.HasPrefix(r.RawPath, owner.Path()+"/") || strings.HasPrefix(r.RawPath, fmt.Sprintf("%s%d/", form, accountID))
				if !ok || (owner.Kind() == api.OwnerMe && strings.HasPrefix(r.RawPath, "/users/")) {
					t.Errorf("request %d %s %s is not on %s's routes", i, r.Method, r.RawPath, owner)
				}
			}
			for _, op := range []api.Operation{api.OpListVersions, api.OpGetVersion, api.OpRestoreVersion, api.OpRestorePackage, api.OpListPackages} {
				if !wantRoutes[op] {
					t.Errorf("no request for %v", op)
				}
			}
			if v := e.srv.TakeViolations(); len(v) != 0 {
				t.Errorf("spec violations: %+v", v)
			}
		})
	}
}
