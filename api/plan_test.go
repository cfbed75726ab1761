package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

func TestParsePlanRefusesWhatItCannotTrust(t *testing.T) {
	good := `{"schema":1,"base_url":"https://api.github.com","made_at":"2026-11-01T12:00:00Z","selector":{"all":true},` +
		`"items":[{"package":{"owner":{"org":"o"},"package_type":"npm","package_name":"p"},"id":7,"name":"1.0.0","deleted_at":"2026-10-30T12:00:00Z","days_left":28,"reasons":["all deleted versions"]}]}`
	p, err := api.ParsePlan([]byte(good))
	if err != nil {
		t.Fatalf("a good plan: %v", err)
	}
	if len(p.Items) != 1 || p.Items[0].Package.Owner != api.Org("o") || p.Items[0].ID != 7 {
		t.Errorf("plan = %+v", p)
	}
	tests := []struct{ name, json, field string }{
		{"not JSON", `hello`, "plan"},
		{"no schema", `{"base_url":"https://api.github.com"}`, "schema"},
		{"newer schema", strings.Replace(good, `"schema":1`, `"schema":2`, 1), "schema"},
		{"unknown field", strings.Replace(good, `"schema":1,`, `"schema":1,"frobs":3,`, 1), "plan"},
		{"no base url", strings.Replace(good, `"base_url":"https://api.github.com",`, ``, 1), "base_url"},
		{"no time", strings.Replace(good, `"made_at":"2026-11-01T12:00:00Z",`, ``, 1), "made_at"},
		{"bad id", strings.Replace(good, `"id":7`, `"id":-7`, 1), "package_version_id"},
		{"bad package", strings.Replace(good, `"package_name":"p"`, `"package_name":".."`, 1), "package_name"},
		// Apply selects with the selector after restoring a package whole:
		// a selector that selects nothing must fail before that restore.
		{"package restore with an empty selector", strings.Replace(good, `"selector":{"all":true},`,
			`"selector":{},"restore_packages":[{"owner":{"org":"o"},"package_type":"npm","package_name":"q"}],`, 1), "selector"},
		{"package restore with a bad tag glob", strings.Replace(good, `"selector":{"all":true},`,
			`"selector":{"tags":["["]},"restore_packages":[{"owner":{"org":"o"},"package_type":"npm","package_name":"q"}],`, 1), "tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := api.ParsePlan([]byte(tt.json))
			var ve *api.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field || !errors.Is(err, api.ErrInvalidInput) {
				t.Errorf("err = %v, want a validation error of %q", err, tt.field)
			}
		})
	}
}

func TestPlanAcrossPackagesRoundTripsAndApplies(t *testing.T) {
	e := newEnv(t, nil)
	other := api.Package{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: "team/worker"}
	a := e.deletedVersion(t, restorePkg, "sha256:a", nil, day)
	b := e.deletedVersion(t, other, "sha256:b", nil, 2*day)
	c := e.deletedVersion(t, restorePkg, "sha256:c", nil, 3*day)
	p1, err := e.c.MakePlan(context.Background(), restorePkg, api.Selector{All: true})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := e.c.MakePlan(context.Background(), other, api.Selector{All: true})
	if err != nil {
		t.Fatal(err)
	}
	p := p1
	p.Items = append(slices.Clone(p2.Items), p1.Items...)
	p.Sort()
	if p.Schema != api.PlanSchema || p.BaseURL != e.c.BaseURL() {
		t.Errorf("schema %d, base %q", p.Schema, p.BaseURL)
	}
	if got := p.Packages(); !slices.Equal(got, []api.Package{restorePkg, other}) {
		t.Errorf("packages = %v", got)
	}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := api.ParsePlan(data)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := json.Marshal(back); string(again) != string(data) {
		t.Errorf("round trip differs:\n%s\n%s", data, again)
	}
	if got := ids(back.Items); !slices.Equal(got, []int64{a, c, b}) && !slices.Equal(got, []int64{c, a, b}) {
		t.Errorf("items %v are not grouped by package", got)
	}
	rep, err := e.c.Apply(context.Background(), back, nil)
	if err != nil || rep.Restored != 3 || !rep.OK() {
		t.Fatalf("apply: %+v %v", rep, err)
	}
	for _, r := range rep.Results {
		if v, _ := e.srv.LookupVersion(r.Item.Package, r.Item.ID); v.DeletedAt != nil {
			t.Errorf("version %d of %s is still deleted", r.Item.ID, r.Item.Package)
		}
	}
}

// cutTransport forwards requests; on the cut-th POST it forwards it (the
// restore takes effect), then cancels the run and loses the answer, as a
// Ctrl-C during a restore does.
type cutTransport struct {
	cut, posts int
	cancel     context.CancelFunc
}

func (c *cutTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if r.Method == http.MethodPost {
		c.posts++
		if c.posts == c.cut {
			if err == nil {
				resp.Body.Close()
			}
			c.cancel()
			return nil, context.Canceled
		}
	}
	return resp, err
}

func TestInterruptedApplyResumesFromJournal(t *testing.T) {
	e := newEnv(t, nil)
	var want []int64
	for i := range 10 {
		want = append(want, e.deletedVersion(t, restorePkg, "sha256:"+strconv.Itoa(i), nil, day))
	}
	p, err := e.c.MakePlan(context.Background(), restorePkg, api.Selector{All: true})
	if err != nil || len(p.Items) != 10 {
		t.Fatalf("plan: %d items, %v", len(p.Items), err)
	}
	path := filepath.Join(t.TempDir(), "plan.journal")
	j, err := api.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cut := &cutTransport{cut: 4, cancel: cancel}
	c, err := api.New(api.WithBaseURL(e.srv.URL), api.WithToken(testToken), api.WithClock(e.clock), api.WithTransport(cut))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.Apply(ctx, p, &api.ApplyOptions{Journal: j})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if rep.Restored != 3 || len(rep.InFlight) != 1 || rep.InFlight[0].ID != p.Items[3].ID || len(rep.NotTried) != 6 || rep.OK() {
		t.Fatalf("report: restored %d, in flight %v, not tried %d", rep.Restored, ids(rep.InFlight), len(rep.NotTried))
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	// A new process: the journal is read again from the file.
	j, err = api.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if got, ok := j.Lookup(restorePkg, p.Items[3].ID); !ok || got.Outcome != api.OutcomeUnknown {
		t.Errorf("the version in flight is journaled as %q, %v; want unknown", got.Outcome, ok)
	}
	e.srv.ResetRequests()
	rep, err = e.c.Apply(context.Background(), p, &api.ApplyOptions{Journal: j})
	if err != nil || rep.Skipped != 3 || rep.Restored+rep.AlreadyActive != 7 || !rep.OK() {
		t.Fatalf("resume: %+v %v", rep, err)
	}
	for _, r := range e.srv.Requests() {
		for _, done := range p.Items[:3] {
			if r.Method == http.MethodPost && strings.Contains(r.RawPath, "/versions/"+strconv.FormatInt(done.ID, 10)+"/") {
				t.Errorf("the resume sent %s %s for a version already restored", r.Method, r.RawPath)
			}
		}
	}
	for _, id := range want {
		if v, _ := e.srv.LookupVersion(restorePkg, id); v.DeletedAt != nil {
			t.Errorf("version %d is still deleted", id)
		}
	}
}

func TestJournalToleratesATornLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	line, _ := json.Marshal(api.JournalEntry{Package: restorePkg, ID: 5, Outcome: api.OutcomeRestored, At: start})
	if err := os.WriteFile(path, append(append(line, '\n'), `{"package":{"ow`...), 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := api.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := j.Lookup(restorePkg, 5); !ok || got.Outcome != api.OutcomeRestored || j.Done() != 1 {
		out := got.Outcome
		t.Errorf("lookup = %q %v", out, ok)
	}
	j.Close()
	if err := os.WriteFile(path, []byte("garbage\n"+string(line)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := api.OpenJournal(path); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("a corrupt journal opened: %v", err)
	}
}

// A run that crashed mid-line, then a run that records more: the journal
// still opens, with every whole entry.
func TestJournalRecordsAfterATornLastLine(t *testing.T) {
	line, _ := json.Marshal(api.JournalEntry{Package: restorePkg, ID: 5, Outcome: api.OutcomeRestored, At: start})
	whole, _ := json.Marshal(api.JournalEntry{Package: restorePkg, ID: 6, Outcome: api.OutcomeRestored, At: start})
	for _, tc := range []struct {
		name string
		tail string
		ids  []int64 // recorded and readable after the second run
	}{
		{"torn entry", `{"package":{"ow`, []int64{5, 7}},
		{"entry without its newline", string(whole), []int64{5, 6, 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tail := tc.tail
			path := filepath.Join(t.TempDir(), "j")
			if err := os.WriteFile(path, append(append(line, '\n'), tail...), 0o600); err != nil {
				t.Fatal(err)
			}
			j, err := api.OpenJournal(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := j.Record(api.JournalEntry{Package: restorePkg, ID: 7, Outcome: api.OutcomeAlreadyActive, At: start}); err != nil {
				t.Fatal(err)
			}
			j.Close()
			j, err = api.OpenJournal(path)
			if err != nil {
				t.Fatalf("reopening after a record: %v", err)
			}
			defer j.Close()
			for _, id := range tc.ids {
				if got, ok := j.Lookup(restorePkg, id); !ok || !(got.Outcome == api.OutcomeRestored || got.Outcome == api.OutcomeAlreadyActive) {
					out := got.Outcome
					t.Errorf("lookup %d = %q %v", id, out, ok)
				}
			}
		})
	}
}

// A plan names version ids of the API it was made against: Apply on
// another API refuses it, and sends nothing.
func TestApplyRefusesAPlanForAnotherAPI(t *testing.T) {
	e := newEnv(t, nil)
	id := e.deletedVersion(t, restorePkg, "sha256:1", nil, day)
	p, err := e.c.MakePlan(context.Background(), restorePkg, api.Selector{IDs: []int64{id}})
	if err != nil || len(p.Items) != 1 {
		t.Fatalf("plan: %+v %v", p, err)
	}
	e.srv.ResetRequests()
	other := p
	other.BaseURL = "https://ghes.example.com/api/v3"
	var ve *api.ValidationError
	if _, err := e.c.Apply(context.Background(), other, nil); !errors.As(err, &ve) || ve.Field != "base_url" {
		t.Errorf("err = %v, want a validation error of base_url", err)
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("%d requests sent for a plan of another API", n)
	}
	p.BaseURL += "/"
	if rep, err := e.c.Apply(context.Background(), p, nil); err != nil || rep.Restored != 1 {
		t.Errorf("the plan's own API: %+v %v", rep, err)
	}
}

// A report in JSON keeps the errors of versions and of packages.
func TestReportJSONKeepsErrors(t *testing.T) {
	pkg := api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "lib"}
	rep := api.Report{
		Packages: []api.PackageResult{{Package: pkg, Outcome: api.OutcomeFailed, Err: errors.New("package boom")}, {Package: pkg, Outcome: api.OutcomeRestored}},
		Results:  []api.Result{{Item: api.PlanItem{Package: pkg, ID: 1}, Outcome: api.OutcomeFailed, Err: errors.New("version boom")}},
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"error":"package boom"`, `"error":"version boom"`, `"outcome":"restored"}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
}

// failingJournal fails its Record calls from the failAt-th on (from 1).
type failingJournal struct {
	records, failAt int
}

func (j *failingJournal) Lookup(api.Package, int64) (api.JournalEntry, bool) {
	return api.JournalEntry{}, false
}

func (j *failingJournal) Record(api.JournalEntry) error {
	if j.records++; j.records >= j.failAt {
		return errors.New("disk full")
	}
	return nil
}

// When the journal fails, Apply stops, and its report still accounts for
// every item: answered (in Results), or not sent (in NotTried).
func TestApplyReportsEveryItemWhenTheJournalFails(t *testing.T) {
	e := newEnv(t, nil, api.WithWritePacing(0))
	first := e.deletedVersion(t, restorePkg, "sha256:a", nil, day)
	second := e.deletedVersion(t, restorePkg, "sha256:b", nil, day)
	p, err := e.c.MakePlan(context.Background(), restorePkg, api.Selector{IDs: []int64{first, second}})
	if err != nil || len(p.Items) != 2 {
		t.Fatalf("plan: %d items, %v", len(p.Items), err)
	}
	tests := []struct {
		name        string
		failAt      int // the Record call that fails: 1 before the first restore, 2 after its answer
		wantResults []int64
		wantNotSent []int64
	}{
		{"before the first restore is sent", 1, nil, []int64{first, second}},
		{"after the first restore's answer", 2, []int64{first}, []int64{second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := e.c.Apply(context.Background(), p, &api.ApplyOptions{Journal: &failingJournal{failAt: tt.failAt}})
			if err == nil || !strings.Contains(err.Error(), "disk full") {
				t.Fatalf("err = %v, want the journal's", err)
			}
			var got []int64
			for _, r := range rep.Results {
				got = append(got, r.Item.ID)
			}
			if !slices.Equal(got, tt.wantResults) || !slices.Equal(ids(rep.NotTried), tt.wantNotSent) || len(rep.InFlight) != 0 || rep.OK() {
				t.Errorf("results %v, not tried %v, in flight %v; want %v, %v, none", got, ids(rep.NotTried), ids(rep.InFlight), tt.wantResults, tt.wantNotSent)
			}
			if rep.Restored+rep.AlreadyActive != len(rep.Results) {
				t.Errorf("restored %d + already active %d, but %d results", rep.Restored, rep.AlreadyActive, len(rep.Results))
			}
		})
	}
	t.Run("after a package restore's answer", func(t *testing.T) {
		lib := api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "lib"}
		seedVersion(t, e.srv, lib, apitest.VersionSeed{Name: "1.0.0", CreatedAt: e.clock.Now().Add(-time.Hour)})
		if _, err := e.srv.SoftDeletePackage(lib); err != nil {
			t.Fatal(err)
		}
		pp := api.Plan{Schema: api.PlanSchema, BaseURL: e.c.BaseURL(), MadeAt: start, Selector: api.Selector{All: true}, RestorePackages: []api.Package{lib}, Items: []api.PlanItem{}}
		rep, err := e.c.Apply(context.Background(), pp, &api.ApplyOptions{Journal: &failingJournal{failAt: 2}})
		if err == nil || len(rep.Packages) != 1 || rep.Packages[0].Outcome != api.OutcomeRestored {
			t.Errorf("packages %+v, %v; want the package restored and the journal's error", rep.Packages, err)
		}
	})
}

func TestApplyCountsUnknownOutcomesApart(t *testing.T) {
	e := newEnv(t, nil)
	id := e.deletedVersion(t, restorePkg, "sha256:u", nil, day)
	ok := e.deletedVersion(t, restorePkg, "sha256:v", nil, day)
	p, err := e.c.MakePlan(context.Background(), restorePkg, api.Selector{IDs: []int64{id, ok}})
	if err != nil {
		t.Fatal(err)
	}
	// The first attempt gets a 502 (it may have worked), the second a 404,
	// and every look-up that would decide fails.
	notFound := apitest.Fault{Status: 404, Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"message":"Package version not found.","documentation_url":"https://docs.github.com/rest"}`}
	e.srv.Script(api.OpRestoreVersion, apitest.BadGateway, notFound)
	e.srv.Script(api.OpGetVersion, apitest.ServerError, apitest.ServerError, apitest.ServerError, apitest.ServerError, apitest.ServerError)
	rep, err := e.c.Apply(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Unknown != 1 || rep.Failed != 0 || rep.Restored != 1 || rep.OK() {
		t.Fatalf("report: unknown %d, failed %d, restored %d", rep.Unknown, rep.Failed, rep.Restored)
	}
	r := rep.Results[slices.IndexFunc(rep.Results, func(r api.Result) bool { return r.Item.ID == id })]
	if r.Outcome != api.OutcomeUnknown || !errors.Is(r.Err, api.ErrOutcomeUnknown) || errors.Is(r.Err, api.ErrNotFound) {
		t.Errorf("result = %s %v", r.Outcome, r.Err)
	}
}

func TestRestoreOfAMissingPackageSaysSo(t *testing.T) {
	e := newEnv(t, nil)
	typo := api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "left-pda"}
	p, err := e.c.MakePlan(context.Background(), typo, api.Selector{All: true})
	if err != nil || len(p.RestorePackages) != 1 {
		t.Fatalf("plan %+v, %v", p, err)
	}
	rep, err := e.c.Apply(context.Background(), p, nil)
	if err != nil || len(rep.Packages) != 1 || rep.OK() {
		t.Fatalf("apply %+v, %v", rep, err)
	}
	pr := rep.Packages[0]
	if pr.Outcome != api.OutcomeFailed || !errors.Is(pr.Err, api.ErrNotFound) || !strings.Contains(pr.Err.Error(), "no such package, or deleted more than 30 days ago") {
		t.Errorf("package result = %s %v", pr.Outcome, pr.Err)
	}
}

func TestDaysLeftAtRechecksTheWindow(t *testing.T) {
	it := api.PlanItem{DeletedAt: start}
	for _, tt := range []struct {
		after time.Duration
		want  int
	}{{0, 30}, {day, 29}, {30*day - time.Second, 0}, {30*day + time.Second, -1}} {
		if got := it.DaysLeftAt(start.Add(tt.after)); got != tt.want {
			t.Errorf("after %v: %d days left, want %d", tt.after, got, tt.want)
		}
	}
}

// memJournal is a Journal in memory.
type memJournal map[string]api.JournalEntry

func (m memJournal) key(pkg api.Package, id int64) string {
	return pkg.String() + "#" + strconv.FormatInt(id, 10)
}

func (m memJournal) Lookup(pkg api.Package, id int64) (api.JournalEntry, bool) {
	e, ok := m[m.key(pkg, id)]
	return e, ok
}

func (m memJournal) Record(e api.JournalEntry) error {
	m[m.key(e.Package, e.ID)] = e
	return nil
}

func TestResentPackageRestoreAnsweredNameInUseCountsAsDone(t *testing.T) {
	e := newEnv(t, nil)
	lib := api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "left-pad"}
	seedVersion(t, e.srv, lib, apitest.VersionSeed{Name: "1.0.0"}) // active: restored by the interrupted run
	p := api.Plan{Schema: api.PlanSchema, BaseURL: e.c.BaseURL(), MadeAt: start, Selector: api.Selector{All: true}, RestorePackages: []api.Package{lib}, Items: []api.PlanItem{}}
	inUse := apitest.Fault{Status: 409, Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"message":"An active package already exists with given name.","documentation_url":"https://docs.github.com/rest"}`}
	e.srv.Script(api.OpRestorePackage, inUse, inUse)

	// Without a journal, a 409 "already exists" is a failure: the name may
	// be held by another package.
	rep, err := e.c.Apply(context.Background(), p, nil)
	if err != nil || len(rep.Packages) != 1 || !errors.Is(rep.Packages[0].Err, api.ErrNameInUse) {
		t.Fatalf("without a journal: %+v %v", rep.Packages, err)
	}
	// With a journal that says the restore was sent and never answered, it
	// is the restore that took effect.
	j := memJournal{}
	j.Record(api.JournalEntry{Package: lib, Outcome: api.OutcomeUnknown})
	rep, err = e.c.Apply(context.Background(), p, &api.ApplyOptions{Journal: j})
	if err != nil || len(rep.Packages) != 1 || rep.Packages[0].Err != nil || rep.Packages[0].Outcome != api.OutcomeAlreadyActive || !rep.OK() {
		t.Fatalf("resumed: %+v %v", rep.Packages, err)
	}
	if got, _ := j.Lookup(lib, 0); got.Outcome != api.OutcomeAlreadyActive {
		t.Errorf("journal says %q", got.Outcome)
	}
}

func TestJournalIsHeldByOneRunAtATime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.json.journal")
	j, err := api.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.OpenJournal(path); !errors.Is(err, api.ErrJournalInUse) {
		t.Errorf("a second open: %v, want ErrJournalInUse", err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j, err = api.OpenJournal(path)
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	j.Close()
}
