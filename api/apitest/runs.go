package apitest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/ghpackages/restore/api"
)

// GitHub Actions workflow runs: the window of a cleanup run, for "undo run
// N" (GITHUB.md, evidence of 2026-12-03: GET
// /repos/{owner}/{repo}/actions/runs/{run_id} gives run_started_at and
// updated_at).

// WorkflowRunSeed describes a workflow run for AddWorkflowRun. Zero fields
// take the defaults named.
type WorkflowRunSeed struct {
	// ID is the run's id (default: the next free one, from 30433642 up).
	ID int64
	// Name is the workflow's name (default "Clean up packages"); Path its
	// file (default ".github/workflows/cleanup.yml").
	Name, Path string
	// Event is what triggered the run (default "schedule").
	Event string
	// Status is "queued", "in_progress" or "completed" (the default);
	// Conclusion defaults to "success" for a completed run and is null
	// otherwise.
	Status, Conclusion string
	// RunNumber (default 1) and RunAttempt (default 1).
	RunNumber, RunAttempt int
	// StartedAt is run_started_at (default: the clock's now); CreatedAt
	// defaults to StartedAt, UpdatedAt (about when a finished run ended) to
	// StartedAt.
	StartedAt, CreatedAt, UpdatedAt time.Time
	// Private makes the repository private: a classic token needs the repo
	// scope to read its runs, and without it the run answers 404, as GitHub
	// hides what a token may not see.
	Private bool
}

// runKey names a run: lower-case OWNER/REPO and the id.
type runKey struct {
	repo string
	id   int64
}

// workflowRun is a seeded run and the repository it ran in.
type workflowRun struct {
	owner, repo string // as seeded
	seed        WorkflowRunSeed
}

// workflowRuns are the seeded runs; guarded by Server.mu.
type workflowRuns struct {
	byKey  map[runKey]*workflowRun
	nextID int64
}

// AddWorkflowRun seeds a GitHub Actions workflow run of the repository
// owner/repo, with run's defaults filled in, and returns its id. The
// repository needs no other seeding. A run with the id of an earlier one
// of the same repository replaces it.
func (s *Server) AddWorkflowRun(owner, repo string, run WorkflowRunSeed) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runs.byKey == nil {
		s.runs.byKey = map[runKey]*workflowRun{}
		s.runs.nextID = 30433642
	}
	if run.ID <= 0 {
		run.ID = s.runs.nextID
	}
	s.runs.nextID = max(s.runs.nextID, run.ID+1)
	if run.Name == "" {
		run.Name = "Clean up packages"
	}
	if run.Path == "" {
		run.Path = ".github/workflows/cleanup.yml"
	}
	if run.Event == "" {
		run.Event = "schedule"
	}
	if run.Status == "" {
		run.Status = "completed"
	}
	if run.Conclusion == "" && run.Status == "completed" {
		run.Conclusion = "success"
	}
	if run.RunNumber <= 0 {
		run.RunNumber = 1
	}
	if run.RunAttempt <= 0 {
		run.RunAttempt = 1
	}
	if run.StartedAt.IsZero() {
		run.StartedAt = s.clock.Now()
	}
	if run.CreatedAt.IsZero() {
		run.CreatedAt = run.StartedAt
	}
	if run.UpdatedAt.IsZero() {
		run.UpdatedAt = run.StartedAt
	}
	k := runKey{strings.ToLower(owner + "/" + repo), run.ID}
	s.runs.byKey[k] = &workflowRun{owner: owner, repo: repo, seed: run}
	return run.ID
}

// workflowRunPath is the route's path under the server's base path.
const workflowRunPath = "/repos/{owner}/{repo}/actions/runs/{run_id}"

// handleWorkflowRuns routes GET /repos/{owner}/{repo}/actions/runs/{run_id}
// (api.OpGetWorkflowRun). The route has no package owner; it is served as
// the others are (faults, validation of the request and the answer, the
// request log, rate limits), with its own path parameters.
func (s *Server) handleWorkflowRuns(mux *http.ServeMux) error {
	op := api.OpGetWorkflowRun
	if s.routes[op.ID("")] == nil {
		return fmt.Errorf("apitest: the description has no operation %q", op.ID(""))
	}
	mux.HandleFunc("GET "+s.prefix()+workflowRunPath, func(w http.ResponseWriter, r *http.Request) {
		c := &call{r: r, at: arrival(r, s.clock), op: op, route: op.ID(""), params: map[string]string{}, apiVersion: apiV2022}
		for _, p := range []string{"owner", "repo", "run_id"} {
			c.params[p] = r.PathValue(p)
		}
		c.input = &openapi3filter.RequestValidationInput{
			Request: r, PathParams: c.params, Route: s.routes[c.route],
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		}
		if f, ok := s.nextFault(op); ok {
			s.applyFault(w, c, f, s.getWorkflowRun)
			return
		}
		rep := s.withStdHeaders(c, s.respond(c, s.getWorkflowRun))
		s.validateReply(c, rep)
		s.log(c, rep.status)
		s.write(w, rep)
	})
	return nil
}

const docsWorkflowRuns = "https://docs.github.com/rest/actions/workflow-runs#get-a-workflow-run"

// getWorkflowRun answers a seeded run as GitHub's workflow-run object; 404
// `Not Found` for an unknown run, or a private repository's run to a classic
// token without the repo scope. s.mu is held.
func (s *Server) getWorkflowRun(c *call) reply {
	id, _ := strconv.ParseInt(c.params["run_id"], 10, 64)
	wr := s.runs.byKey[runKey{strings.ToLower(c.params["owner"] + "/" + c.params["repo"]), id}]
	if wr == nil || (wr.seed.Private && !slices.Contains(c.token.Scopes, "repo")) {
		return errReply(http.StatusNotFound, "Not Found", docsWorkflowRuns)
	}
	return jsonReply(http.StatusOK, s.workflowRunJSON(c, wr))
}

// workflowRunJSON is a run as GitHub writes it: every field the
// description requires, with the repository as a minimal-repository.
func (s *Server) workflowRunJSON(c *call, wr *workflowRun) map[string]any {
	run := wr.seed
	full := wr.owner + "/" + wr.repo
	base := s.linkBase(c.r) + "/repos/" + url.PathEscape(wr.owner) + "/" + url.PathEscape(wr.repo)
	runURL := base + "/actions/runs/" + strconv.FormatInt(run.ID, 10)
	var conclusion any
	if run.Conclusion != "" {
		conclusion = run.Conclusion
	}
	repo := map[string]any{
		"id":          int64(700000) + int64(len(full)),
		"node_id":     "R_" + strconv.FormatInt(int64(len(full)), 36),
		"name":        wr.repo,
		"full_name":   full,
		"private":     run.Private,
		"description": nil,
		"fork":        false,
		"url":         base,
		"html_url":    "https://github.com/" + full,
		"owner":       s.userJSON(c, wr.owner),
	}
	for _, field := range s.doc.Components.Schemas["minimal-repository"].Value.Required {
		if _, set := repo[field]; !set && strings.HasSuffix(field, "_url") {
			repo[field] = base + "/" + strings.TrimSuffix(field, "_url")
		}
	}
	return map[string]any{
		"id":                   run.ID,
		"name":                 run.Name,
		"node_id":              "WFR_" + strconv.FormatInt(run.ID, 36),
		"head_branch":          "main",
		"head_sha":             "009b8a3a9ccbb128af87f9b1c0f4c62e8a304f6d",
		"path":                 run.Path,
		"display_title":        run.Name,
		"run_number":           run.RunNumber,
		"run_attempt":          run.RunAttempt,
		"event":                run.Event,
		"status":               run.Status,
		"conclusion":           conclusion,
		"workflow_id":          161335,
		"url":                  runURL,
		"html_url":             "https://github.com/" + full + "/actions/runs/" + strconv.FormatInt(run.ID, 10),
		"pull_requests":        []any{},
		"created_at":           run.CreatedAt.UTC().Format(time.RFC3339),
		"updated_at":           run.UpdatedAt.UTC().Format(time.RFC3339),
		"run_started_at":       run.StartedAt.UTC().Format(time.RFC3339),
		"jobs_url":             runURL + "/jobs",
		"logs_url":             runURL + "/logs",
		"check_suite_url":      base + "/check-suites/" + strconv.FormatInt(run.ID+1, 10),
		"artifacts_url":        runURL + "/artifacts",
		"cancel_url":           runURL + "/cancel",
		"rerun_url":            runURL + "/rerun",
		"workflow_url":         base + "/actions/workflows/161335",
		"head_commit":          nil,
		"repository":           repo,
		"head_repository":      repo,
		"referenced_workflows": []any{},
	}
}
