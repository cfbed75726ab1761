package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/gen"
)

func TestParseRunRef(t *testing.T) {
	for _, tc := range []struct {
		in    string
		want  api.RunRef
		field string // the *ValidationError's field, "" for success
	}{
		{"octo-org/app/123456", api.RunRef{Owner: "octo-org", Repo: "app", ID: 123456}, ""},
		{" octo-org/app.go/7 ", api.RunRef{Owner: "octo-org", Repo: "app.go", ID: 7}, ""},
		{"https://github.com/octo-org/app/actions/runs/123456", api.RunRef{Owner: "octo-org", Repo: "app", ID: 123456}, ""},
		{"https://github.com/octo-org/app/actions/runs/123456/attempts/2", api.RunRef{Owner: "octo-org", Repo: "app", ID: 123456}, ""},
		{"https://ghes.example.com/octo-org/app/actions/runs/9/job/77", api.RunRef{Owner: "octo-org", Repo: "app", ID: 9}, ""},
		{"https://github.com/octo-org/app/actions/runs/12?check_suite_focus=true#summary", api.RunRef{Owner: "octo-org", Repo: "app", ID: 12}, ""},
		{"https://github.com/octo-org/app/actions/runs/12/", api.RunRef{Owner: "octo-org", Repo: "app", ID: 12}, ""},
		{"https://github.com/octo-org/app/actions/runs/", api.RunRef{}, "run"},
		{"https://github.com/octo-org/app/actions/workflows/12", api.RunRef{}, "run"},
		{"", api.RunRef{}, "run"},
		{"octo-org/app", api.RunRef{}, "run"},
		{"octo-org/app/1/2", api.RunRef{}, "run"},
		{"octo-org/app/x", api.RunRef{}, "run id"},
		{"octo-org/app/0", api.RunRef{}, "run id"},
		{"octo-org/app/-4", api.RunRef{}, "run id"},
		{"-bad/app/1", api.RunRef{}, "run owner"},
		{"octo-org/../1", api.RunRef{}, "run repository"},
		{"octo-org/a b/1", api.RunRef{}, "run repository"},
		{"ftp://github.com/o/r/actions/runs/1", api.RunRef{}, "run"},
		{"https://github.com/octo-org/app/pull/12", api.RunRef{}, "run"},
		{"https://github.com/octo-org/app/actions/runs/1$(id)", api.RunRef{}, "run id"},
	} {
		got, err := api.ParseRunRef(tc.in)
		if tc.field == "" {
			if err != nil || got != tc.want {
				t.Errorf("ParseRunRef(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
			continue
		}
		var ve *api.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("ParseRunRef(%q) error = %v; want a *ValidationError on %q", tc.in, err, tc.field)
		}
	}
}

func TestWorkflowRunWindow(t *testing.T) {
	started := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name         string
		run          api.WorkflowRun
		margin       time.Duration
		since, until time.Time
	}{
		{"started and updated", api.WorkflowRun{StartedAt: started, CreatedAt: started.Add(-time.Minute), UpdatedAt: started.Add(5 * time.Minute)}, api.RunWindowMargin,
			started.Add(-api.RunWindowMargin), started.Add(5*time.Minute + api.RunWindowMargin)},
		{"no run_started_at: created_at stands in", api.WorkflowRun{CreatedAt: started, UpdatedAt: started.Add(time.Minute)}, api.RunWindowMargin,
			started.Add(-api.RunWindowMargin), started.Add(time.Minute + api.RunWindowMargin)},
		{"updated before started: the window is the start", api.WorkflowRun{StartedAt: started, UpdatedAt: started.Add(-time.Hour)}, api.RunWindowMargin,
			started.Add(-api.RunWindowMargin), started.Add(api.RunWindowMargin)},
		{"a negative margin counts as 0", api.WorkflowRun{StartedAt: started, UpdatedAt: started.Add(time.Minute)}, -time.Hour,
			started, started.Add(time.Minute)},
	} {
		since, until := tc.run.Window(tc.margin)
		if !since.Equal(tc.since) || !until.Equal(tc.until) {
			t.Errorf("%s: Window = %s .. %s; want %s .. %s", tc.name, since, until, tc.since, tc.until)
		}
	}
}

// runServer answers a workflow run's GET with body and status, recording
// the request.
type runServer struct {
	status int
	body   string
	got    []*http.Request
}

func (s *runServer) RoundTrip(req *http.Request) (*http.Response, error) {
	s.got = append(s.got, req)
	return &http.Response{StatusCode: s.status, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(s.body)), Request: req}, nil
}

func TestWorkflowRunReadsTheRunAtGeneratedRoute(t *testing.T) {
	ref := api.RunRef{Owner: "octo-org", Repo: "app", ID: 30433642}
	body := `{"id":30433642,"name":"Clean up images","path":".github/workflows/cleanup.yml","display_title":"nightly","run_number":562,"run_attempt":1,
	"event":"schedule","status":"completed","conclusion":"success","html_url":"https://github.example/octo-org/app/actions/runs/30433642",
	"created_at":"2026-11-30T02:59:00Z","run_started_at":"2026-11-30T03:00:00Z","updated_at":"2026-11-30T03:04:10Z"}`
	for _, base := range []string{"https://api.github.com", "https://ghes.example.com/api/v3"} {
		srv := &runServer{status: 200, body: body}
		c, err := api.New(api.WithBaseURL(base), api.WithToken(testToken), api.WithTransport(srv), api.WithoutRetry())
		if err != nil {
			t.Fatal(err)
		}
		run, err := c.WorkflowRun(context.Background(), ref)
		if err != nil {
			t.Fatal(err)
		}
		if len(srv.got) != 1 {
			t.Fatalf("%d requests, want 1", len(srv.got))
		}
		req := srv.got[0]
		want, err := gen.NewActionsGetWorkflowRunRequest(c.BaseURL()+"/", ref.Owner, ref.Repo, int(ref.ID), nil)
		if err != nil {
			t.Fatal(err)
		}
		if req.Method != http.MethodGet || req.URL.String() != want.URL.String() {
			t.Errorf("sent %s %s; want GET %s", req.Method, req.URL, want.URL)
		}
		if got := req.Header.Get("Authorization"); got != "Bearer "+testToken {
			t.Errorf("Authorization = %q", got)
		}
		if run.Name != "Clean up images" || run.WorkflowPath != ".github/workflows/cleanup.yml" || run.RunNumber != 562 || !run.Finished() ||
			!run.StartedAt.Equal(time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)) || !run.UpdatedAt.Equal(time.Date(2026, 11, 30, 3, 4, 10, 0, time.UTC)) || run.Ref != ref {
			t.Errorf("run = %+v", run)
		}
	}
}

func TestWorkflowRunErrors(t *testing.T) {
	ref := api.RunRef{Owner: "octo-org", Repo: "app", ID: 404}
	srv := &runServer{status: 404, body: `{"message":"Not Found","documentation_url":"https://docs.github.com/rest/actions/workflow-runs#get-a-workflow-run"}`}
	c, err := api.New(api.WithBaseURL("https://api.github.com"), api.WithToken(testToken), api.WithTransport(srv), api.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.WorkflowRun(context.Background(), ref)
	var e *api.Error
	if !errors.Is(err, api.ErrNotFound) || !errors.As(err, &e) || e.Op != "actions/get-workflow-run" || !strings.Contains(e.Hint, "no run 404 in octo-org/app") {
		t.Fatalf("err = %v (%#v); want ErrNotFound with the run named in the hint", err, e)
	}
	srv.got = nil
	if _, err := c.WorkflowRun(context.Background(), api.RunRef{Owner: "octo-org", Repo: "app"}); err == nil || len(srv.got) != 0 {
		t.Fatalf("a run without an id: err = %v after %d requests; want a validation error and nothing sent", err, len(srv.got))
	}
	if s := fmt.Sprint(ref); s != "octo-org/app/404" {
		t.Errorf("RunRef prints %q", s)
	}
}
