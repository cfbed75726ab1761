package api_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// An item planned from an id that could not be listed (a read+write token:
// MakePlan cannot list deleted versions) has no name. Once restored, Apply
// looks the version up (one GET after its POST) and reports its name,
// digest and tags, in the Result and its JSON. A failed look-up leaves the
// item unnamed and the restore a restore; an item that had a name is not
// looked up.
func TestApplyNamesWhatUnlistedIDsRestored(t *testing.T) {
	notFound := apitest.Fault{Status: 404, Header: map[string][]string{"Content-Type": {"application/json"}}, Body: `{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`}
	tests := []struct {
		name string
		// lookups are scripted answers to the look-ups after the restores.
		lookups []apitest.Fault
		// listed plans with the full token, whose items have names.
		listed bool
		// active restores the first version between the plan and Apply,
		// and the fake answers its restore 400 (already active).
		active bool
		want   []string // "METHOD op" per request of Apply
		named  bool
	}{
		{"named after restore", nil, false, false, []string{"POST restore 1", "GET get 1", "POST restore 2", "GET get 2"}, true},
		{"named when already active", nil, false, true, []string{"POST restore 1", "GET get 1", "GET get 1", "POST restore 2", "GET get 2"}, true},
		{"a failed look-up leaves it unnamed", []apitest.Fault{notFound, notFound}, false, false, []string{"POST restore 1", "GET get 1", "POST restore 2", "GET get 2"}, false},
		{"listed items are not looked up", nil, true, false, []string{"POST restore 1", "POST restore 2"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, []apitest.Option{apitest.WithActiveRestore(400)}, api.WithWritePacing(0))
			e.srv.AddToken(apitest.Token{Value: readWriteToken, Scopes: []string{"read:packages", "write:packages"}})
			c := e.c
			if !tt.listed {
				var err error
				c, err = api.New(api.WithBaseURL(e.srv.URL), api.WithToken(readWriteToken), api.WithClock(e.clock), api.WithWritePacing(0))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(c.CloseIdleConnections)
			}
			a := e.deletedVersion(t, restorePkg, "sha256:aaa", []string{"v1", "latest"}, day)
			b := e.deletedVersion(t, restorePkg, "sha256:bbb", nil, 2*day)
			plan, err := c.MakePlan(context.Background(), restorePkg, api.Selector{IDs: []int64{a, b}})
			if err != nil || len(plan.Items) != 2 {
				t.Fatalf("plan %+v, err %v", plan.Items, err)
			}
			if !tt.listed && (plan.Items[0].Name != "" || plan.Items[1].Name != "") {
				t.Fatalf("unlisted items have names: %+v", plan.Items)
			}
			want1 := api.OutcomeRestored
			if tt.active {
				if _, err := e.c.RestoreVersion(context.Background(), restorePkg, a); err != nil {
					t.Fatal(err)
				}
				want1 = api.OutcomeAlreadyActive
			}
			e.srv.ResetRequests()
			e.srv.Script(api.OpGetVersion, tt.lookups...)

			rep, err := c.Apply(context.Background(), plan, nil)
			if err != nil || !rep.OK() || len(rep.Results) != 2 || rep.Failed != 0 {
				t.Fatalf("report %+v, err %v", rep, err)
			}
			var got []string
			for _, r := range e.srv.Requests() {
				op := map[api.Operation]string{api.OpRestoreVersion: "restore", api.OpGetVersion: "get"}[r.Op]
				id := a
				if strings.Contains(r.RawPath, "/"+itoa(b)) {
					id = b
				}
				got = append(got, r.Method+" "+op+" "+map[int64]string{a: "1", b: "2"}[id])
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("requests %q, want %q", got, tt.want)
			}
			want := []api.PlanItem{
				{Package: restorePkg, ID: a, Name: "sha256:aaa", Digest: "sha256:aaa", Tags: []string{"v1", "latest"}},
				{Package: restorePkg, ID: b, Name: "sha256:bbb", Digest: "sha256:bbb"},
			}
			for i, r := range rep.Results {
				w := want[i]
				if !tt.named {
					w = api.PlanItem{Package: restorePkg, ID: w.ID}
				}
				wantOut := api.OutcomeRestored
				if i == 0 {
					wantOut = want1
				}
				if r.Outcome != wantOut || r.Err != nil || r.Item.ID != w.ID || r.Item.Name != w.Name || r.Item.Digest != w.Digest || !slices.Equal(r.Item.Tags, w.Tags) {
					t.Errorf("result %d: %+v, want outcome %s and item %+v", i, r, wantOut, w)
				}
			}
			j, err := json.Marshal(rep.Results[0])
			if err != nil {
				t.Fatal(err)
			}
			if tt.named != strings.Contains(string(j), `"name":"sha256:aaa"`) {
				t.Errorf("JSON %s; named %v", j, tt.named)
			}
		})
	}
}

// An unlisted item an earlier run sent without hearing back (its journal
// says unknown) and that is active now is already active, found by one
// look-up and no restore; that look-up names it.
func TestApplyNamesAnUnlistedItemAnEarlierRunRestored(t *testing.T) {
	e := newEnv(t, nil, api.WithWritePacing(0))
	id := seedVersion(t, e.srv, restorePkg, apitest.VersionSeed{Name: "sha256:ccc", Tags: []string{"v3"}})
	plan := api.Plan{Schema: api.PlanSchema, BaseURL: e.c.BaseURL(), MadeAt: start, Selector: api.Selector{IDs: []int64{id}},
		Items: []api.PlanItem{{Package: restorePkg, ID: id, Reasons: []string{"id " + itoa(id) + " (not listed)"}}}}
	j := memJournal{}
	if err := j.Record(api.JournalEntry{Package: restorePkg, ID: id, Outcome: api.OutcomeUnknown, At: start}); err != nil {
		t.Fatal(err)
	}
	e.srv.ResetRequests()
	rep, err := e.c.Apply(context.Background(), plan, &api.ApplyOptions{Journal: j})
	if err != nil || rep.AlreadyActive != 1 || len(rep.Results) != 1 {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	if it := rep.Results[0].Item; it.Name != "sha256:ccc" || it.Digest != "sha256:ccc" || !slices.Equal(it.Tags, []string{"v3"}) {
		t.Errorf("item %+v, want it named sha256:ccc [v3]", it)
	}
	var ops []string
	for _, r := range e.srv.Requests() {
		ops = append(ops, r.Method)
	}
	if !slices.Equal(ops, []string{"GET"}) {
		t.Errorf("requests %v, want one GET", ops)
	}
}
