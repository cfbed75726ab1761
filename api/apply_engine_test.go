package api_test

import (
	"context"
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
)

// restorePOSTs counts the restore POSTs the fake received, by version id.
func restorePOSTs(srv *apitest.Server) map[int64]int {
	out := map[int64]int{}
	for _, r := range srv.Requests() {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.RawPath, "/restore") {
			continue
		}
		parts := strings.Split(r.RawPath, "/")
		id, _ := strconv.ParseInt(parts[len(parts)-2], 10, 64)
		out[id]++
	}
	return out
}

// A restore still waiting (for write pacing, or at the gate of an
// exhausted primary limit) when ctx ends was never sent: it is not tried,
// nothing is in flight, and Sending was never called for it (issue 16,
// measurement 7).
func TestApplyCutWhileARestoreWaitsReportsItNotTried(t *testing.T) {
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
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var waits []api.WaitReason
			e := newEnv(t, nil)
			token := testToken
			if tt.budget > 0 {
				token = "ghp_budget0123456789abcdefghijklmnopqrstu"
				e.srv.AddToken(apitest.Token{Value: token, Kind: api.TokenClassic, Budget: tt.budget, Scopes: []string{"read:packages", "write:packages"}})
			}
			c, err := api.New(api.WithBaseURL(e.srv.URL), api.WithToken(token), api.WithClock(e.clock), api.WithWritePacing(tt.pacing),
				api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 5, MaxWait: 2 * time.Hour, BaseDelay: time.Second, MaxDelay: 30 * time.Second}),
				api.WithWaitHook(func(ev api.WaitEvent) {
					waits = append(waits, ev.Reason)
					if ev.Reason == tt.reason {
						cancel() // Ctrl-C while the second restore waits
					}
				}))
			if err != nil {
				t.Fatal(err)
			}
			first := e.deletedVersion(t, restorePkg, "sha256:a", nil, day)
			second := e.deletedVersion(t, restorePkg, "sha256:b", nil, day)
			third := e.deletedVersion(t, restorePkg, "sha256:c", nil, day)
			p, err := e.c.MakePlan(context.Background(), restorePkg, api.Selector{All: true})
			if err != nil || len(p.Items) != 3 {
				t.Fatalf("plan: %v %+v", err, p.Items)
			}
			j := memJournal{}
			var sending []int64
			rep, err := c.Apply(ctx, p, &api.ApplyOptions{Journal: j, Sending: func(pr api.Progress) { sending = append(sending, pr.Result.Item.ID) }})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if !slices.Contains(waits, tt.reason) {
				t.Fatalf("waits = %v, want a %q wait", waits, tt.reason)
			}
			if rep.Restored != 1 || len(rep.InFlight) != 0 || !slices.Equal(ids(rep.NotTried), []int64{second, third}) || rep.Failed+rep.Unknown != 0 {
				t.Fatalf("report: restored %d, in flight %v, not tried %v, failed %d, unknown %d; want 1, none, [%d %d], 0, 0",
					rep.Restored, ids(rep.InFlight), ids(rep.NotTried), rep.Failed, rep.Unknown, second, third)
			}
			if !slices.Equal(sending, []int64{first}) {
				t.Errorf("Sending called for %v, want only the restore that left: %d", sending, first)
			}
			if got := restorePOSTs(e.srv); len(got) != 1 || got[first] != 1 {
				t.Errorf("restore POSTs = %v, want one, of %d", got, first)
			}
			if got, _ := j.Lookup(restorePkg, second); got.Outcome != api.OutcomeNotTried {
				t.Errorf("the journal says %q of the restore that never left, want %q", got.Outcome, api.OutcomeNotTried)
			}
		})
	}
}

// A restore whose request had left when ctx ended is in flight, and
// Sending was called for it as it left.
func TestApplyCutWhileARestoreIsSentReportsItInFlight(t *testing.T) {
	e := newEnv(t, nil)
	var all []int64
	for i := range 4 {
		all = append(all, e.deletedVersion(t, restorePkg, "sha256:"+strconv.Itoa(i), nil, day))
	}
	p, err := e.c.MakePlan(context.Background(), restorePkg, api.Selector{All: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := api.New(api.WithBaseURL(e.srv.URL), api.WithToken(testToken), api.WithClock(e.clock), api.WithTransport(&cutTransport{cut: 2, cancel: cancel}))
	if err != nil {
		t.Fatal(err)
	}
	var sending []int64
	rep, err := c.Apply(ctx, p, &api.ApplyOptions{Sending: func(pr api.Progress) { sending = append(sending, pr.Result.Item.ID) }})
	if !errors.Is(err, context.Canceled) || rep.Restored != 1 || !slices.Equal(ids(rep.InFlight), all[1:2]) || !slices.Equal(ids(rep.NotTried), all[2:]) {
		t.Fatalf("report: restored %d, in flight %v, not tried %v (%v)", rep.Restored, ids(rep.InFlight), ids(rep.NotTried), err)
	}
	if rep.Failed != 0 || rep.Unknown != 0 || !slices.Equal(sending, all[:2]) {
		t.Errorf("failed %d, unknown %d, Sending %v; want 0, 0, %v", rep.Failed, rep.Unknown, sending, all[:2])
	}
}

// A journal says "restored" for a version that a cleanup deleted again
// after the entry: the plan made now carries the new deletion time, so it
// is restored again, and the result says so (issue 17, item 8).
func TestApplyRestoresAgainAVersionDeletedAfterItsJournalEntry(t *testing.T) {
	e := newEnv(t, nil)
	again := e.deletedVersion(t, restorePkg, "sha256:again", nil, day)
	kept := e.deletedVersion(t, restorePkg, "sha256:kept", nil, day)
	path := filepath.Join(t.TempDir(), "plan.journal")
	j, err := api.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	p, err := e.c.MakePlan(context.Background(), restorePkg, api.Selector{IDs: []int64{again, kept}})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := e.c.Apply(context.Background(), p, &api.ApplyOptions{Journal: j}); err != nil || rep.Restored != 2 {
		t.Fatalf("first apply: %+v %v", rep, err)
	}
	// The scheduled cleanup runs again an hour later and deletes one of
	// them; the user plans and applies again with the same journal.
	e.clock.Advance(time.Hour)
	if err := e.srv.SoftDeleteVersion(restorePkg, again); err != nil {
		t.Fatal(err)
	}
	p2, err := e.c.MakePlan(context.Background(), restorePkg, api.Selector{IDs: []int64{again, kept}})
	if err != nil || len(p2.Items) != 1 {
		t.Fatalf("second plan: %v %+v", err, p2.Items)
	}
	p2.Items = append(p2.Items, p.Items[slices.IndexFunc(p.Items, func(it api.PlanItem) bool { return it.ID == kept })])
	e.srv.ResetRequests()
	rep, err := e.c.Apply(context.Background(), p2, &api.ApplyOptions{Journal: j})
	if err != nil || rep.Restored != 1 || rep.Skipped != 1 || !rep.OK() {
		t.Fatalf("second apply: restored %d, skipped %d, %v", rep.Restored, rep.Skipped, err)
	}
	for _, r := range rep.Results {
		if want := r.Item.ID == again; r.Redeleted != want || r.Resumed == want {
			t.Errorf("version %d: redeleted %v, resumed %v", r.Item.ID, r.Redeleted, r.Resumed)
		}
	}
	if got := restorePOSTs(e.srv); len(got) != 1 || got[again] != 1 {
		t.Errorf("restore POSTs = %v, want one of %d", got, again)
	}
	if v, _ := e.srv.LookupVersion(restorePkg, again); v.DeletedAt != nil {
		t.Error("the version deleted again is still deleted")
	}
}

// ApplyItems walks on: More is asked after each round with its results,
// and what it returns (less what was sent already) is the next round.
func TestApplyItemsWalksOnThroughMore(t *testing.T) {
	e := newEnv(t, nil, api.WithWritePacing(0))
	var chain []api.PlanItem
	for i := range 5 {
		id := e.deletedVersion(t, restorePkg, "sha256:"+strconv.Itoa(i), nil, day)
		chain = append(chain, api.PlanItem{Package: restorePkg, ID: id, Reasons: []string{"level " + strconv.Itoa(i)}})
	}
	var rounds [][]int64
	more := func(_ context.Context, round []api.Result) ([]api.PlanItem, error) {
		var got []int64
		for _, r := range round {
			got = append(got, r.Item.ID)
		}
		rounds = append(rounds, got)
		n := len(rounds)
		if n >= len(chain) {
			return nil, nil
		}
		return []api.PlanItem{chain[n-1], chain[n]}, nil // one already sent, one new
	}
	rep, err := e.c.ApplyItems(context.Background(), chain[:1], &api.ApplyOptions{More: more})
	if err != nil || rep.Restored != 5 || len(rep.Results) != 5 {
		t.Fatalf("apply: %v, restored %d", err, rep.Restored)
	}
	want := [][]int64{{chain[0].ID}, {chain[1].ID}, {chain[2].ID}, {chain[3].ID}, {chain[4].ID}}
	if !slices.EqualFunc(rounds, want, slices.Equal) {
		t.Errorf("rounds = %v, want %v", rounds, want)
	}
	for id, n := range restorePOSTs(e.srv) {
		if n != 1 {
			t.Errorf("version %d sent %d times", id, n)
		}
	}
	if _, err := e.c.ApplyItems(context.Background(), []api.PlanItem{{Package: restorePkg, ID: -1}}, nil); !errors.Is(err, api.ErrInvalidInput) {
		t.Errorf("a bad id: %v, want a validation error", err)
	}
}

// A plan of another kind is refused by Apply and by ParsePlan, with
// nothing sent.
func TestVersionPlanRefusesAnImagePlan(t *testing.T) {
	e := newEnv(t, nil)
	id := e.deletedVersion(t, restorePkg, "sha256:a", nil, day)
	p := api.Plan{Schema: api.PlanSchema, Kind: api.PlanKindImage, BaseURL: e.c.BaseURL(), MadeAt: start, Items: []api.PlanItem{{Package: restorePkg, ID: id}}}
	_, err := e.c.Apply(context.Background(), p, nil)
	var ve *api.ValidationError
	if !errors.As(err, &ve) || ve.Field != "kind" {
		t.Errorf("apply: %v, want a validation error of kind", err)
	}
	if n := len(restorePOSTs(e.srv)); n != 0 {
		t.Errorf("%d restores sent", n)
	}
	for _, tt := range []struct{ data, field string }{
		{`{"schema":1,"kind":"image","base_url":"x","made_at":"2026-11-01T12:00:00Z","items":[]}`, "kind"},
		{`{"schema":1,"kind":"tarball","base_url":"x","made_at":"2026-11-01T12:00:00Z","items":[]}`, "kind"},
	} {
		if _, err := api.ParsePlan([]byte(tt.data)); !errors.As(err, &ve) || ve.Field != tt.field {
			t.Errorf("ParsePlan(%s): %v, want a validation error of %s", tt.data, err, tt.field)
		}
	}
	for data, want := range map[string]api.PlanKind{`{"schema":1}`: api.PlanKindVersions, `{"schema":1,"kind":"versions"}`: api.PlanKindVersions, `{"schema":1,"kind":"image"}`: api.PlanKindImage} {
		if got, err := api.PlanKindOf([]byte(data)); err != nil || got != want {
			t.Errorf("PlanKindOf(%s) = %q, %v; want %q", data, got, err, want)
		}
	}
}

// A restore whose attempt was answered, and which waits to be sent again
// when ctx ends, is in flight only when that answer left its effect
// uncertain: a rate limit refused it (not tried), a 502 may have applied it
// (in flight, outcome unknown).
func TestApplyCutWhileARestoreWaitsToRetry(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fault    apitest.Fault
		reason   api.WaitReason
		inFlight bool
	}{
		{"refused by a secondary limit", apitest.SecondaryLimit(403, "60"), api.ReasonSecondaryLimit, false},
		{"answered 502", apitest.BadGateway, api.ReasonServerError, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			e := newEnv(t, nil)
			c, err := api.New(api.WithBaseURL(e.srv.URL), api.WithToken(testToken), api.WithClock(e.clock), api.WithWritePacing(0),
				api.WithWaitHook(func(ev api.WaitEvent) {
					if ev.Reason == tc.reason {
						cancel() // Ctrl-C while the restore waits to be sent again
					}
				}))
			if err != nil {
				t.Fatal(err)
			}
			first := e.deletedVersion(t, restorePkg, "sha256:a", nil, day)
			second := e.deletedVersion(t, restorePkg, "sha256:b", nil, day)
			p, err := e.c.MakePlan(context.Background(), restorePkg, api.Selector{All: true})
			if err != nil || len(p.Items) != 2 {
				t.Fatalf("plan: %v %+v", err, p.Items)
			}
			e.srv.Script(api.OpRestoreVersion, tc.fault)
			j := memJournal{}
			rep, err := c.Apply(ctx, p, &api.ApplyOptions{Journal: j})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			wantInFlight, wantNotTried := []int64(nil), []int64{first, second}
			wantJournal := api.OutcomeNotTried
			if tc.inFlight {
				wantInFlight, wantNotTried, wantJournal = []int64{first}, []int64{second}, api.OutcomeUnknown
			}
			if !slices.Equal(ids(rep.InFlight), wantInFlight) || !slices.Equal(ids(rep.NotTried), wantNotTried) || rep.Restored+rep.Failed+rep.Unknown != 0 {
				t.Fatalf("in flight %v, not tried %v (restored %d, failed %d, unknown %d); want %v, %v, nothing else",
					ids(rep.InFlight), ids(rep.NotTried), rep.Restored, rep.Failed, rep.Unknown, wantInFlight, wantNotTried)
			}
			if got, _ := j.Lookup(restorePkg, first); got.Outcome != wantJournal {
				t.Errorf("the journal says %q of the interrupted restore, want %q", got.Outcome, wantJournal)
			}
			if got := restorePOSTs(e.srv); got[first] != 1 || got[second] != 0 {
				t.Errorf("restore POSTs = %v, want one of %d", got, first)
			}
		})
	}
}
