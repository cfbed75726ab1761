package api_test

import (
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// Seeding by api.Package (apitest.Server.SeedPackage and kin), failing the
// test on a seeding error, for brevity.

func seedPackage(t testing.TB, srv *apitest.Server, pkg api.Package, seed apitest.PackageSeed) []int64 {
	t.Helper()
	ids, err := srv.SeedPackage(pkg, seed)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func seedVersion(t testing.TB, srv *apitest.Server, pkg api.Package, v apitest.VersionSeed) int64 {
	t.Helper()
	id, err := srv.SeedVersion(pkg, v)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func retireName(t testing.TB, srv *apitest.Server, pkg api.Package) {
	t.Helper()
	if err := srv.RetirePackageName(pkg); err != nil {
		t.Fatal(err)
	}
}

// seeded is pkg as the fake is seeded with it: a package of api.Me() is
// the token user's (login), seeded as api.User(login).
func seeded(pkg api.Package, login string) api.Package {
	if pkg.Owner.Kind() == api.OwnerMe {
		pkg.Owner = api.User(login)
	}
	return pkg
}
