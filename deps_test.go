package restore_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLeanImportGraph checks that a program importing gen or api links no
// OpenAPI tooling, no YAML parser and no registry library: those belong to
// spec, the slicer, the fake server and api/image, which consumers import
// only on purpose.
func TestLeanImportGraph(t *testing.T) {
	forbidden := []string{
		"kin-openapi", "yaml", "oapi-codegen/v2", "speakeasy-api", "jsonpath", // OpenAPI and overlay tooling
		"ghpackages/restore/spec",                  // the embedded description
		"oras.land", "opencontainers", "api/image", // registry libraries
	}
	for _, pkg := range []string{"./gen", "./api"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, bad := range forbidden {
				if strings.Contains(dep, bad) {
					t.Errorf("%s links %s", pkg, dep)
				}
			}
		}
	}
}

// TestImagePackageLinksTheRegistryLibrary proves the registry names that
// TestLeanImportGraph forbids are the ones api/image really links, so that
// the lean-graph test could fail.
func TestImagePackageLinksTheRegistryLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./api/image").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps ./api/image: %v\n%s", err, out)
	}
	for _, want := range []string{"oras.land/oras-go/v2/registry/remote", "github.com/opencontainers/image-spec/specs-go/v1"} {
		if !strings.Contains(string(out), want+"\n") {
			t.Errorf("api/image does not link %s: update TestLeanImportGraph's forbidden list", want)
		}
	}
}
