package apitest_test

import (
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// The packages most tests seed: octo-org's container image and npm
// library, and acme's image.
var (
	orgApp = api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "team/app"}
	orgLib = api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeNpm, Name: "lib"}
	// acmeApp is the fake registry tests' image.
	acmeApp = api.Package{Owner: api.Org("acme"), Type: api.PackageTypeContainer, Name: "team/app"}
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

func seedIndex(t testing.TB, reg *apitest.Registry, pkg api.Package, spec apitest.ImageSpec) apitest.SeededImage {
	t.Helper()
	img, err := reg.SeedIndexFor(pkg, spec)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func deleteUntaggedChildren(t testing.TB, reg *apitest.Registry, pkg api.Package) []int64 {
	t.Helper()
	ids, err := reg.DeleteUntaggedChildrenOf(pkg)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}
