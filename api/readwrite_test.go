package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// readWriteToken has read:packages and write:packages, not delete:packages:
// enough to restore, not to list deleted versions.
const readWriteToken = "ghp_readwrite0123456789abcdefghijklmnopqr"

// Restoring known ids needs no delete:packages (issue 17 item 3): when the
// deleted listing answers 403 for want of it, MakePlan looks each id up
// (an active one is left out with a note), plans the others unlisted with
// a note saying what could not be listed and why, and Apply restores them.
// Under both of GitHub's answers to a restore of an active version.
func TestPlanByIDsWithAReadWriteToken(t *testing.T) {
	for _, active := range []int{204, 400} {
		t.Run(strconv.Itoa(active), func(t *testing.T) {
			e := newEnv(t, []apitest.Option{apitest.WithActiveRestore(active)}, api.WithWritePacing(0))
			e.srv.AddToken(apitest.Token{Value: readWriteToken, Scopes: []string{"read:packages", "write:packages"}})
			c, err := api.New(api.WithBaseURL(e.srv.URL), api.WithToken(readWriteToken), api.WithClock(e.clock), api.WithWritePacing(0))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.CloseIdleConnections)
			pkg := restorePkg
			gone := e.deletedVersion(t, pkg, "sha256:gone", []string{"v1"}, 2*day)
			gone2 := e.deletedVersion(t, pkg, "sha256:gone2", nil, 3*day)
			live := seedVersion(t, e.srv, pkg, apitest.VersionSeed{Name: "sha256:live"})
			e.srv.ResetRequests()

			plan, err := c.MakePlan(context.Background(), pkg, api.Selector{IDs: []int64{gone2, live, gone, gone}, Tags: []string{"v*"}})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(plan.Items); !slices.Equal(got, []int64{gone, gone2}) {
				t.Fatalf("items %v, want %d and %d", got, gone, gone2)
			}
			notes := strings.Join(plan.Notes, "\n")
			for _, want := range []string{
				"the deleted versions could not be listed: the token lacks delete:packages",
				"You need at least delete:packages and read:packages scopes",
				"restoring needs only read:packages and write:packages",
				"version " + itoa(live) + " is active: nothing to restore",
				"not selected, since that needs the deleted listing (add delete:packages to the token): tags (v*)",
			} {
				if !strings.Contains(notes, want) {
					t.Errorf("notes lack %q:\n%s", want, notes)
				}
			}
			var ops []string
			for _, r := range e.srv.Requests() {
				ops = append(ops, r.Method+" "+strconv.Itoa(r.Status))
			}
			// The refused listing, then one look-up per distinct id.
			if want := []string{"GET 403", "GET 404", "GET 200", "GET 404"}; !slices.Equal(ops, want) {
				t.Errorf("requests %v, want %v", ops, want)
			}

			rep, err := c.Apply(context.Background(), plan, nil)
			if err != nil || !rep.OK() || rep.Restored != 2 || rep.AlreadyActive != 0 {
				t.Fatalf("report %+v, err %v", rep, err)
			}
			for _, id := range []int64{gone, gone2, live} {
				if v, _ := e.srv.LookupVersion(pkg, id); v.DeletedAt != nil {
					t.Errorf("version %d still deleted", id)
				}
			}
			// A plan file made so reads back.
			b, _ := json.Marshal(plan)
			if _, err := api.ParsePlan(b); err != nil {
				t.Errorf("ParsePlan: %v", err)
			}
		})
	}
}

// Without ids, or for another 403, the refused listing is the error.
func TestPlanWithoutDeleteScopeNeedsIDs(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.AddToken(apitest.Token{Value: readWriteToken, Scopes: []string{"read:packages", "write:packages"}})
	c, err := api.New(api.WithBaseURL(e.srv.URL), api.WithToken(readWriteToken), api.WithClock(e.clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	e.deletedVersion(t, restorePkg, "sha256:gone", nil, day)
	_, err = c.MakePlan(context.Background(), restorePkg, api.Selector{All: true})
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || !strings.Contains(apiErr.Hint, "lacks the delete:packages scope") || !strings.Contains(apiErr.Hint, "given version ids are restored without the listing") {
		t.Errorf("err %v; want the 403 naming delete:packages", err)
	}
}

// GitHub answers a restore of an active version 204 or 400 (issue 17 item
// 4). After a 400 the client looks the version up and reports it already
// active; a 204 does not say whether it was deleted, and is a restore.
func TestRestoreOfAnActiveVersionUnderBothAnswers(t *testing.T) {
	tests := []struct {
		status int
		want   api.Outcome
		gets   int
	}{
		{400, api.OutcomeAlreadyActive, 1},
		{204, api.OutcomeRestored, 0},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			e := newEnv(t, []apitest.Option{apitest.WithActiveRestore(tt.status)}, api.WithWritePacing(0))
			id := seedVersion(t, e.srv, restorePkg, apitest.VersionSeed{Name: "sha256:1"})
			out, err := e.c.RestoreVersion(context.Background(), restorePkg, id)
			if err != nil || out != tt.want {
				t.Fatalf("%q %v, want %q", out, err, tt.want)
			}
			gets := 0
			for _, r := range e.srv.Requests() {
				if r.Op == api.OpGetVersion {
					gets++
				}
			}
			if gets != tt.gets {
				t.Errorf("%d look-ups, want %d", gets, tt.gets)
			}
			// A plan never restores it: the deleted listing does not show it.
			plan, err := e.c.MakePlan(context.Background(), restorePkg, api.Selector{IDs: []int64{id}})
			if err != nil || len(plan.Items) != 0 || !strings.Contains(strings.Join(plan.Notes, "\n"), "is active: nothing to restore") {
				t.Errorf("plan %+v, err %v", plan, err)
			}
		})
	}
}
