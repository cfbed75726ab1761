package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

const day = 24 * time.Hour

func ids(items []api.PlanItem) []int64 {
	var out []int64
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func TestSelectFilters(t *testing.T) {
	e := newEnv(t, nil)
	pkg := restorePkg
	a := e.deletedVersion(t, pkg, "sha256:aaa", []string{"v1.0.0"}, 10*day)
	b := e.deletedVersion(t, pkg, "sha256:bbb", []string{"v1.1.0", "stable"}, 5*day)
	cUntagged := e.deletedVersion(t, pkg, "sha256:ccc", nil, 2*day)
	d := e.deletedVersion(t, pkg, "sha256:ddd", []string{"v2.0.0"}, 29*day)
	seedVersion(t, e.srv, pkg, apitest.VersionSeed{Name: "sha256:active", Tags: []string{"v1.9.9"}})
	now := e.clock.Now()
	tests := []struct {
		name string
		sel  api.Selector
		want []int64
	}{
		{"ids", api.Selector{IDs: []int64{b, cUntagged}}, []int64{b, cUntagged}},
		{"digest", api.Selector{Names: []string{"sha256:aaa"}}, []int64{a}},
		{"tag glob", api.Selector{Tags: []string{"v1.*"}}, []int64{a, b}},
		{"tag class", api.Selector{Tags: []string{"v[2-9].*", "stable"}}, []int64{b, d}},
		{"since", api.Selector{DeletedSince: now.Add(-6 * day)}, []int64{b, cUntagged}},
		{"until", api.Selector{DeletedUntil: now.Add(-6 * day)}, []int64{a, d}},
		{"window", api.Selector{DeletedSince: now.Add(-11 * day), DeletedUntil: now.Add(-3 * day)}, []int64{a, b}},
		{"tags within window", api.Selector{Tags: []string{"v*"}, DeletedSince: now.Add(-6 * day)}, []int64{b}},
		{"all", api.Selector{All: true}, []int64{a, b, cUntagged, d}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := e.c.MakePlan(context.Background(), pkg, tt.sel)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(p.Items); !slices.Equal(got, tt.want) {
				t.Errorf("selected %v, want %v (in id order)", got, tt.want)
			}
			for _, it := range p.Items {
				if len(it.Reasons) == 0 || it.DaysLeft < 0 || it.DaysLeft > 30 || it.DeletedAt.IsZero() {
					t.Errorf("item %+v lacks a reason or window", it)
				}
			}
		})
	}
	p, _ := e.c.MakePlan(context.Background(), pkg, api.Selector{Tags: []string{"stable"}})
	if len(p.Items) != 1 || p.Items[0].Reasons[0] != "tag stable matches stable" || p.Items[0].Digest != "sha256:bbb" {
		t.Errorf("plan item = %+v", p.Items)
	}
}

func TestSelectorValidation(t *testing.T) {
	e := newEnv(t, nil)
	now := e.clock.Now()
	for _, sel := range []api.Selector{
		{},
		{IDs: []int64{0}},
		{Names: []string{" "}},
		{Tags: []string{"v[1"}},
		{DeletedSince: now, DeletedUntil: now.Add(-time.Hour)},
	} {
		if _, err := e.c.MakePlan(context.Background(), restorePkg, sel); !errors.Is(err, api.ErrInvalidInput) {
			t.Errorf("%+v: %v, want invalid input", sel, err)
		}
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("%d requests sent for bad selectors", n)
	}
}

func TestWindowEdges(t *testing.T) {
	e := newEnv(t, nil)
	in := e.deletedVersion(t, restorePkg, "sha256:29", nil, 29*day)
	out := e.deletedVersion(t, restorePkg, "sha256:31", nil, 31*day)
	p, err := e.c.MakePlan(context.Background(), restorePkg, api.Selector{IDs: []int64{in, out}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 1 || p.Items[0].ID != in || p.Items[0].DaysLeft != 1 {
		t.Fatalf("items = %+v, want only the 29-day version with 1 day left", p.Items)
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "30-day window") {
		t.Errorf("notes = %v", p.Notes)
	}
	rep, err := e.c.Apply(context.Background(), p, nil)
	if err != nil || rep.Restored != 1 || !rep.OK() {
		t.Errorf("apply = %+v, %v", rep, err)
	}
}

func TestApplyOutcomesAndReapply(t *testing.T) {
	e := newEnv(t, nil)
	ok1 := e.deletedVersion(t, restorePkg, "sha256:1", []string{"v1"}, day)
	reused := e.deletedVersion(t, restorePkg, "sha256:2", []string{"v2"}, day)
	seedVersion(t, e.srv, restorePkg, apitest.VersionSeed{Name: "sha256:2"}) // same digest pushed again
	ok3 := e.deletedVersion(t, restorePkg, "sha256:3", nil, day)
	e.srv.Script(api.OpRestoreVersion, apitest.BadGateway)

	p, err := e.c.MakePlan(context.Background(), restorePkg, api.Selector{All: true})
	if err != nil {
		t.Fatal(err)
	}
	var progress []api.Progress
	rep, err := e.c.Apply(context.Background(), p, &api.ApplyOptions{Progress: func(pr api.Progress) { progress = append(progress, pr) }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Restored != 2 || rep.Failed != 1 || rep.AlreadyActive != 0 || rep.OK() {
		t.Fatalf("report = %+v", rep)
	}
	for _, r := range rep.Results {
		switch r.Item.ID {
		case ok1, ok3:
			if r.Outcome != api.OutcomeRestored || r.Err != nil {
				t.Errorf("%d: %s %v", r.Item.ID, r.Outcome, r.Err)
			}
		case reused:
			var apiErr *api.Error
			if r.Outcome != api.OutcomeFailed || !errors.Is(r.Err, api.ErrNamespaceReused) || !errors.As(r.Err, &apiErr) ||
				apiErr.Message != "Active package version already exists with given name." {
				t.Errorf("reused: %s %v", r.Outcome, r.Err)
			}
		}
	}
	if len(progress) != 3 || progress[2].Done != 3 || progress[2].Total != 3 {
		t.Errorf("progress = %+v", progress)
	}
	b, err := json.Marshal(rep)
	if err != nil || !strings.Contains(string(b), `"error":"`) || !strings.Contains(string(b), `"outcome":"failed"`) {
		t.Errorf("report JSON = %s (%v)", b, err)
	}

	// Applying the same plan again is a safe no-op.
	e.srv.ResetRequests()
	again, err := e.c.Apply(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.AlreadyActive != 2 || again.Restored != 0 || again.Failed != 1 {
		t.Errorf("re-apply = %+v", again)
	}
	for _, id := range []int64{ok1, ok3} {
		if v, _ := e.srv.LookupVersion(restorePkg, id); v.DeletedAt != nil {
			t.Errorf("version %d is not active", id)
		}
	}
}

func TestPlanJSONIsStable(t *testing.T) {
	e := newEnv(t, nil)
	for i := range 5 {
		e.deletedVersion(t, restorePkg, "sha256:"+strings.Repeat("a", i+1), []string{"t"}, time.Duration(i+1)*day)
	}
	sel := api.Selector{Tags: []string{"t"}, DeletedSince: e.clock.Now().Add(-10 * day)}
	p1, err := e.c.MakePlan(context.Background(), restorePkg, sel)
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := e.c.MakePlan(context.Background(), restorePkg, sel)
	b1, _ := json.Marshal(p1)
	b2, _ := json.Marshal(p2)
	if string(b1) != string(b2) {
		t.Errorf("two plans of the same state differ:\n%s\n%s", b1, b2)
	}
	back, err := api.ParsePlan(b1)
	if err != nil {
		t.Fatal(err)
	}
	if b3, _ := json.Marshal(back); string(b3) != string(b1) {
		t.Errorf("plan JSON does not round-trip:\n%s\n%s", b1, b3)
	}
	rep, err := e.c.Apply(context.Background(), back, nil)
	if err != nil || rep.Restored != 5 {
		t.Errorf("applying the decoded plan: %+v %v", rep, err)
	}
}

func TestTagSelectionExplainsMissingTags(t *testing.T) {
	e := newEnv(t, nil)
	e.deletedVersion(t, restorePkg, "sha256:1", nil, day) // GitHub may drop tags of deleted versions
	p, err := e.c.MakePlan(context.Background(), restorePkg, api.Selector{Tags: []string{"v1.*"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 0 || len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "select by digest (name) or deletion time") {
		t.Errorf("plan = %+v", p)
	}
	p, _ = e.c.MakePlan(context.Background(), restorePkg, api.Selector{IDs: []int64{9999}, Names: []string{"sha256:none"}})
	if len(p.Notes) != 2 {
		t.Errorf("notes = %v, want one for the id and one for the name", p.Notes)
	}
}

func TestWholePackagePath(t *testing.T) {
	e := newEnv(t, nil)
	lib := api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: "left-pad"}
	id := seedVersion(t, e.srv, lib, apitest.VersionSeed{Name: "1.3.0", CreatedAt: start.Add(-10 * day)})
	if err := e.srv.SoftDeleteVersion(lib, id); err != nil {
		t.Fatal(err)
	}
	p, err := e.c.MakePlan(context.Background(), lib, api.Selector{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.RestorePackages, []api.Package{lib}) || len(p.Items) != 0 {
		t.Fatalf("plan = %+v, want the package restored first", p)
	}
	rep, err := e.c.Apply(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Packages) != 1 || rep.Packages[0].Outcome != api.OutcomeRestored || !rep.OK() {
		t.Errorf("report = %+v", rep)
	}
	if v, _ := e.srv.LookupVersion(lib, id); v.DeletedAt != nil || e.srv.IsPackageDeleted(lib) {
		t.Error("the package and its last version are not back")
	}
	// Again: the package restore answers 404, the package lists: already active.
	rep, err = e.c.Apply(context.Background(), p, nil)
	if err != nil || len(rep.Packages) != 1 || rep.Packages[0].Outcome != api.OutcomeAlreadyActive {
		t.Errorf("re-apply = %+v %v", rep, err)
	}
}

func TestApplyStopsOnCancel(t *testing.T) {
	e := newEnv(t, nil)
	for i := range 3 {
		e.deletedVersion(t, restorePkg, "sha256:"+strings.Repeat("b", i+1), nil, day)
	}
	p, _ := e.c.MakePlan(context.Background(), restorePkg, api.Selector{All: true})
	ctx, cancel := context.WithCancel(context.Background())
	rep, err := e.c.Apply(ctx, p, &api.ApplyOptions{Progress: func(api.Progress) { cancel() }})
	if !errors.Is(err, context.Canceled) || len(rep.Results) != 1 || len(rep.NotTried) != 2 || len(rep.InFlight) != 0 || rep.OK() {
		t.Errorf("report %+v, err %v; want one result, two not tried and context.Canceled", rep, err)
	}
}

// A deleted version answers 404 to GET, so the plan's notes about ids that
// were not selected come from the deleted listing; GET only tells an active
// version from an unknown one.
func TestSelectionNotesComeFromTheDeletedListing(t *testing.T) {
	e := newEnv(t, nil)
	now := e.clock.Now()
	old := e.deletedVersion(t, restorePkg, "sha256:old", []string{"v0.9"}, 10*day)
	recent := e.deletedVersion(t, restorePkg, "sha256:new", []string{"v1.0"}, day)
	active := seedVersion(t, e.srv, restorePkg, apitest.VersionSeed{Name: "sha256:act"})
	untagged := api.Package{Owner: restorePkg.Owner, Type: restorePkg.Type, Name: "untagged"}
	e.deletedVersion(t, untagged, "sha256:u", nil, day)
	tests := []struct {
		name    string
		pkg     api.Package
		sel     api.Selector
		want    []int64
		note    string
		notNote string
		gets    int // GETs of single versions the plan may send
	}{
		{"deleted outside the window", restorePkg, api.Selector{IDs: []int64{old, recent}, DeletedSince: now.Add(-2 * day)}, []int64{recent}, "version " + itoa(old) + " is deleted but outside the deletion window", "", 0},
		{"active", restorePkg, api.Selector{IDs: []int64{active}}, nil, "version " + itoa(active) + " is active", "", 1},
		{"unknown", restorePkg, api.Selector{IDs: []int64{999999}}, nil, "was not found among deleted versions", "", 1},
		{"tag matches nothing, others tagged", restorePkg, api.Selector{Tags: []string{"v2.*"}}, nil, "no deleted version carries a tag matching v2.*", "lists any tag", 0},
		{"tag matches one of two patterns", restorePkg, api.Selector{Tags: []string{"v1.*", "v2.*"}}, []int64{recent}, "", "carries a tag", 0},
		{"no deleted version tagged", untagged, api.Selector{Tags: []string{"v1.*"}}, nil, "no deleted version of this package lists any tag", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.srv.ResetRequests()
			p, err := e.c.MakePlan(context.Background(), tt.pkg, tt.sel)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(p.Items); !slices.Equal(got, tt.want) {
				t.Errorf("selected %v, want %v", got, tt.want)
			}
			all := strings.Join(p.Notes, "\n")
			if tt.note != "" && !strings.Contains(all, tt.note) {
				t.Errorf("notes = %q, want one containing %q", p.Notes, tt.note)
			}
			if tt.notNote != "" && strings.Contains(all, tt.notNote) {
				t.Errorf("notes = %q, want none containing %q", p.Notes, tt.notNote)
			}
			gets := 0
			for _, r := range e.srv.Requests() {
				if r.Op == api.OpGetVersion {
					gets++
				}
			}
			if gets != tt.gets {
				t.Errorf("%d GETs of single versions, want %d", gets, tt.gets)
			}
		})
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
