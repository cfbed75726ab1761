package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// runsFront puts a server in front of the fake GitHub that answers GET
// /repos/{owner}/{repo}/actions/runs/{id} from runs (keyed by that path,
// 404 for any other run) and forwards everything else to the fake.
func runsFront(t *testing.T, target string, runs map[string]string) string {
	t.Helper()
	u, err := neturl.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.URL.Path, "/actions/runs/") {
			proxy.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		body, ok := runs[r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			body = `{"message":"Not Found","documentation_url":"https://docs.github.com/rest/actions/workflow-runs#get-a-workflow-run"}`
		}
		w.Write([]byte(body))
	}))
	t.Cleanup(front.Close)
	return front.URL
}

// runJSON is a finished workflow run as GitHub answers it, from start to
// end.
func runJSON(id int64, start, end time.Time) string {
	return `{"id":` + itoa(id) + `,"name":"Clean up images","path":".github/workflows/cleanup.yml","display_title":"Clean up images","run_number":42,` +
		`"run_attempt":1,"event":"schedule","status":"completed","conclusion":"success","html_url":"https://github.com/octo-org/infra/actions/runs/` + itoa(id) + `",` +
		`"created_at":"` + start.UTC().Format(time.RFC3339) + `","run_started_at":"` + start.UTC().Format(time.RFC3339) + `","updated_at":"` + end.UTC().Format(time.RFC3339) + `"}`
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
