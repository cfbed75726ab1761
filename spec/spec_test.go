package spec_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

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
		"actions/get-workflow-run",
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

// walkJSON calls fn for every object in v with its JSON pointer.
func walkJSON(v any, ptr string, fn func(ptr string, obj map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(ptr, x)
		for k, c := range x {
			walkJSON(c, ptr+"/"+k, fn)
		}
	case []any:
		for i, c := range x {
			walkJSON(c, fmt.Sprintf("%s/%d", ptr, i), fn)
		}
	}
}

func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// enumsWith lists the pointers of every enum in doc that contains value.
func enumsWith(doc map[string]any, value string) []string {
	var at []string
	walkJSON(doc, "", func(ptr string, obj map[string]any) {
		if enum, ok := obj["enum"].([]any); ok && slices.Contains(enum, any(value)) {
			at = append(at, ptr)
		}
	})
	slices.Sort(at)
	return at
}

func TestOverlaidCorrectsTheSlice(t *testing.T) {
	ctx := context.Background()
	faithful := decodeJSON(t, spec.JSON())
	overlaid := decodeJSON(t, spec.OverlaidJSON())
	const docker = "/components/schemas/package-version/properties/metadata/properties/docker/properties"
	dockerProps := func(doc map[string]any) map[string]any {
		var props map[string]any
		walkJSON(doc, "", func(ptr string, obj map[string]any) {
			if ptr == docker {
				props = obj
			}
		})
		return props
	}

	t.Run("docker tags", func(t *testing.T) {
		if p := dockerProps(faithful); p["tag"] == nil || p["tags"] != nil {
			t.Errorf("faithful slice docker properties = %v, want GitHub's `tag` (the slice must stay faithful)", p)
		}
		p := dockerProps(overlaid)
		if p["tag"] != nil {
			t.Errorf("overlaid docker properties still declare `tag`: %v", p)
		}
		tags, _ := p["tags"].(map[string]any)
		items, _ := tags["items"].(map[string]any)
		if tags["type"] != "array" || items["type"] != "string" {
			t.Errorf("overlaid docker `tags` = %v, want an array of strings", p["tags"])
		}
	})

	t.Run("one enum per concept", func(t *testing.T) {
		for _, tc := range []struct {
			value       string
			faithfulMin int // inline copies in GitHub's description
			named       string
		}{
			{"rubygems", 5, "/components/schemas/package-type"},
			{"deleted", 2, "/components/schemas/package-version-state"},
			{"internal", 1, "/components/schemas/package-visibility-filter"},
		} {
			if got := enumsWith(faithful, tc.value); len(got) < tc.faithfulMin || slices.Contains(got, tc.named) {
				t.Errorf("faithful slice: enums with %q at %v; want GitHub's %d or more inline copies", tc.value, got, tc.faithfulMin)
			}
			if got := enumsWith(overlaid, tc.value); !slices.Equal(got, []string{tc.named}) {
				t.Errorf("overlaid slice: enums with %q at %v, want only %s", tc.value, got, tc.named)
			}
		}
		// Every package_type (parameter schema or property) points at the named schema.
		var refs int
		walkJSON(overlaid, "", func(ptr string, obj map[string]any) {
			if obj["name"] == "package_type" {
				obj, ptr = obj["schema"].(map[string]any), ptr+"/schema"
			} else if p, ok := obj["package_type"].(map[string]any); ok && strings.HasSuffix(ptr, "/properties") {
				obj, ptr = p, ptr+"/package_type"
			} else {
				return
			}
			refs++
			if obj["$ref"] != "#/components/schemas/package-type" {
				t.Errorf("%s = %v, want a $ref to the package-type schema", ptr, obj)
			}
		})
		if refs < 5 {
			t.Errorf("found %d package_type uses, want at least 5 (path parameter, 3 list-packages queries, 2 schemas)", refs)
		}
	})

	t.Run("named-user version listing takes paging and state", func(t *testing.T) {
		for _, tc := range []struct {
			load func(context.Context) (*openapi3.T, error)
			want []string
		}{
			{spec.Load, []string{"package_name", "package_type", "username"}},
			{spec.LoadOverlaid, []string{"package_name", "package_type", "page", "per_page", "state", "username"}},
		} {
			doc, err := tc.load(ctx)
			if err != nil {
				t.Fatal(err)
			}
			item := doc.Paths.Find("/users/{username}/packages/{package_type}/{package_name}/versions")
			if item == nil || item.Get == nil {
				t.Fatal("the named-user version listing is missing")
			}
			var names []string
			for _, p := range item.Get.Parameters {
				names = append(names, p.Value.Name)
			}
			slices.Sort(names)
			if !slices.Equal(names, tc.want) {
				t.Errorf("parameters = %v, want %v", names, tc.want)
			}
		}
	})

	t.Run("marked and copied", func(t *testing.T) {
		info := func(doc map[string]any) map[string]any { m, _ := doc["info"].(map[string]any); return m }
		if info(faithful)["x-overlay-applied"] != nil || info(overlaid)["x-overlay-applied"] == nil {
			t.Error("only the overlaid slice should carry info.x-overlay-applied")
		}
		b := spec.OverlaidJSON()
		b[0] = 'X'
		if spec.OverlaidJSON()[0] != '{' {
			t.Error("OverlaidJSON() returned the embedded bytes, not a copy")
		}
	})
}
