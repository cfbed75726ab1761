package image_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
)

// cutTransport lets requests through to the fake, and cancels the run as
// the cut-th restore POST comes back: that restore was sent, and its
// answer is lost.
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

// client is an api client on the env's fake with more options.
func (e *env) client(t *testing.T, token string, opts ...api.Option) *api.Client {
	t.Helper()
	c, err := api.New(append([]api.Option{api.WithBaseURL(e.gh.URL), api.WithToken(token), api.WithClock(e.clock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func (e *env) restorerWith(t *testing.T, c *api.Client, pkg api.Package) *image.Restorer {
	t.Helper()
	r, err := image.NewRestorer(c, e.rc, pkg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// postsByID counts every restore POST the fake received, by version id.
func (e *env) postsByID() map[int64]int {
	out := map[int64]int{}
	for _, r := range e.gh.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.RawPath, "/restore") {
			parts := strings.Split(r.RawPath, "/")
			id, _ := strconv.ParseInt(parts[len(parts)-2], 10, 64)
			out[id]++
		}
	}
	return out
}

func itemIDs(items []api.PlanItem) []int64 {
	var out []int64
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

// states maps version ids to their manifest states in the images.
func states(p image.Plan) map[int64]image.ManifestState {
	out := map[int64]image.ManifestState{}
	for _, img := range p.Images {
		for _, m := range img.Manifests {
			if m.VersionID != 0 {
				out[m.VersionID] = m.State
			}
		}
	}
	return out
}

// Issue 16, measurement 6: an image apply counts a restore whose outcome is
// unknown as unknown, and one cut by ctx while in flight as in flight;
// neither is failed, and the counts are exact.
func TestImageApplyCountsUnknownAndInFlightApartFromFailed(t *testing.T) {
	notFound := apitest.Fault{Status: 404, Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"message":"Package version not found.","documentation_url":"https://docs.github.com/rest"}`}
	t.Run("outcome unknown", func(t *testing.T) {
		e, plan := threePlatforms(t)
		// The first restore gets a 502 (it may have worked), its retry a
		// 404, and every look-up that would decide fails.
		e.gh.Script(api.OpRestoreVersion, apitest.BadGateway, notFound)
		e.gh.Script(api.OpGetVersion, apitest.ServerError, apitest.ServerError, apitest.ServerError, apitest.ServerError, apitest.ServerError)
		res, err := e.r.Apply(ctx(t), plan, nil)
		if err != nil {
			t.Fatal(err)
		}
		rep, first := res.Report, plan.Items[0].ID
		if rep.Unknown != 1 || rep.Failed != 0 || rep.Restored != 2 || len(rep.InFlight)+len(rep.NotTried) != 0 || rep.OK() {
			t.Fatalf("report: unknown %d, failed %d, restored %d, in flight %d, not tried %d; want 1, 0, 2, 0, 0",
				rep.Unknown, rep.Failed, rep.Restored, len(rep.InFlight), len(rep.NotTried))
		}
		if r := rep.Results[0]; r.Item.ID != first || r.Outcome != api.OutcomeUnknown || !errors.Is(r.Err, api.ErrOutcomeUnknown) {
			t.Errorf("first result = %d %s %v", r.Item.ID, r.Outcome, r.Err)
		}
		st := states(res.Plan)
		if st[first] != image.ManifestUnknown || st[plan.Items[1].ID] != image.ManifestRestored || res.Plan.Whole() {
			t.Errorf("states = %v, want %d unknown and the rest restored", st, first)
		}
	})
	t.Run("cut while in flight", func(t *testing.T) {
		e, plan := threePlatforms(t)
		cctx, cancel := context.WithCancel(ctx(t))
		defer cancel()
		r := e.restorerWith(t, e.client(t, testToken, api.WithTransport(&cutTransport{cut: 2, cancel: cancel})), e.pkg)
		res, err := r.Apply(cctx, plan, nil)
		rep, it := res.Report, plan.Items
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if rep.Restored != 1 || rep.Failed != 0 || rep.Unknown != 0 || !slices.Equal(itemIDs(rep.InFlight), []int64{it[1].ID}) || !slices.Equal(itemIDs(rep.NotTried), []int64{it[2].ID}) {
			t.Fatalf("report: restored %d, failed %d, unknown %d, in flight %v, not tried %v", rep.Restored, rep.Failed, rep.Unknown, itemIDs(rep.InFlight), itemIDs(rep.NotTried))
		}
		want := map[int64]image.ManifestState{it[0].ID: image.ManifestRestored, it[1].ID: image.ManifestUnknown, it[2].ID: image.ManifestNotTried}
		for id, st := range want {
			if got := states(res.Plan)[id]; got != st {
				t.Errorf("version %d: %s, want %s", id, got, st)
			}
		}
	})
}

// Issue 16, measurement 7, image mode: a restore still waiting (for write
// pacing, or at the gate of an exhausted primary limit) when ctx ends was
// never sent: it is not tried, nothing is in flight, Sending was never
// called for it, the journal says not tried, and the image view says
// ManifestNotTried.
func TestImageApplyCutWhileARestoreWaitsReportsItNotTried(t *testing.T) {
	tests := []struct {
		name   string
		reason api.WaitReason
		pacing time.Duration
		// budget, if set, is the applying token's primary limit: the first
		// restore spends it and closes the gate.
		budget int
	}{
		{"write pacing", api.ReasonPacing, time.Minute, 0},
		{"primary limit gate", api.ReasonGate, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, plan := threePlatforms(t)
			token := testToken
			if tt.budget > 0 {
				token = "ghp_budget0123456789abcdefghijklmnopqrstu"
				e.gh.AddToken(apitest.Token{Value: token, Kind: api.TokenClassic, Budget: tt.budget, Scopes: []string{"read:packages", "write:packages"}})
			}
			cctx, cancel := context.WithCancel(ctx(t))
			defer cancel()
			var waits []api.WaitReason
			c := e.client(t, token, api.WithWritePacing(tt.pacing),
				api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 5, MaxWait: 2 * time.Hour, BaseDelay: time.Second, MaxDelay: 30 * time.Second}),
				api.WithWaitHook(func(ev api.WaitEvent) {
					waits = append(waits, ev.Reason)
					if ev.Reason == tt.reason {
						cancel() // Ctrl-C while the second restore waits
					}
				}))
			e.gh.ResetRequests()
			j, err := api.OpenJournal(filepath.Join(t.TempDir(), "plan.json.journal"))
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			var sending []int64
			res, err := e.restorerWith(t, c, e.pkg).Apply(cctx, plan, &api.ApplyOptions{Journal: j, Sending: func(p api.Progress) { sending = append(sending, p.Result.Item.ID) }})
			rep, it := res.Report, plan.Items
			if !errors.Is(err, context.Canceled) || !slices.Contains(waits, tt.reason) {
				t.Fatalf("err = %v, waits %v; want context.Canceled during a %q wait", err, waits, tt.reason)
			}
			if rep.Restored != 1 || len(rep.InFlight) != 0 || !slices.Equal(itemIDs(rep.NotTried), itemIDs(it[1:])) || rep.Failed+rep.Unknown != 0 {
				t.Fatalf("report: restored %d, in flight %v, not tried %v, failed %d, unknown %d; want 1, none, %v, 0, 0",
					rep.Restored, itemIDs(rep.InFlight), itemIDs(rep.NotTried), rep.Failed, rep.Unknown, itemIDs(it[1:]))
			}
			if !slices.Equal(sending, []int64{it[0].ID}) {
				t.Errorf("Sending for %v, want only %d", sending, it[0].ID)
			}
			if got := e.postsByID(); len(got) != 1 || got[it[0].ID] != 1 {
				t.Errorf("restore POSTs = %v, want one, of %d", got, it[0].ID)
			}
			if got, _ := j.Lookup(e.pkg, it[1].ID); got.Outcome != api.OutcomeNotTried {
				t.Errorf("the journal says %q of the restore that never left, want %q", got.Outcome, api.OutcomeNotTried)
			}
			if st := states(res.Plan); st[it[1].ID] != image.ManifestNotTried || st[it[2].ID] != image.ManifestNotTried {
				t.Errorf("states = %v, want the waiting and the later restore not tried", st)
			}
		})
	}
}

// An interrupted --broken --apply of the fake's demo resumes from its
// journal: the plan goes through its file form, the first run is cut as
// its fourth restore comes back, the report names done / in flight / not
// tried exactly, and across both runs no restore is sent twice.
func TestInterruptedImageApplyResumesFromItsJournal(t *testing.T) {
	clock := apitest.NewClock(start)
	gh := apitest.New(t, apitest.WithClock(clock))
	demo := apitest.SeedDemo(gh)
	reg := apitest.NewRegistry(t, gh)
	rd := apitest.SeedRegistryDemo(reg)
	rc, err := image.NewRegistry(image.WithRegistry(reg.URL), image.WithToken(demo.Token), image.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rc.CloseIdleConnections)
	e := &env{gh: gh, reg: reg, clock: clock, rc: rc, pkg: rd.Package}
	planner := e.restorerWith(t, e.client(t, demo.Token), rd.Package)
	plan, err := planner.Broken(ctx(t))
	if err != nil || len(plan.Images) != 1 || len(plan.Items) != 6 {
		t.Fatalf("broken: %v, %d images, %d items", err, len(plan.Images), len(plan.Items))
	}
	for _, it := range plan.Items {
		if len(it.Reasons) != 1 || !strings.HasSuffix(it.Reasons[0], " of v1.4.0") || it.DeletedAt.IsZero() {
			t.Errorf("item %d: reasons %q, deleted at %v", it.ID, it.Reasons, it.DeletedAt)
		}
	}
	saved, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(t.TempDir(), "plan.json.journal")
	apply := func(c *api.Client, cctx context.Context) (image.Applied, error) {
		t.Helper()
		p, err := image.ParsePlan(saved)
		if err != nil {
			t.Fatal(err)
		}
		j, err := api.OpenJournal(journal)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		return e.restorerWith(t, c, rd.Package).Apply(cctx, p, &api.ApplyOptions{Journal: j})
	}

	cctx, cancel := context.WithCancel(ctx(t))
	defer cancel()
	res, err := apply(e.client(t, demo.Token, api.WithTransport(&cutTransport{cut: 4, cancel: cancel})), cctx)
	rep, it := res.Report, plan.Items
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if rep.Restored != 3 || rep.Failed+rep.Unknown != 0 || !slices.Equal(itemIDs(rep.InFlight), []int64{it[3].ID}) || !slices.Equal(itemIDs(rep.NotTried), itemIDs(it[4:])) {
		t.Fatalf("interrupted: restored %d, failed %d, unknown %d, in flight %v, not tried %v; want 3, 0, 0, [%d], %v",
			rep.Restored, rep.Failed, rep.Unknown, itemIDs(rep.InFlight), itemIDs(rep.NotTried), it[3].ID, itemIDs(it[4:]))
	}

	res, err = apply(e.client(t, demo.Token), ctx(t))
	rep = res.Report
	if err != nil || rep.Skipped != 3 || rep.AlreadyActive != 1 || rep.Restored != 2 || !rep.OK() {
		t.Fatalf("resumed: skipped %d, already active %d, restored %d, %v; want 3, 1, 2", rep.Skipped, rep.AlreadyActive, rep.Restored, err)
	}
	posts := e.postsByID()
	for _, id := range rd.Deleted {
		if posts[id] != 1 {
			t.Errorf("version %d: %d restore POSTs across both runs, want 1", id, posts[id])
		}
	}
	if len(posts) != len(rd.Deleted) {
		t.Errorf("restore POSTs %v, want one per deleted child %v", posts, rd.Deleted)
	}
	if st := states(res.Plan); len(st) != 7 {
		t.Errorf("states = %v", st)
	}
	v, err := planner.Verify(ctx(t), res.Plan)
	if err != nil || !v.Whole() {
		t.Fatalf("verify: %v, whole %v", err, v.Whole())
	}
}

// The cleanup runs again after an apply and deletes the same children: a
// plan made now carries the new deletion times, and applying it with the
// same journal restores them again and says so, rather than reporting
// them restored by the journal (issue 17, item 8).
func TestImageApplyRestoresAgainWhatTheCleanupDeletedAgain(t *testing.T) {
	e := newEnv(t, nil)
	e.seed(apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64", "linux/arm64"}})
	deleted := deleteUntaggedChildren(t, e.reg, app)
	j, err := api.OpenJournal(filepath.Join(t.TempDir(), "plan.json.journal"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	plan, err := e.r.Plan(ctx(t), "v1")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := e.r.Apply(ctx(t), plan, &api.ApplyOptions{Journal: j}); err != nil || res.Report.Restored != len(deleted) {
		t.Fatalf("first apply: %v %+v", err, res.Report)
	}
	e.clock.Advance(24 * time.Hour)
	if again := deleteUntaggedChildren(t, e.reg, app); !slices.Equal(again, deleted) {
		t.Fatalf("the second cleanup deleted %v, want %v", again, deleted)
	}
	plan, err = e.restorer(t).Plan(ctx(t), "v1")
	if err != nil {
		t.Fatal(err)
	}
	e.gh.ResetRequests()
	res, err := e.restorer(t).Apply(ctx(t), plan, &api.ApplyOptions{Journal: j})
	if err != nil || res.Report.Restored != len(deleted) || res.Report.Skipped != 0 || !res.Report.OK() {
		t.Fatalf("second apply: %v, restored %d, skipped %d", err, res.Report.Restored, res.Report.Skipped)
	}
	for _, r := range res.Report.Results {
		if !r.Redeleted || r.Resumed {
			t.Errorf("version %d: redeleted %v, resumed %v; want restored again", r.Item.ID, r.Redeleted, r.Resumed)
		}
	}
	for _, m := range res.Plan.Images[0].Manifests[1:] {
		if m.State != image.ManifestRestored || !strings.Contains(m.Why, "restored again") {
			t.Errorf("%s: %s, %q", m.Digest, m.State, m.Why)
		}
	}
	if posts := e.postsByID(); len(posts) != len(deleted) {
		t.Errorf("restore POSTs %v, want %d", posts, len(deleted))
	}
}

// threePlatforms is the usual incident with three platforms: v1 for
// linux/amd64, linux/arm64 and linux/arm/v7, whose platform manifests a
// cleanup deleted, and its plan (three items, in order).
func threePlatforms(t *testing.T) (*env, image.Plan) {
	t.Helper()
	e := newEnv(t, nil)
	e.seed(apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64", "linux/arm64", "linux/arm/v7"}})
	deleteUntaggedChildren(t, e.reg, app)
	plan, err := e.r.Plan(ctx(t), "v1")
	if err != nil || len(plan.Items) != 3 {
		t.Fatalf("plan: %v %+v", err, plan.Items)
	}
	return e, plan
}
