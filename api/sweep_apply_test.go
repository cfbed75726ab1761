package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ghpackages/restore/api"
)

// An Apply of a sweep plan that is interrupted resumes from its journal
// across packages, and no restore is sent twice; the plan goes through its
// JSON form in between, as with --save-plan and --plan.
func TestSweepPlanApplyResumesAcrossPackages(t *testing.T) {
	e := newSweepEnv(t, allScopes, nil)
	want := seedCleanup(t, e.srv, api.Org("o"), 30, []int{2, 5, 9, 13, 17, 22, 28})
	plan, err := e.c.MakeSweepPlan(context.Background(), api.Sweep{Owner: api.Org("o"), Type: api.PackageTypeContainer, DeletedSince: runStart, DeletedUntil: runEnd})
	if err != nil {
		t.Fatal(err)
	}
	saved, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sweep.journal")
	apply := func(ctx context.Context, stopAfter int) (api.Report, error) {
		t.Helper()
		p, err := api.ParsePlan(saved)
		if err != nil {
			t.Fatal(err)
		}
		j, err := api.OpenJournal(path)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		return e.c.Apply(ctx, p, &api.ApplyOptions{Journal: j, Progress: func(pr api.Progress) {
			if pr.Done == stopAfter {
				cancel() // Ctrl-C after the fifth restore, in the third package
			}
		}})
	}
	rep, err := apply(context.Background(), 5)
	if !errors.Is(err, context.Canceled) || rep.Restored != 5 || len(rep.NotTried) != len(want)-5 {
		t.Fatalf("interrupted apply: restored %d, not tried %d, err %v", rep.Restored, len(rep.NotTried), err)
	}
	if pkgs := len(slices.CompactFunc(slices.Clone(rep.NotTried), func(a, b api.PlanItem) bool { return a.Package == b.Package })); pkgs < 2 {
		t.Fatalf("the interruption left %d packages to do, want several", pkgs)
	}
	rep, err = apply(context.Background(), -1)
	if err != nil || rep.Restored != len(want)-5 {
		t.Fatalf("resumed apply: restored %d, err %v", rep.Restored, err)
	}
	sent := map[string]int{}
	for _, r := range e.srv.Requests() {
		if r.Op == api.OpRestoreVersion {
			sent[r.RawPath]++
		}
	}
	if len(sent) != len(want) {
		t.Errorf("%d versions restored, want %d", len(sent), len(want))
	}
	for p, n := range sent {
		if n != 1 {
			t.Errorf("%s was sent %d times", p, n)
		}
	}
	for _, w := range want {
		if v, ok := e.srv.LookupVersion(api.Package{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: w.pkg}, w.id); !ok || v.DeletedAt != nil {
			t.Errorf("%s version %d not restored", w.pkg, w.id)
		}
	}
}
