package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// seedRunCleanup gives org "o" six container packages of five deleted
// versions each (30 in all). The cleanup run went from runStart to runEnd;
// seven of the 30 were deleted inside the run's window (the run widened by
// api.RunWindowMargin) in four of the packages: at the margin's first
// second, during the run, and one second before the margin ends. The others
// were deleted just outside it, or days apart. It returns the seven, in plan
// order.
func seedRunCleanup(t *testing.T, srv *apitest.Server) []ref {
	t.Helper()
	m := api.RunWindowMargin
	inside := map[int][]time.Time{
		0: {runStart.Add(-m), runStart.Add(time.Minute)},
		2: {runStart.Add(5 * time.Minute), runEnd},
		3: {runEnd.Add(m - time.Second)},
		5: {runStart, runStart.Add(19 * time.Minute)},
	}
	outside := []time.Time{
		runStart.Add(-m - time.Second), // just before the margin
		runEnd.Add(m),                  // the window is [since, until)
		runStart.Add(-24 * time.Hour),
		runEnd.Add(3 * time.Hour),
		runStart.Add(-3 * 24 * time.Hour),
	}
	var want []ref
	n := 0
	for i := range 6 {
		name := fmt.Sprintf("svc-%d", i)
		var vs []apitest.VersionSeed
		for _, at := range inside[i] {
			n++
			vs = append(vs, apitest.VersionSeed{Name: digest(n), CreatedAt: start.Add(-20 * 24 * time.Hour), DeletedAt: at})
		}
		for _, at := range outside[:5-len(inside[i])] {
			n++
			vs = append(vs, apitest.VersionSeed{Name: digest(n), CreatedAt: start.Add(-20 * 24 * time.Hour), DeletedAt: at})
		}
		vs = append(vs, apitest.VersionSeed{Name: digest(1000 + i), Tags: []string{"latest"}, CreatedAt: start.Add(-time.Hour)})
		ids := seedPackage(t, srv, api.Package{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: name}, apitest.PackageSeed{Versions: vs})
		for k := range inside[i] {
			want = append(want, ref{name, ids[k]})
		}
	}
	if n != 30 {
		t.Fatalf("seeded %d deleted versions, want 30", n)
	}
	return want
}

// TestUndoRunPlansWhatTheRunDeleted is "undo run N" at the SDK level: the
// run's window, read from the fake's workflow run, selects exactly the 7 of
// the 30 deleted versions the run deleted, across 4 of the 6 packages.
func TestUndoRunPlansWhatTheRunDeleted(t *testing.T) {
	e := newSweepEnv(t, allScopes, nil)
	want := seedRunCleanup(t, e.srv)
	id := e.srv.AddWorkflowRun("o", "infra", apitest.WorkflowRunSeed{Name: "Clean up images", RunNumber: 562,
		CreatedAt: runStart.Add(-30 * time.Second), StartedAt: runStart, UpdatedAt: runEnd})
	e.srv.ResetRequests()

	ref := api.RunRef{Owner: "o", Repo: "infra", ID: id}
	run, err := e.c.WorkflowRun(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if run.Ref != ref || run.Name != "Clean up images" || run.RunNumber != 562 || !run.Finished() || run.Conclusion != "success" ||
		!run.StartedAt.Equal(runStart) || !run.UpdatedAt.Equal(runEnd) || run.WorkflowPath != ".github/workflows/cleanup.yml" {
		t.Fatalf("run = %+v", run)
	}
	reqs := e.srv.Requests()
	if len(reqs) != 1 || reqs[0].Method != http.MethodGet || reqs[0].RawPath != fmt.Sprintf("/repos/o/infra/actions/runs/%d", id) ||
		reqs[0].Route != "actions/get-workflow-run" || reqs[0].Op != api.OpGetWorkflowRun || reqs[0].Status != http.StatusOK ||
		reqs[0].Header.Get("Authorization") != "Bearer "+testToken || reqs[0].Header.Get("X-GitHub-Api-Version") == "" {
		t.Fatalf("requests %+v; want one GET of the run with the token and an API version", reqs)
	}

	since, until := run.Window(api.RunWindowMargin)
	sweep := run.Sweep(api.Org("o"), api.PackageTypeContainer)
	if want := (api.Sweep{Owner: api.Org("o"), Type: api.PackageTypeContainer, DeletedSince: since, DeletedUntil: until}); !reflect.DeepEqual(sweep, want) {
		t.Fatalf("run.Sweep = %+v, want %+v", sweep, want)
	}
	plan, err := e.c.MakeSweepPlan(context.Background(), sweep)
	if err != nil {
		t.Fatal(err)
	}
	if got := refsOf(plan); !slices.Equal(got, want) {
		t.Fatalf("plan items = %v\nwant the 7 versions deleted inside the run's window %v", got, want)
	}
	if n := len(plan.Packages()); n != 4 {
		t.Errorf("the plan touches %d packages, want 4", n)
	}
	if !plan.Selector.DeletedSince.Equal(runStart.Add(-api.RunWindowMargin)) || !plan.Selector.DeletedUntil.Equal(runEnd.Add(api.RunWindowMargin)) {
		t.Errorf("plan window %s .. %s, want the run's widened by %s", plan.Selector.DeletedSince, plan.Selector.DeletedUntil, api.RunWindowMargin)
	}
}

// TestWorkflowRunAgainstTheFake reads runs the fake serves and does not:
// an unknown run and a private repository's run without the repo scope are
// both 404, api.ErrNotFound, with the run named in the hint; with the repo
// scope the private run is read.
func TestWorkflowRunAgainstTheFake(t *testing.T) {
	for _, tc := range []struct {
		name     string
		scopes   []string
		private  bool
		ask      func(id int64) api.RunRef
		notFound bool
	}{
		{"a run", allScopes, false, func(id int64) api.RunRef { return api.RunRef{Owner: "o", Repo: "infra", ID: id} }, false},
		{"owner and repository in another case", allScopes, false, func(id int64) api.RunRef { return api.RunRef{Owner: "O", Repo: "Infra", ID: id} }, false},
		{"an unknown run id", allScopes, false, func(id int64) api.RunRef { return api.RunRef{Owner: "o", Repo: "infra", ID: id + 1} }, true},
		{"the run of another repository", allScopes, false, func(id int64) api.RunRef { return api.RunRef{Owner: "o", Repo: "web", ID: id} }, true},
		{"a private run without the repo scope", allScopes, true, func(id int64) api.RunRef { return api.RunRef{Owner: "o", Repo: "infra", ID: id} }, true},
		{"a private run with the repo scope", append([]string{"repo"}, allScopes...), true, func(id int64) api.RunRef { return api.RunRef{Owner: "o", Repo: "infra", ID: id} }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newSweepEnv(t, tc.scopes, nil)
			id := e.srv.AddWorkflowRun("o", "infra", apitest.WorkflowRunSeed{StartedAt: runStart, UpdatedAt: runEnd, Private: tc.private})
			ref := tc.ask(id)
			run, err := e.c.WorkflowRun(context.Background(), ref)
			if !tc.notFound {
				if err != nil || run.Ref != ref || !run.StartedAt.Equal(runStart) {
					t.Fatalf("WorkflowRun(%s) = %+v, %v", ref, run, err)
				}
				return
			}
			var ae *api.Error
			if !errors.Is(err, api.ErrNotFound) || !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound {
				t.Fatalf("WorkflowRun(%s) error = %v; want a 404 matching api.ErrNotFound", ref, err)
			}
			if wantHint := fmt.Sprintf("no run %d in %s/%s", ref.ID, ref.Owner, ref.Repo); !strings.Contains(ae.Hint, wantHint) {
				t.Errorf("hint %q lacks %q", ae.Hint, wantHint)
			}
			if got := e.srv.Requests(); len(got) != 1 || got[0].Status != http.StatusNotFound {
				t.Errorf("requests %+v; want one answered 404", got)
			}
		})
	}
}

// TestWorkflowRunRunningAndRetried: a run in progress is not finished and
// its window ends at its last update; a re-run's window starts at the
// latest attempt (run_started_at), not at the run's creation.
func TestWorkflowRunRunningAndRetried(t *testing.T) {
	e := newSweepEnv(t, allScopes, nil)
	running := e.srv.AddWorkflowRun("o", "infra", apitest.WorkflowRunSeed{Status: "in_progress", StartedAt: runStart, UpdatedAt: runStart.Add(time.Minute)})
	rerun := e.srv.AddWorkflowRun("o", "infra", apitest.WorkflowRunSeed{RunAttempt: 2, CreatedAt: runStart.Add(-24 * time.Hour), StartedAt: runStart, UpdatedAt: runEnd})
	r, err := e.c.WorkflowRun(context.Background(), api.RunRef{Owner: "o", Repo: "infra", ID: running})
	if err != nil {
		t.Fatal(err)
	}
	if r.Finished() || r.Status != "in_progress" || r.Conclusion != "" {
		t.Errorf("running run = %+v; want not finished, no conclusion", r)
	}
	if _, until := r.Window(0); !until.Equal(runStart.Add(time.Minute)) {
		t.Errorf("a running run's window ends %s, want its last update", until)
	}
	r, err = e.c.WorkflowRun(context.Background(), api.RunRef{Owner: "o", Repo: "infra", ID: rerun})
	if err != nil {
		t.Fatal(err)
	}
	if since, until := r.Window(api.RunWindowMargin); r.RunAttempt != 2 || !since.Equal(runStart.Add(-api.RunWindowMargin)) || !until.Equal(runEnd.Add(api.RunWindowMargin)) {
		t.Errorf("re-run attempt %d window %s .. %s; want from the latest attempt's start", r.RunAttempt, since, until)
	}
}
