package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ghpackages/restore/spec"
)

var fixtureOps = []string{"get-a", "post-b"}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func section(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m, _ = m[k].(map[string]any)
	}
	return m
}

func TestSliceFixtureKeepsExactClosure(t *testing.T) {
	out, err := Slice(readFile(t, "testdata/fixture.json"), fixtureOps)
	if err != nil {
		t.Fatal(err)
	}
	got := decodeJSON(t, out)

	wantComponents := map[string][]string{
		"parameters": {"id", "page"},                      // path-level and operation-level
		"responses":  {"not_found"},                       // shared by both operations
		"headers":    {"x-id"},                            // reached through a response
		"examples":   {"nf"},                              // reached through a response
		"schemas":    {"a.leaf", "error", "leaf", "node"}, // nested, cyclic, escaped name; not "unused"
	}
	comps := section(got, "components")
	if len(comps) != len(wantComponents) {
		t.Errorf("component sections = %v, want %v", sortedKeys(comps), wantComponents)
	}
	for kind, names := range wantComponents {
		if keys := sortedKeys(section(comps, kind)); !reflect.DeepEqual(keys, names) {
			t.Errorf("components.%s = %v, want %v", kind, keys, names)
		}
	}
	paths := section(got, "paths")
	if keys := sortedKeys(paths); !reflect.DeepEqual(keys, []string{"/a/{id}", "/b"}) {
		t.Errorf("paths = %v", keys)
	}
	a := section(paths, "/a/{id}")
	if _, ok := a["delete"]; ok {
		t.Error("an operation that is not listed was kept")
	}
	if _, ok := a["parameters"]; !ok {
		t.Error("path-level parameters were dropped")
	}
	tags, _ := got["tags"].([]any)
	if len(tags) != 1 || tags[0].(map[string]any)["name"] != "kept" {
		t.Errorf("tags = %v, want only the used tag", tags)
	}
	if !bytes.Contains(out, []byte(`"example": 12345678901234567`)) {
		t.Error("a large integer lost precision")
	}
	if !bytes.Contains(out, []byte(`"Not Found <&>"`)) {
		t.Error("text was HTML-escaped")
	}
	prov := section(got, "info", ProvenanceKey)
	if prov["upstream_title"] != "fixture" || prov["upstream_version"] != "1.2.3" || len(prov["upstream_sha256"].(string)) != 64 {
		t.Errorf("provenance = %v", prov)
	}
	if err := Validate(context.Background(), out); err != nil {
		t.Errorf("the slice does not validate: %v", err)
	}
}

func TestSliceIsDeterministicAndIdempotent(t *testing.T) {
	src := readFile(t, "testdata/fixture.json")
	first, err := Slice(src, fixtureOps)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		again, err := Slice(src, fixtureOps)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatal("slicing the same input twice gave different bytes")
		}
	}
	resliced, err := Slice(first, fixtureOps)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, resliced) {
		t.Errorf("slicing the slice changed it:\n%s\nvs\n%s", first, resliced)
	}
}

func TestSliceYAMLMatchesJSON(t *testing.T) {
	fromJSON, err := Slice(readFile(t, "testdata/fixture.json"), fixtureOps)
	if err != nil {
		t.Fatal(err)
	}
	fromYAML, err := Slice(readFile(t, "testdata/fixture.yaml"), fixtureOps)
	if err != nil {
		t.Fatal(err)
	}
	j, y := decodeJSON(t, fromJSON), decodeJSON(t, fromYAML)
	// The inputs' checksums differ by construction; everything else must not.
	delete(section(j, "info", ProvenanceKey), "upstream_sha256")
	delete(section(y, "info", ProvenanceKey), "upstream_sha256")
	if !reflect.DeepEqual(j, y) {
		t.Errorf("YAML input sliced differently from JSON:\n%s\n%s", fromJSON, fromYAML)
	}
}

func TestSliceRefusals(t *testing.T) {
	fixture := string(readFile(t, "testdata/fixture.json"))
	tests := []struct {
		name string
		doc  string
		ops  []string
		want string
	}{
		{"unknown operation", fixture, []string{"get-a", "no-such-op"}, `unknown operationId(s) not found upstream: no-such-op`},
		{"empty list", fixture, nil, "operation list is empty"},
		{"listed twice", fixture, []string{"get-a", "get-a"}, `"get-a" is listed twice`},
		{"dangling ref", strings.Replace(fixture, `"#/components/schemas/leaf"}}}},`, `"#/components/schemas/missing"}}}},`, 1), []string{"post-b"}, `dangling $ref "#/components/schemas/missing"`},
		{"remote ref", strings.Replace(fixture, `"#/components/schemas/leaf"}}}},`, `"https://example.test/s.json#/x"}}}},`, 1), []string{"post-b"}, "remote $ref"},
		{"ref outside components", strings.Replace(fixture, `"#/components/schemas/leaf"}}}},`, `"#/paths/~1c"}}}},`, 1), []string{"post-b"}, "does not point into #/components"},
		{"swagger 2.0", `{"swagger": "2.0", "info": {}, "paths": {}}`, fixtureOps, "Swagger 2.0"},
		{"openapi 3.1", strings.Replace(fixture, `"3.0.3"`, `"3.1.0"`, 1), fixtureOps, "OpenAPI 3.1.0; only 3.0.x"},
		{"no version", `{"info": {}, "paths": {}}`, fixtureOps, "no openapi version"},
		{"not json", `{"openapi": `, fixtureOps, "not valid JSON"},
		{"not yaml", "openapi: [3.0\n  x: :", fixtureOps, "neither JSON nor valid YAML"},
		{"empty", "  ", fixtureOps, "empty"},
		{"duplicate operationId upstream", strings.Replace(fixture, `"operationId": "delete-a"`, `"operationId": "get-a"`, 1), []string{"get-a"}, `"get-a" appears twice upstream`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Slice([]byte(tt.doc), tt.ops)
			if err == nil {
				t.Fatalf("no error; got %d bytes", len(out))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func TestRunWritesAndValidates(t *testing.T) {
	dir := t.TempDir()
	opsFile := filepath.Join(dir, "ops.txt")
	if err := os.WriteFile(opsFile, []byte("# comment\nget-a\n\npost-b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.json")
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"-from", "testdata/fixture.yaml", "-ops", opsFile, "-out", out}, nil, nil, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	want, err := Slice(readFile(t, "testdata/fixture.yaml"), fixtureOps)
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, out); !bytes.Equal(got, want) {
		t.Error("run wrote something other than Slice's output")
	}
	if err := run(context.Background(), []string{"-ops", opsFile}, nil, nil, &stderr); err == nil || !strings.Contains(err.Error(), "-from is required") {
		t.Errorf("missing -from: %v", err)
	}
}

// upstreamEnv names GitHub's full description (api.github.com.json from
// github/rest-api-description or @octokit/openapi). .ci/run sets it, together
// with RESTORE_REQUIRE_UPSTREAM, and requires TestUpstreamReproducesCommittedSlice
// to pass rather than skip.
const upstreamEnv = "RESTORE_UPSTREAM_SPEC"

// upstreamPath returns $RESTORE_UPSTREAM_SPEC, or "" with the reason it is
// not usable.
func upstreamPath() (path, why string) {
	p := os.Getenv(upstreamEnv)
	if p == "" {
		return "", upstreamEnv + " is not set"
	}
	if _, err := os.Stat(p); err != nil {
		return "", err.Error()
	}
	return p, ""
}

// requireUpstream skips the test (or fails it under RESTORE_REQUIRE_UPSTREAM)
// when GitHub's full description is not available, saying why.
func requireUpstream(t *testing.T) string {
	t.Helper()
	p, why := upstreamPath()
	if p == "" {
		if os.Getenv("RESTORE_REQUIRE_UPSTREAM") != "" {
			t.Fatalf("GitHub's full description is required (RESTORE_REQUIRE_UPSTREAM) but not usable: %s", why)
		}
		t.Skipf("SKIPPED: the upstream checks need GitHub's full description (%s); set %s to api.github.com.json (.ci/run does, and requires this test to pass)", why, upstreamEnv)
	}
	return p
}

func TestUpstreamReproducesCommittedSlice(t *testing.T) {
	upstream := readFile(t, requireUpstream(t))
	committed := readFile(t, filepath.Join("..", "openapi.json"))
	ops := spec.Operations()

	got, err := Slice(upstream, ops)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, committed) {
		t.Fatal("slicing the upstream description does not reproduce spec/openapi.json byte for byte; run: go run ./spec/slice -from $RESTORE_UPSTREAM_SPEC")
	}
	if err := Validate(context.Background(), got); err != nil {
		t.Fatalf("the slice does not validate with kin-openapi: %v", err)
	}
	again, err := Slice(got, ops)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, again) {
		t.Error("slicing the slice again changed it")
	}

	up, sl := decodeJSON(t, upstream), decodeJSON(t, got)
	// Every kept operation is deep-equal to upstream's.
	n := 0
	for p, item := range section(sl, "paths") {
		for m, op := range item.(map[string]any) {
			if want := section(up, "paths", p)[m]; !reflect.DeepEqual(op, want) {
				t.Errorf("%s %s differs from upstream", m, p)
			}
			n++
		}
	}
	if n != len(ops) {
		t.Errorf("the slice has %d operations, want %d", n, len(ops))
	}
	// Every kept component is deep-equal to upstream's.
	for kind, comps := range section(sl, "components") {
		for name, c := range comps.(map[string]any) {
			if want := section(up, "components", kind)[name]; !reflect.DeepEqual(c, want) {
				t.Errorf("components.%s.%s differs from upstream", kind, name)
			}
		}
	}
	// info differs only by the provenance extension.
	info := section(sl, "info")
	delete(info, ProvenanceKey)
	if !reflect.DeepEqual(info, section(up, "info")) {
		t.Error("info differs from upstream beyond the provenance extension")
	}
}

// BenchmarkSliceUpstream slices GitHub's full description (about 13 MB) down
// to spec/operations.txt. Without $RESTORE_UPSTREAM_SPEC it says so in its
// output (benchmark logs are always printed) and slices the committed slice
// instead, so that the code path still runs; its figure is then not the
// upstream one.
func BenchmarkSliceUpstream(b *testing.B) {
	p, why := upstreamPath()
	if p == "" {
		p = filepath.Join("..", "openapi.json")
		b.Logf("NOT the upstream figure: %s; slicing the committed %s instead (set %s to api.github.com.json)", why, p, upstreamEnv)
	}
	src, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	ops := spec.Operations()
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Slice(src, ops); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRunReadsURLAndStdin(t *testing.T) {
	fixture := readFile(t, "testdata/fixture.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api.github.com.json" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(fixture)
	}))
	defer srv.Close()
	dir := t.TempDir()
	opsFile := filepath.Join(dir, "ops.txt")
	if err := os.WriteFile(opsFile, []byte("get-a\npost-b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := Slice(fixture, fixtureOps)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"-from", srv.URL + "/api.github.com.json", "-ops", opsFile, "-out", "-"}, nil, &stdout, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	if !bytes.Equal(stdout.Bytes(), want) {
		t.Error("slicing from a URL differs from slicing the file")
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"-from", "-", "-ops", opsFile, "-out", "-"}, bytes.NewReader(fixture), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stdout.Bytes(), want) {
		t.Error("slicing standard input differs from slicing the file")
	}
	err = run(context.Background(), []string{"-from", srv.URL + "/missing.json", "-ops", opsFile, "-out", "-"}, nil, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("a missing URL: %v", err)
	}
}
