package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ghpackages/restore/gen"
)

// Undoing a cleanup run: cleanups of GitHub Packages run in GitHub Actions,
// and what their users ask for is "restore what that run deleted". A
// workflow run gives the window; a sweep of the owner's packages over that
// window finds what the run deleted.

// RunRef names one GitHub Actions workflow run: the repository it ran in and
// its id.
type RunRef struct {
	Owner string `json:"owner"`
	Repo  string `json:"repo"`
	ID    int64  `json:"run_id"`
}

// String returns OWNER/REPO/RUN_ID, the form ParseRunRef reads.
func (r RunRef) String() string { return r.Owner + "/" + r.Repo + "/" + strconv.FormatInt(r.ID, 10) }

var (
	// runOwnerRE is GitHub's login grammar: letters, digits and inner
	// hyphens, at most 39 characters.
	runOwnerRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$`)
	// runRepoRE is GitHub's repository name grammar.
	runRepoRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
)

// Validate checks the owner, the repository and the id, with a
// *ValidationError naming the field.
func (r RunRef) Validate() error {
	switch {
	case !runOwnerRE.MatchString(r.Owner):
		return &ValidationError{Field: "run owner", Value: r.Owner, Reason: "is not a GitHub login (letters, digits and inner hyphens, at most 39)"}
	case !runRepoRE.MatchString(r.Repo) || r.Repo == "." || r.Repo == "..":
		return &ValidationError{Field: "run repository", Value: r.Repo, Reason: "is not a repository name (letters, digits, '.', '_', '-', at most 100)"}
	case r.ID <= 0:
		return &ValidationError{Field: "run id", Value: strconv.FormatInt(r.ID, 10), Reason: "must be a positive number"}
	}
	return nil
}

// ParseRunRef reads a workflow run given as OWNER/REPO/RUN_ID or as the
// run's web address (https://HOST/OWNER/REPO/actions/runs/RUN_ID, with or
// without a trailing /attempts/N or /job/N, as the Actions page shows it).
// The host of an address is not checked: GitHub Enterprise Server and
// GHE.com runs have their own.
func ParseRunRef(s string) (RunRef, error) {
	in := strings.TrimSpace(s)
	path := in
	if strings.Contains(in, "://") {
		u, err := url.Parse(in)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return RunRef{}, &ValidationError{Field: "run", Value: s, Reason: "is not OWNER/REPO/RUN_ID or a run's https:// address"}
		}
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		if len(parts) < 5 || parts[2] != "actions" || parts[3] != "runs" {
			return RunRef{}, &ValidationError{Field: "run", Value: s, Reason: "is not a workflow run's address (…/OWNER/REPO/actions/runs/RUN_ID)"}
		}
		path = parts[0] + "/" + parts[1] + "/" + parts[4]
	}
	parts := strings.Split(path, "/")
	if len(parts) != 3 {
		return RunRef{}, &ValidationError{Field: "run", Value: s, Reason: "is not OWNER/REPO/RUN_ID or a run's https:// address"}
	}
	id, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return RunRef{}, &ValidationError{Field: "run id", Value: parts[2], Reason: "is not a number"}
	}
	r := RunRef{Owner: parts[0], Repo: parts[1], ID: id}
	if err := r.Validate(); err != nil {
		return RunRef{}, err
	}
	return r, nil
}

// WorkflowRun is what the SDK reads of a GitHub Actions workflow run: enough
// to name it in a plan and to give the window in which it ran.
type WorkflowRun struct {
	Ref RunRef `json:"ref"`
	// Name is the workflow's name ("Clean up images"); WorkflowPath its file
	// (.github/workflows/cleanup.yml).
	Name         string    `json:"name,omitempty"`
	WorkflowPath string    `json:"workflow_path,omitempty"`
	DisplayTitle string    `json:"display_title,omitempty"`
	RunNumber    int       `json:"run_number"`
	RunAttempt   int       `json:"run_attempt,omitempty"`
	Event        string    `json:"event,omitempty"`
	Status       string    `json:"status,omitempty"`
	Conclusion   string    `json:"conclusion,omitempty"`
	HTMLURL      string    `json:"html_url,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	// StartedAt is run_started_at: when the (latest attempt of the) run
	// started. GitHub may omit it; CreatedAt stands in then.
	StartedAt time.Time `json:"run_started_at"`
	// UpdatedAt is the run's last update: for a finished run, about when it
	// ended.
	UpdatedAt time.Time `json:"updated_at"`
}

// RunWindowMargin widens a run's window on both sides in Window: clocks and
// the run's own timestamps are only roughly aligned with the deleted_at
// GitHub records on each version.
const RunWindowMargin = 2 * time.Minute

// Window returns the window of time in which the run could have deleted
// versions: from its start to its last update, widened by margin on both
// sides (a negative margin counts as 0). A run still in progress ends at
// its last update too; undo it once it has finished.
func (r WorkflowRun) Window(margin time.Duration) (since, until time.Time) {
	margin = max(margin, 0)
	start := r.StartedAt
	if start.IsZero() {
		start = r.CreatedAt
	}
	end := r.UpdatedAt
	if end.Before(start) {
		end = start
	}
	return start.Add(-margin), end.Add(margin)
}

// Sweep is the sweep that undoes the run: the owner's packages of type typ,
// for the versions deleted within Window(RunWindowMargin). Set Names,
// Packages or Concurrency on it as needed, then Client.MakeSweepPlan.
func (r WorkflowRun) Sweep(owner Owner, typ PackageType) Sweep {
	since, until := r.Window(RunWindowMargin)
	return Sweep{Owner: owner, Type: typ, DeletedSince: since, DeletedUntil: until}
}

// Finished reports whether GitHub says the run has completed.
func (r WorkflowRun) Finished() bool { return r.Status == "completed" }

// WorkflowRun reads a GitHub Actions workflow run.
//
// GET /repos/{owner}/{repo}/actions/runs/{run_id}
// (https://docs.github.com/rest/actions/workflow-runs#get-a-workflow-run).
//
// A run that does not exist, or that the token cannot see, answers 404: the
// error matches ErrNotFound. Reading a private repository's runs needs the
// repo scope (a classic token) or actions:read.
func (c *Client) WorkflowRun(ctx context.Context, ref RunRef) (WorkflowRun, error) {
	if err := ref.Validate(); err != nil {
		return WorkflowRun{}, err
	}
	op := OpGetWorkflowRun.ID("")
	cctx, st := newCall(ctx)
	resp, err := c.send(cctx, http.MethodGet, c.workflowRunURL(ref))
	if err != nil {
		return WorkflowRun{}, c.sendError(op, err)
	}
	if resp.StatusCode != http.StatusOK {
		err := c.errorFrom(OpGetWorkflowRun, "", resp, st, "")
		if e, ok := err.(*Error); ok {
			e.Hint = runHint(e, ref)
		}
		return WorkflowRun{}, err
	}
	var g gen.WorkflowRun
	if err := c.decode(op, resp, &g); err != nil {
		return WorkflowRun{}, err
	}
	return workflowRunFrom(ref, &g), nil
}

// runHint says what to do about a failed read of a workflow run.
func runHint(e *Error, ref RunRef) string {
	switch e.StatusCode {
	case http.StatusNotFound:
		return fmt.Sprintf("no run %d in %s/%s that this token can see: check the run's address, and that the token can read the repository (repo scope, or actions:read)", ref.ID, ref.Owner, ref.Repo)
	case http.StatusUnauthorized:
		return "the token was refused: check GH_TOKEN or GITHUB_TOKEN"
	case http.StatusForbidden:
		return fmt.Sprintf("the token may not read %s/%s's workflow runs: it needs the repo scope (classic token) or actions:read", ref.Owner, ref.Repo)
	}
	return e.Hint
}

func workflowRunFrom(ref RunRef, g *gen.WorkflowRun) WorkflowRun {
	r := WorkflowRun{
		Ref:          ref,
		WorkflowPath: g.Path,
		DisplayTitle: g.DisplayTitle,
		RunNumber:    g.RunNumber,
		Event:        g.Event,
		HTMLURL:      g.HTMLURL,
		CreatedAt:    g.CreatedAt,
		UpdatedAt:    g.UpdatedAt,
	}
	if g.Name != nil {
		r.Name = *g.Name
	}
	if g.RunAttempt != nil {
		r.RunAttempt = *g.RunAttempt
	}
	if g.Status != nil {
		r.Status = *g.Status
	}
	if g.Conclusion != nil {
		r.Conclusion = *g.Conclusion
	}
	if g.RunStartedAt != nil {
		r.StartedAt = *g.RunStartedAt
	}
	return r
}

// workflowRunURL is {base}/repos/{owner}/{repo}/actions/runs/{run_id}.
func (c *Client) workflowRunURL(ref RunRef) string {
	var b strings.Builder
	b.Grow(len(c.baseStr) + len(ref.Owner) + len(ref.Repo) + 48)
	b.WriteString(c.baseStr)
	b.WriteString("/repos/")
	b.WriteString(url.PathEscape(ref.Owner))
	b.WriteByte('/')
	b.WriteString(url.PathEscape(ref.Repo))
	b.WriteString("/actions/runs/")
	b.WriteString(strconv.FormatInt(ref.ID, 10))
	return b.String()
}
