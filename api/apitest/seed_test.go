package apitest_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// Seeding by api.Package: the owner's kind is the package's, never
// inferred; a conflicting kind, api.Me() and an invalid package are errors
// that name the package, and nothing is seeded.
func TestSeedByPackage(t *testing.T) {
	f := setup(t)
	org := orgApp
	user := api.Package{Owner: api.User("monalisa"), Type: api.PackageTypeNpm, Name: "lib"}
	ids, err := f.srv.SeedPackage(org, apitest.PackageSeed{Versions: []apitest.VersionSeed{{Name: "sha256:1"}, {Name: "sha256:2"}}})
	if err != nil || len(ids) != 2 {
		t.Fatalf("org package: %v %v", ids, err)
	}
	// Seeded before any AddUser: the package says it is a user's.
	uid, err := f.srv.SeedVersion(user, apitest.VersionSeed{Name: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.SeedPackage(user, apitest.PackageSeed{Visibility: "public"}); err != nil {
		t.Fatal(err)
	}
	if a := f.do(t, "GET", fmt.Sprintf("/users/monalisa/packages/npm/lib/versions/%d", uid), tok); a.status != 200 {
		t.Errorf("the user's version: %d %s", a.status, a.body)
	}
	if a := f.do(t, "GET", "/orgs/monalisa/packages/npm/lib/versions", tok); a.status != 404 {
		t.Errorf("the user as an org: %d", a.status)
	}

	if err := f.srv.SoftDeleteVersion(org, ids[0]); err != nil {
		t.Fatal(err)
	}
	if v, ok := f.srv.LookupVersion(org, ids[0]); !ok || v.DeletedAt == nil {
		t.Errorf("LookupVersion after the delete: %+v %v", v, ok)
	}
	if _, ok := f.srv.LookupVersion(api.Package{Owner: api.User("octo-org"), Type: org.Type, Name: org.Name}, ids[0]); ok {
		t.Errorf("an org's version found under a user of that login")
	}
	tokn, err := f.srv.SoftDeletePackage(user)
	if err != nil || tokn == "" || !f.srv.IsPackageDeleted(user) || len(f.srv.DeletedGenerations(user)) != 1 {
		t.Errorf("SoftDeletePackage: %q %v", tokn, err)
	}
	if err := f.srv.RetirePackageName(user); err != nil {
		t.Fatal(err)
	}
	if a := f.do(t, "POST", "/users/monalisa/packages/npm/lib/restore", tok); a.status != 404 {
		t.Errorf("another user's package restore: %d", a.status) // only the owner restores
	}

	bad := []struct {
		name string
		pkg  api.Package
		want string
	}{
		{"kind conflict", api.Package{Owner: api.User("octo-org"), Type: api.PackageTypeNpm, Name: "x"}, `"octo-org" is declared as org, not user`},
		{"me", api.Package{Owner: api.Me(), Type: api.PackageTypeNpm, Name: "x"}, "api.User(login)"},
		{"invalid", api.Package{Owner: api.Org("octo-org"), Type: "zip", Name: "x"}, "package_type"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.srv.SeedPackage(tt.pkg, apitest.PackageSeed{}); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("SeedPackage: %v, want an error saying %q", err, tt.want)
			}
			if _, err := f.srv.SeedVersion(tt.pkg, apitest.VersionSeed{Name: "1"}); err == nil {
				t.Errorf("SeedVersion: no error")
			}
		})
	}
	if _, err := f.srv.SeedPackage(api.Package{Owner: api.Org("octo-org"), Type: "zip", Name: "x"}, apitest.PackageSeed{}); !errors.Is(err, api.ErrInvalidInput) {
		t.Errorf("invalid package: %v, want ErrInvalidInput", err)
	}

	reg := apitest.NewRegistry(t, f.srv)
	if _, err := reg.SeedIndexFor(user, apitest.ImageSpec{Tags: []string{"v1"}}); err == nil || !strings.Contains(err.Error(), "container packages only") {
		t.Errorf("SeedIndexFor an npm package: %v", err)
	}
	img, err := reg.SeedIndexFor(api.Package{Owner: api.User("monalisa"), Type: api.PackageTypeContainer, Name: "web"}, apitest.ImageSpec{Tags: []string{"v1"}})
	if err != nil || img.Owner != "monalisa" || len(img.Platforms) != 2 {
		t.Fatalf("SeedIndexFor: %+v %v", img, err)
	}
	web := api.Package{Owner: api.User("monalisa"), Type: api.PackageTypeContainer, Name: "web"}
	gone, err := reg.DeleteUntaggedChildrenOf(web)
	if err != nil || len(gone) != 2 {
		t.Errorf("DeleteUntaggedChildrenOf: %v %v", gone, err)
	}
	m, err := reg.PushFor(web, "application/vnd.oci.image.manifest.v1+json", []byte(`{"schemaVersion":2}`), "v2")
	if v, ok := f.srv.LookupVersion(web, m.ID); err != nil || !ok || v.Name != m.Digest || len(v.Tags) != 1 {
		t.Errorf("PushFor: %+v %v; version %+v", m, err, v)
	}
	if ref, err := reg.PushReferrerFor(web, img.Index.Digest, "application/spdx+json", "sbom"); err != nil || ref.ID == 0 {
		t.Errorf("PushReferrerFor: %+v %v", ref, err)
	}
	for _, pkg := range []api.Package{user, {Owner: api.Org("monalisa"), Type: api.PackageTypeContainer, Name: "web"}} {
		if _, err := reg.PushFor(pkg, "application/vnd.oci.image.manifest.v1+json", []byte(`{}`)); err == nil {
			t.Errorf("PushFor %v: no error", pkg)
		}
		if _, err := reg.PushReferrerFor(pkg, img.Index.Digest, "application/spdx+json", "x"); err == nil {
			t.Errorf("PushReferrerFor %v: no error", pkg)
		}
	}
}
