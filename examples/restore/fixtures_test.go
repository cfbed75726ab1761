package main

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// cleanupRun is a finished workflow run, from start to end, for the fake's
// AddWorkflowRun.
func cleanupRun(id int64, start, end time.Time) apitest.WorkflowRunSeed {
	return apitest.WorkflowRunSeed{ID: id, Name: "Clean up images", Path: ".github/workflows/cleanup.yml", RunNumber: 42,
		StartedAt: start, UpdatedAt: end}
}

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

// eventSchema compiles events.schema.json.
func eventSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		f, err := os.Open("events.schema.json")
		if err != nil {
			schemaErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("events.schema.json", doc); err != nil {
			schemaErr = err
			return
		}
		schema, schemaErr = c.Compile("events.schema.json")
	})
	if schemaErr != nil {
		t.Fatal(schemaErr)
	}
	return schema
}

// checkEvents validates every line of a --json run's stdout against the
// schema, checks that "event" comes first and that the last line is the
// summary, and returns the events by kind.
func checkEvents(t *testing.T, out string) map[string][]map[string]any {
	t.Helper()
	sch := eventSchema(t)
	got := map[string][]map[string]any{}
	var last string
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, `{"event":"`) {
			t.Errorf("a line does not begin with its event: %.120s", line)
		}
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(line))
		if err != nil {
			t.Fatalf("not JSON: %.200s: %v", line, err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%.300s\ndoes not match events.schema.json: %v", line, err)
		}
		var v map[string]any
		json.Unmarshal([]byte(line), &v)
		kind, _ := v["event"].(string)
		got[kind] = append(got[kind], v)
		last = kind
		if strings.Contains(line, ":null") {
			t.Errorf("a null in %.200s: lists are [], never null", line)
		}
	}
	if last != "summary" {
		t.Errorf("the last line is a %q event, want the summary:\n%s", last, out)
	}
	if n := len(got["summary"]); n != 1 {
		t.Errorf("%d summaries, want 1", n)
	}
	return got
}

// Seeding by api.Package (the fake's SeedPackage, SeedVersion,
// SeedIndexFor, SeedImageFor), failing the test on a seeding error.

func orgPkg(org string, typ api.PackageType, name string) api.Package {
	return api.Package{Owner: api.Org(org), Type: typ, Name: name}
}

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
