package apitest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// TestWorkflowRuns serves seeded GitHub Actions runs as GitHub's
// workflow-run object (validated against the description on the way out),
// 404 `Not Found` for a run that does not exist, for another repository's,
// and for a private repository's run to a token without the repo scope; a
// non-numeric run id is a request the description does not allow; scripted
// faults apply to the route.
func TestWorkflowRuns(t *testing.T) {
	f := setup(t)
	started := t0.Add(-48 * time.Hour)
	id := f.srv.AddWorkflowRun("Octo-Org", "infra", apitest.WorkflowRunSeed{Name: "Clean up images", RunNumber: 562,
		StartedAt: started, UpdatedAt: started.Add(20 * time.Minute)})
	private := f.srv.AddWorkflowRun("Octo-Org", "secret", apitest.WorkflowRunSeed{Private: true, Status: "in_progress"})
	f.srv.AddToken(apitest.Token{Value: "ghp_repo", User: "octocat", Scopes: []string{"repo", "read:packages"}})
	f.srv.AddToken(apitest.Token{Value: "github_pat_finegrained0000", User: "octocat", Kind: api.TokenFineGrained})
	if private != id+1 {
		t.Errorf("ids %d then %d; want consecutive", id, private)
	}
	runPath := func(repo string, id int64) string { return fmt.Sprintf("/repos/octo-org/%s/actions/runs/%d", repo, id) }

	for _, tc := range []struct {
		name, path, token string
		status            int
		message           string
	}{
		{"a run", runPath("infra", id), tok, 200, ""},
		{"an unknown run", runPath("infra", id+100), tok, 404, "Not Found"},
		{"another repository's id", runPath("web", id), tok, 404, "Not Found"},
		{"a private run without the repo scope", runPath("secret", private), tok, 404, "Not Found"},
		{"a private run with the repo scope", runPath("secret", private), "ghp_repo", 200, ""},
		{"no token", runPath("infra", id), "", 401, "Requires authentication"},
		// Unlike the package routes, the Actions route answers a
		// fine-grained token (with actions:read).
		{"a fine-grained token", runPath("infra", id), "github_pat_finegrained0000", 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := f.do(t, http.MethodGet, tc.path, tc.token)
			if a.status != tc.status {
				t.Fatalf("GET %s: %d %s; want %d", tc.path, a.status, a.body, tc.status)
			}
			if tc.message != "" && a.message(t) != tc.message {
				t.Errorf("message %q, want %q", a.message(t), tc.message)
			}
		})
	}

	a := f.do(t, http.MethodGet, runPath("infra", id), tok)
	var run map[string]any
	if err := json.Unmarshal([]byte(a.body), &run); err != nil {
		t.Fatal(err)
	}
	repo, _ := run["repository"].(map[string]any)
	for k, want := range map[string]any{
		"id": float64(id), "name": "Clean up images", "path": ".github/workflows/cleanup.yml", "status": "completed",
		"conclusion": "success", "run_number": float64(562), "run_attempt": float64(1), "event": "schedule",
		"run_started_at": "2026-10-30T12:00:00Z", "updated_at": "2026-10-30T12:20:00Z", "created_at": "2026-10-30T12:00:00Z",
		"html_url": fmt.Sprintf("https://github.com/Octo-Org/infra/actions/runs/%d", id),
	} {
		if run[k] != want {
			t.Errorf("%s = %v, want %v", k, run[k], want)
		}
	}
	if repo["full_name"] != "Octo-Org/infra" || repo["private"] != false {
		t.Errorf("repository = %v", repo)
	}
	a = f.do(t, http.MethodGet, runPath("secret", private), "ghp_repo")
	if err := json.Unmarshal([]byte(a.body), &run); err != nil || run["conclusion"] != nil || run["status"] != "in_progress" {
		t.Errorf("a run in progress: %v %v; want status in_progress and a null conclusion", err, run)
	}

	// Faults are scripted per operation, as on every route.
	f.srv.Script(api.OpGetWorkflowRun, apitest.ServerError)
	if a := f.do(t, http.MethodGet, runPath("infra", id), tok); a.status != 500 {
		t.Errorf("scripted 500: got %d", a.status)
	}

	// The log names the operation.
	reqs := f.srv.Requests()
	last := reqs[len(reqs)-1]
	if last.Op != api.OpGetWorkflowRun || last.Route != "actions/get-workflow-run" || last.RawPath != runPath("infra", id) {
		t.Errorf("logged %+v", last)
	}

	// A run id that is not a number: 404, and recorded as a request the
	// description does not allow.
	if a := f.do(t, http.MethodGet, "/repos/octo-org/infra/actions/runs/abc", tok); a.status != 404 && a.status != 422 {
		t.Errorf("non-numeric run id: %d", a.status)
	}
	if v := f.srv.TakeViolations(); len(v) != 1 || v[0].Response {
		t.Errorf("violations %v; want the one bad request", v)
	}
}
