package image_test

import (
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// Seeding by api.Package (apitest.Server.SeedPackage and kin), failing the
// test on a seeding error, for brevity.

func seedIndex(t testing.TB, reg *apitest.Registry, pkg api.Package, spec apitest.ImageSpec) apitest.SeededImage {
	t.Helper()
	img, err := reg.SeedIndexFor(pkg, spec)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func seedImage(t testing.TB, reg *apitest.Registry, pkg api.Package, salt string, tags ...string) apitest.SeededManifest {
	t.Helper()
	m, err := reg.SeedImageFor(pkg, salt, tags...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func deleteUntaggedChildren(t testing.TB, reg *apitest.Registry, pkg api.Package) []int64 {
	t.Helper()
	ids, err := reg.DeleteUntaggedChildrenOf(pkg)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func push(t testing.TB, reg *apitest.Registry, pkg api.Package, mediaType string, body []byte, tags ...string) apitest.SeededManifest {
	t.Helper()
	m, err := reg.PushFor(pkg, mediaType, body, tags...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func pushReferrer(t testing.TB, reg *apitest.Registry, pkg api.Package, subject, artifactType, salt string) apitest.SeededManifest {
	t.Helper()
	m, err := reg.PushReferrerFor(pkg, subject, artifactType, salt)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
