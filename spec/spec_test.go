package spec_test

import (
	"context"
	"slices"
	"testing"

	"github.com/ghpackages/restore/spec"
)

func TestLoadAndOperations(t *testing.T) {
	doc, err := spec.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ops := spec.Operations()
	want := []string{
		"packages/restore-package-version-for-org",
		"packages/restore-package-version-for-user",
		"packages/restore-package-version-for-authenticated-user",
		"packages/get-all-package-versions-for-package-owned-by-org",
		"packages/get-all-package-versions-for-package-owned-by-user",
		"packages/get-all-package-versions-for-package-owned-by-authenticated-user",
		"packages/get-package-version-for-organization",
		"packages/get-package-version-for-user",
		"packages/get-package-version-for-authenticated-user",
		"packages/restore-package-for-org",
		"packages/restore-package-for-user",
		"packages/restore-package-for-authenticated-user",
		"packages/list-packages-for-organization",
		"packages/list-packages-for-user",
		"packages/list-packages-for-authenticated-user",
		"rate-limit/get",
	}
	if !slices.Equal(ops, want) {
		t.Fatalf("Operations() = %v, want %v", ops, want)
	}
	var inDoc []string
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			inDoc = append(inDoc, op.OperationID)
		}
	}
	slices.Sort(inDoc)
	sorted := slices.Sorted(slices.Values(want))
	if !slices.Equal(inDoc, sorted) {
		t.Errorf("operations in the slice = %v, want %v", inDoc, sorted)
	}
	// Copies: a caller cannot change the embedded bytes.
	b := spec.JSON()
	b[0] = 'X'
	if spec.JSON()[0] != '{' {
		t.Error("JSON() returned the embedded slice itself, not a copy")
	}
	if len(spec.Overlay()) == 0 {
		t.Error("Overlay() is empty")
	}
}
