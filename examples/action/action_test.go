package action_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// The action's steps run against in-process fakes (apitest's GitHub and
// registry), with the tool and the glue built once by the action's own
// build step.

const token = "ghp_actionTestTokenactionTestToken012345"

var (
	act        *actionFile
	actionPath string // examples/action, absolute
	runnerTemp string // RUNNER_TEMP shared by the cases: the build's output
)

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// setup runs the action's build step once (with the test's Go), then the
// tests.
func setup(m *testing.M) (int, error) {
	var err error
	if actionPath, err = filepath.Abs("."); err != nil {
		return 0, err
	}
	if act, err = loadAction("action.yml"); err != nil {
		return 0, err
	}
	if runnerTemp, err = os.MkdirTemp("", "runner-temp-"); err != nil {
		return 0, err
	}
	defer os.RemoveAll(runnerTemp)
	r := &runner{act: act, github: map[string]string{"action_path": actionPath}, temp: runnerTemp, files: runnerTemp, workspace: runnerTemp, outputs: map[string]map[string]string{}}
	i := slices.IndexFunc(act.Runs.Steps, func(s step) bool { return s.ID == "build" })
	if i < 0 {
		return 0, fmt.Errorf("action.yml has no step with id build")
	}
	if err := r.runStep(act.Runs.Steps[i]); err != nil || r.exitStatus != 0 {
		return 0, fmt.Errorf("the build step failed (%v, exit %d):\n%s", err, r.exitStatus, r.log.String())
	}
	code := m.Run()
	if err := goleak.Find(); code == 0 && err != nil {
		return 1, err
	}
	return code, nil
}

type fakes struct {
	gh  *apitest.Server
	reg *apitest.Registry
}

// newFakes starts a fake GitHub with organization octo-org and a classic
// token that may restore, and a fake registry beside it.
func newFakes(t *testing.T) *fakes {
	t.Helper()
	gh := apitest.New(t)
	gh.AddOrg("octo-org")
	gh.AddToken(apitest.Token{Value: token, Kind: api.TokenClassic, User: "mona", Scopes: []string{"repo", "read:packages", "write:packages", "delete:packages"}})
	return &fakes{gh: gh, reg: apitest.NewRegistry(t, gh)}
}

// run runs the action with the workflow's with: inputs, in a fresh
// workspace.
func (f *fakes) run(t *testing.T, inputs map[string]string) *runner {
	t.Helper()
	r := &runner{
		act:       act,
		github:    map[string]string{"token": token, "api_url": f.gh.URL, "action_path": actionPath, "repository_owner": "octo-org"},
		inputs:    inputs,
		temp:      runnerTemp,
		files:     t.TempDir(),
		workspace: t.TempDir(),
		skip:      map[string]bool{"build": true},
	}
	r.run(t)
	checkNoLeak(t, r)
	return r
}

// checkNoLeak: the token is masked first, and appears nowhere else: not in
// the log, the outputs or the summary.
func checkNoLeak(t *testing.T, r *runner) {
	t.Helper()
	log := r.log.String()
	mask := "::add-mask::" + token + "\n"
	if !strings.HasPrefix(log, mask) {
		t.Errorf("the log does not begin by masking the token:\n%s", firstLines(log, 3))
	}
	rest := strings.Replace(log, mask, "", 1)
	for name, v := range r.actionOutputs(t) {
		rest += "\n" + name + "=" + v
	}
	if strings.Contains(rest+r.summary.String(), token) {
		t.Errorf("the token appears in the log, an output or the summary")
	}
}

func firstLines(s string, n int) string {
	l := strings.SplitN(s, "\n", n+1)
	return strings.Join(l[:min(n, len(l))], "\n")
}

// planIDs reads the version ids of the plan output.
func planIDs(t *testing.T, plan string) []int64 {
	t.Helper()
	var p struct{ Items []struct{ ID int64 } }
	if err := json.Unmarshal([]byte(plan), &p); err != nil {
		t.Fatalf("plan output %q: %v", plan, err)
	}
	var ids []int64
	for _, it := range p.Items {
		ids = append(ids, it.ID)
	}
	slices.Sort(ids)
	return ids
}

func report(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("report output %q: %v", s, err)
	}
	return m
}

func wantExit(t *testing.T, r *runner, code int) {
	t.Helper()
	if r.exitStatus != code {
		t.Fatalf("exit status %d (step %q), want %d\nlog:\n%s\nsummary:\n%s", r.exitStatus, r.failedStep, code, r.log.String(), r.summary.String())
	}
}

func wantSummary(t *testing.T, r *runner, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.summary.String(), p) {
			t.Errorf("the job summary lacks %q:\n%s", p, r.summary.String())
		}
	}
}

func writes(f *fakes) []string {
	var out []string
	for _, r := range f.gh.Requests() {
		if r.Method != http.MethodGet {
			out = append(out, r.Method+" "+r.RawPath)
		}
	}
	return out
}

func digest(n int) string { return fmt.Sprintf("sha256:%064x", n) }

// TestDryRun: by default the action plans and changes nothing; the plan
// output lists the versions deleted in the window, and the summary shows
// them in a table.
func TestDryRun(t *testing.T) {
	f := newFakes(t)
	now := time.Now().UTC()
	ids := seedPackage(t, f.gh, orgPkg("octo-org", api.PackageTypeContainer, "team/app"), apitest.PackageSeed{Versions: []apitest.VersionSeed{
		{Name: digest(1), Tags: []string{"latest"}, CreatedAt: now.Add(-40 * time.Hour)},
		{Name: digest(2), CreatedAt: now.Add(-30 * time.Hour), DeletedAt: now.Add(-72 * time.Hour)},
		{Name: digest(3), Tags: []string{"v1"}, CreatedAt: now.Add(-30 * time.Hour), DeletedAt: now.Add(-90 * time.Minute)},
		{Name: digest(4), CreatedAt: now.Add(-30 * time.Hour), DeletedAt: now.Add(-80 * time.Minute)},
		{Name: digest(5), CreatedAt: now.Add(-30 * time.Hour), DeletedAt: now.Add(-70 * time.Minute)},
	}})
	r := f.run(t, map[string]string{"package": "team/app", "deleted-since": now.Add(-2 * time.Hour).Format(time.RFC3339)})
	wantExit(t, r, 0)
	out := r.actionOutputs(t)
	if got, want := planIDs(t, out["plan"]), ids[2:5]; !slices.Equal(got, want) {
		t.Errorf("plan ids %v, want %v", got, want)
	}
	if out["restored"] != "" || out["failed"] != "" || out["broken"] != "" {
		t.Errorf("a dry run restored %q, failed %q, broken %q", out["restored"], out["failed"], out["broken"])
	}
	if rep := report(t, out["report"]); rep["event"] != "summary" || rep["applied"] != false || rep["exit_code"] != float64(0) {
		t.Errorf("report %v", rep)
	}
	wantSummary(t, r, "Dry run: nothing changed", "### Plan: 3 versions in 1 package", "| Package | Version id | Name | Tags | Deleted at | Days left |")
	for _, id := range ids[2:5] {
		wantSummary(t, r, fmt.Sprintf("| <code>octo-org/container/team/app</code> | %d |", id))
	}
	if w := writes(f); len(w) != 0 {
		t.Errorf("a dry run sent %v", w)
	}
}

// TestApplyImageRepair restores the platforms a cleanup deleted from a
// multi-arch image, verifies it, and shows the outcome per platform.
func TestApplyImageRepair(t *testing.T) {
	f := newFakes(t)
	seedIndex(t, f.reg, orgPkg("octo-org", api.PackageTypeContainer, "team/web"), apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64", "linux/arm64"}})
	deleted := deleteUntagged(t, f.reg, orgPkg("octo-org", api.PackageTypeContainer, "team/web"))
	if len(deleted) != 2 {
		t.Fatalf("deleted %v", deleted)
	}
	r := f.run(t, map[string]string{"package": "team/web", "images": "v1", "dry-run": "false", "verify": "true", "registry-url": f.reg.URL})
	wantExit(t, r, 0)
	for _, id := range deleted {
		if v, ok := f.gh.LookupVersion(orgPkg("octo-org", api.PackageTypeContainer, "team/web"), id); !ok || v.DeletedAt != nil {
			t.Errorf("version %d is still deleted", id)
		}
	}
	out := r.actionOutputs(t)
	restored := strings.Split(out["restored"], ",")
	slices.Sort(restored)
	var versions []string
	for _, id := range deleted {
		versions = append(versions, fmt.Sprintf("octo-org/container/team/web@%d", id))
	}
	slices.Sort(versions)
	if img := f.reg.Host + "/octo-org/team/web:v1"; !slices.Equal(restored, versions) && !slices.Equal(restored, []string{img}) {
		t.Errorf("restored %q; want the versions %q or the image %s", out["restored"], versions, img)
	}
	if out["failed"] != "" || out["broken"] != "" {
		t.Errorf("failed %q, broken %q", out["failed"], out["broken"])
	}
	if rep := report(t, out["report"]); rep["applied"] != true || rep["mode"] != "image" {
		t.Errorf("report %v", rep)
	}
	wantSummary(t, r, "**Applied.**", "### Images, per platform", "<code>linux/amd64</code>", "<code>linux/arm64</code>", "✅ yes")
}

// TestUndoRun plans exactly what the cleanup run deleted (7 of 30 deleted
// versions, in 4 of 6 packages); a run that does not exist is not found,
// exit status 3.
func TestUndoRun(t *testing.T) {
	f := newFakes(t)
	runStart := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
	runEnd := runStart.Add(20 * time.Minute)
	inside := map[int][]time.Time{0: {runStart, runStart.Add(time.Minute)}, 2: {runStart.Add(5 * time.Minute), runEnd}, 3: {runEnd.Add(time.Minute)}, 5: {runStart.Add(-time.Minute), runStart.Add(19 * time.Minute)}}
	outside := []time.Time{runStart.Add(-api.RunWindowMargin - time.Second), runEnd.Add(api.RunWindowMargin + time.Second), runStart.Add(-24 * time.Hour), runEnd.Add(time.Hour), runStart.Add(-3 * 24 * time.Hour)}
	var want []int64
	n := 0
	for i := range 6 {
		var vs []apitest.VersionSeed
		for _, at := range inside[i] {
			n++
			vs = append(vs, apitest.VersionSeed{Name: digest(n), CreatedAt: runStart.Add(-48 * time.Hour), DeletedAt: at})
		}
		for _, at := range outside[:5-len(inside[i])] {
			n++
			vs = append(vs, apitest.VersionSeed{Name: digest(n), CreatedAt: runStart.Add(-48 * time.Hour), DeletedAt: at})
		}
		ids := seedPackage(t, f.gh, orgPkg("octo-org", api.PackageTypeContainer, fmt.Sprintf("svc-%d", i)), apitest.PackageSeed{Versions: vs})
		want = append(want, ids[:len(inside[i])]...)
	}
	slices.Sort(want)
	id := f.gh.AddWorkflowRun("octo-org", "infra", apitest.WorkflowRunSeed{Name: "Clean up images", StartedAt: runStart, UpdatedAt: runEnd})

	r := f.run(t, map[string]string{"undo-run": fmt.Sprintf("https://github.com/octo-org/infra/actions/runs/%d", id)})
	wantExit(t, r, 0)
	out := r.actionOutputs(t)
	if got := planIDs(t, out["plan"]); len(want) != 7 || !slices.Equal(got, want) {
		t.Errorf("plan ids %v, want the 7 the run deleted %v", got, want)
	}
	if rep := report(t, out["report"]); rep["mode"] != "undo-run" {
		t.Errorf("report %v", rep)
	}
	wantSummary(t, r, "### Plan: 7 versions in 4 packages")
	if w := writes(f); len(w) != 0 {
		t.Errorf("a dry run sent %v", w)
	}

	r = f.run(t, map[string]string{"undo-run": fmt.Sprintf("octo-org/infra/%d", id+1)})
	wantExit(t, r, 3)
	if rep := report(t, r.actionOutputs(t)["report"]); rep["exit_code"] != float64(3) {
		t.Errorf("report %v; want exit_code 3", rep)
	}
}

// TestDoctor checks every container package: the broken images are in the
// broken output and the summary, and exit-status fails the job.
func TestDoctor(t *testing.T) {
	f := newFakes(t)
	// An image is named by tag or by its index's digest.
	var byTag, byDigest []string
	for _, name := range []string{"team/web", "team/api", "tools/lint"} {
		img := seedIndex(t, f.reg, orgPkg("octo-org", api.PackageTypeContainer, name), apitest.ImageSpec{Tags: []string{"v1"}, Salt: name})
		if name != "team/api" {
			deleteUntagged(t, f.reg, orgPkg("octo-org", api.PackageTypeContainer, name))
			byTag = append(byTag, f.reg.Host+"/octo-org/"+name+":v1")
			byDigest = append(byDigest, f.reg.Host+"/octo-org/"+name+"@"+img.Index.Digest)
		}
	}
	r := f.run(t, map[string]string{"broken": "true", "exit-status": "true", "registry-url": f.reg.URL})
	wantExit(t, r, 1)
	out := r.actionOutputs(t)
	broken := strings.Split(out["broken"], ",")
	slices.Sort(broken)
	want := byTag
	if !slices.Equal(broken, byTag) {
		want = byDigest
	}
	if !slices.Equal(broken, want) {
		t.Errorf("broken %q, want %q or %q", out["broken"], byTag, byDigest)
	}
	if rep := report(t, out["report"]); rep["mode"] != "doctor" || rep["applied"] != false || rep["exit_code"] != float64(1) {
		t.Errorf("report %v", rep)
	}
	wantSummary(t, r, "### Broken images (2)", "<code>"+want[0]+"</code>", "<code>"+want[1]+"</code>")
	if w := writes(f); len(w) != 0 {
		t.Errorf("the doctor sent %v", w)
	}
}

// TestHostileInputsAreData: quotes, $(…), backticks and a line break in a
// package name or tag reach the tool as one argument each: no command runs,
// no flag is injected, nothing is sent, and the tool reports the literal
// value.
func TestHostileInputsAreData(t *testing.T) {
	f := newFakes(t)
	name := "team/app\"; $(touch PWNED) `touch PWNED` 'x\n--apply"
	r := f.run(t, map[string]string{"package": name, "tags": "$(touch PWNED)"})
	wantExit(t, r, 2)
	for _, dir := range []string{r.workspace, r.files, runnerTemp, actionPath, "."} {
		if _, err := os.Stat(filepath.Join(dir, "PWNED")); err == nil {
			t.Errorf("PWNED was created in %s: an input ran as shell", dir)
		}
	}
	if reqs := f.gh.Requests(); len(reqs) != 0 {
		t.Errorf("a refused input sent %d requests", len(reqs))
	}
	// The tool's own words (not the glue's command line) quote the value.
	var tool []string
	for _, l := range strings.Split(r.log.String(), "\n") {
		if !strings.HasPrefix(l, "restore --") {
			tool = append(tool, l)
		}
	}
	if text := strings.Join(tool, "\n") + r.actionOutputs(t)["report"]; !strings.Contains(text, "$(touch PWNED)") {
		t.Errorf("the tool did not report the literal value:\n%s", text)
	}
}

// Seeding by api.Package, failing the test on a seeding error.

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

func seedIndex(t testing.TB, reg *apitest.Registry, pkg api.Package, spec apitest.ImageSpec) apitest.SeededImage {
	t.Helper()
	img, err := reg.SeedIndexFor(pkg, spec)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func deleteUntagged(t testing.TB, reg *apitest.Registry, pkg api.Package) []int64 {
	t.Helper()
	ids, err := reg.DeleteUntaggedChildrenOf(pkg)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}
