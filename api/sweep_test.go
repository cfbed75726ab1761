package api_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// sweepEnv is a fake with an organization "o", a user "u" and the token's
// own user "mona" (api.Me(), or api.User("mona")), and a client on it, both
// on a fake clock.
type sweepEnv struct {
	srv   *apitest.Server
	c     *api.Client
	clock *apitest.Clock
}

// The cleanup run to undo: Tuesday 14:00 to 14:20, five days before now.
var (
	runStart = start.Add(-5*24*time.Hour + 2*time.Hour)
	runEnd   = runStart.Add(20 * time.Minute)
)

func newSweepEnv(t testing.TB, scopes []string, srvOpts []apitest.Option, opts ...api.Option) *sweepEnv {
	t.Helper()
	clock := apitest.NewClock(start)
	srv := apitest.New(t, append([]apitest.Option{apitest.WithClock(clock)}, srvOpts...)...)
	srv.AddOrg("o")
	srv.AddUser("u")
	srv.AddToken(apitest.Token{Value: testToken, Kind: api.TokenClassic, User: "mona", Scopes: scopes})
	c, err := api.New(append([]api.Option{api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return &sweepEnv{srv: srv, c: c, clock: clock}
}

var allScopes = []string{"read:packages", "write:packages", "delete:packages"}

func digest(n int) string { return fmt.Sprintf("sha256:%064x", n) }

// ref is a version of a package, as a plan item names it.
type ref struct {
	pkg string
	id  int64
}

func refsOf(p api.Plan) []ref {
	var out []ref
	for _, it := range p.Items {
		out = append(out, ref{it.Package.Name, it.ID})
	}
	return out
}

// seedCleanup gives owner n container packages app-00, app-01, ... with two
// active versions each, and versions deleted just before, during and just
// after the cleanup run. Packages whose index is in hit have 1 to 3 versions
// deleted during the run; the others have versions deleted outside it only,
// or none. It returns the versions deleted during the run, in plan order.
//
// The packages are public: a named user's private packages are visible to
// that user only.
func seedCleanup(t testing.TB, srv *apitest.Server, owner api.Owner, n int, hit []int) []ref {
	t.Helper()
	var want []ref
	d := 0
	for i := range n {
		name := fmt.Sprintf("app-%02d", i)
		vs := []apitest.VersionSeed{
			{Name: digest(d + 1), Tags: []string{"latest"}, CreatedAt: start.Add(-40 * 24 * time.Hour)},
			{Name: digest(d + 2), CreatedAt: start.Add(-39 * 24 * time.Hour)},
		}
		d += 2
		inRun := 0
		if slices.Contains(hit, i) {
			inRun = 1 + i%3
		}
		for k := range inRun {
			d++
			vs = append(vs, apitest.VersionSeed{Name: digest(d), CreatedAt: start.Add(-20 * 24 * time.Hour),
				DeletedAt: runStart.Add(time.Duration(k) * 7 * time.Minute)}) // 14:00, 14:07, 14:14
		}
		if i%3 != 1 {
			for _, at := range []time.Time{runStart.Add(-time.Second), runEnd, runEnd.Add(time.Hour)} {
				d++
				vs = append(vs, apitest.VersionSeed{Name: digest(d), CreatedAt: start.Add(-20 * 24 * time.Hour), DeletedAt: at})
			}
		}
		ids := seedPackage(t, srv, api.Package{Owner: owner, Type: api.PackageTypeContainer, Name: name}, apitest.PackageSeed{Visibility: "public", Versions: vs})
		for k := range inRun {
			want = append(want, ref{name, ids[2+k]})
		}
	}
	return want
}

func TestMakeSweepPlanFindsTheRunAcrossPackages(t *testing.T) {
	e := newSweepEnv(t, allScopes, nil)
	hit := []int{2, 5, 9, 13, 17, 22, 28}
	want := seedCleanup(t, e.srv, api.Org("o"), 30, hit)
	// A package the run deleted whole: GitHub does not list it.
	gonePkg := api.Package{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: "gone"}
	gone := seedPackage(t, e.srv, gonePkg, apitest.PackageSeed{Versions: []apitest.VersionSeed{{Name: digest(9999), CreatedAt: start.Add(-20 * 24 * time.Hour)}}})
	e.clock.Advance(runStart.Add(time.Minute).Sub(e.clock.Now()))
	if _, err := e.srv.SoftDeletePackage(gonePkg); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(start.Sub(e.clock.Now()))
	e.srv.ResetRequests()

	sweep := api.Sweep{Owner: api.Org("o"), Type: api.PackageTypeContainer, DeletedSince: runStart, DeletedUntil: runEnd}
	plan, err := e.c.MakeSweepPlan(context.Background(), sweep)
	if err != nil {
		t.Fatal(err)
	}
	if got := refsOf(plan); !slices.Equal(got, want) {
		t.Fatalf("plan items = %v\nwant (the %d versions the run deleted, grouped by package) %v", got, len(want), want)
	}
	if n := len(plan.Packages()); n != len(hit) {
		t.Errorf("the plan touches %d packages, want %d", n, len(hit))
	}
	window := "deleted between " + runStart.Format(time.RFC3339) + " and " + runEnd.Format(time.RFC3339)
	for _, it := range plan.Items {
		if it.Package.Owner != api.Org("o") || it.Package.Type != api.PackageTypeContainer {
			t.Errorf("item %d names package %s", it.ID, it.Package)
		}
		if !slices.Equal(it.Reasons, []string{window}) {
			t.Errorf("item %d reasons %q, want [%q]", it.ID, it.Reasons, window)
		}
		if it.DaysLeft != it.DaysLeftAt(start) || it.DaysLeft != 25 {
			t.Errorf("item %d days left %d, want 25 (deleted %s, now %s)", it.ID, it.DaysLeft, it.DeletedAt, start)
		}
	}
	if len(plan.RestorePackages) != 0 {
		t.Errorf("restore packages %v: nothing was named", plan.RestorePackages)
	}
	if plan.Selector.DeletedSince != runStart || plan.Selector.DeletedUntil != runEnd || plan.Schema != api.PlanSchema || plan.BaseURL == "" {
		t.Errorf("plan header %+v", plan)
	}
	notes := strings.Join(plan.Notes, "\n")
	for _, s := range []string{"swept 30 of the 30 container packages", "7 with versions deleted between", "GitHub does not list packages deleted as a whole"} {
		if !strings.Contains(notes, s) {
			t.Errorf("notes %q lack %q", plan.Notes, s)
		}
	}

	// Reads only: one listing of packages, one deleted listing per package.
	lists, versions := 0, map[string]int{}
	for _, r := range e.srv.Requests() {
		switch {
		case r.Method != "GET":
			t.Errorf("a sweep sent %s %s", r.Method, r.RawPath)
		case r.Op == api.OpListPackages:
			lists++
		case r.Op == api.OpListVersions && strings.Contains(r.Query, "state=deleted"):
			versions[r.RawPath]++
		default:
			t.Errorf("unexpected request %s %s?%s", r.Method, r.RawPath, r.Query)
		}
	}
	if lists != 1 || len(versions) != 30 {
		t.Errorf("%d package listings and %d packages read, want 1 and 30", lists, len(versions))
	}

	// Named, the package deleted whole is restored first, then its versions.
	// app-05 is listed too: it is read once.
	sweep.Packages = []string{"gone", "app-05"}
	e.srv.ResetRequests()
	plan, err = e.c.MakeSweepPlan(context.Background(), sweep)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(refsOf(plan), want) {
		t.Errorf("naming packages changed the items: %v", refsOf(plan))
	}
	reads := map[string]int{}
	for _, r := range e.srv.Requests() {
		if r.Op == api.OpListVersions {
			reads[r.RawPath]++
		}
	}
	if len(reads) != 31 || reads["/orgs/o/packages/container/app-05/versions"] != 1 || reads["/orgs/o/packages/container/gone/versions"] != 1 {
		t.Errorf("version listings per package %v, want each of the 30 listed and the named one once", reads)
	}
	if wantPkg := (gonePkg); !slices.Equal(plan.RestorePackages, []api.Package{wantPkg}) {
		t.Errorf("restore packages %v, want [%s]", plan.RestorePackages, wantPkg)
	}
	if !strings.Contains(strings.Join(plan.Notes, "\n"), "package o/container/gone was not found") {
		t.Errorf("notes %q do not explain the named package", plan.Notes)
	}
	rep, err := e.c.Apply(context.Background(), plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.srv.IsPackageDeleted(gonePkg) {
		t.Error("the package deleted whole was not restored")
	}
	if v, ok := e.srv.LookupVersion(gonePkg, gone[0]); !ok || v.DeletedAt != nil {
		t.Errorf("the version of the restored package: %+v, %v", v, ok)
	}
	for _, w := range want {
		if v, ok := e.srv.LookupVersion(api.Package{Owner: api.Org("o"), Type: api.PackageTypeContainer, Name: w.pkg}, w.id); !ok || v.DeletedAt != nil {
			t.Errorf("%s version %d not restored (report %+v)", w.pkg, w.id, rep)
		}
	}
}

func TestMakeSweepPlanEveryOwner(t *testing.T) {
	for _, tc := range []struct {
		owner api.Owner
		login string // whose packages the fake holds
		path  string // the listing route's prefix
	}{
		{api.Org("o"), "o", "/orgs/o/packages"},
		// Only its owner sees a user's deleted versions (the fake answers
		// another user 404), so the named user is the token's own.
		{api.User("mona"), "mona", "/users/mona/packages"},
		{api.Me(), "mona", "/user/packages"},
	} {
		t.Run(tc.owner.String(), func(t *testing.T) {
			e := newSweepEnv(t, allScopes, nil)
			want := seedCleanup(t, e.srv, seeded(api.Package{Owner: tc.owner}, tc.login).Owner, 4, []int{1, 2})
			e.srv.ResetRequests()
			plan, err := e.c.MakeSweepPlan(context.Background(), api.Sweep{Owner: tc.owner, Type: api.PackageTypeContainer, DeletedSince: runStart, DeletedUntil: runEnd})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(refsOf(plan), want) {
				t.Errorf("items %v, want %v", refsOf(plan), want)
				t.Log(plan.Notes)
			}
			for _, it := range plan.Items {
				if it.Package.Owner != tc.owner {
					t.Errorf("item %d has owner %s, want %s", it.ID, it.Package.Owner, tc.owner)
				}
			}
			for _, r := range e.srv.Requests() {
				if !strings.HasPrefix(r.RawPath, tc.path) {
					t.Errorf("request %s %s is not under %s", r.Method, r.RawPath, tc.path)
				}
			}
		})
	}
}

func TestMakeSweepPlanNames(t *testing.T) {
	e := newSweepEnv(t, allScopes, nil)
	all := seedCleanup(t, e.srv, api.Org("o"), 30, []int{2, 5, 9, 13, 17, 22, 28})
	for _, tc := range []struct {
		glob string
		keep func(name string) bool
	}{
		{"", func(string) bool { return true }},
		{"*", func(string) bool { return true }},
		{"app-1*", func(n string) bool { return strings.HasPrefix(n, "app-1") }},
		{"app-[0-1]?", func(n string) bool { return n < "app-20" }},
		{"nothing-*", func(string) bool { return false }},
	} {
		t.Run(tc.glob, func(t *testing.T) {
			var want []ref
			for _, r := range all {
				if tc.keep(r.pkg) {
					want = append(want, r)
				}
			}
			plan, err := e.c.MakeSweepPlan(context.Background(), api.Sweep{Owner: api.Org("o"), Type: api.PackageTypeContainer, Names: tc.glob, DeletedSince: runStart})
			if err != nil {
				t.Fatal(err)
			}
			// DeletedSince alone: everything deleted from the run's start on.
			var got []ref
			for _, it := range plan.Items {
				if !it.DeletedAt.Before(runEnd) {
					continue
				}
				got = append(got, ref{it.Package.Name, it.ID})
			}
			if !slices.Equal(got, want) {
				t.Errorf("items deleted during the run %v, want %v", got, want)
			}
			for _, it := range plan.Items {
				if it.DeletedAt.Before(runStart) {
					t.Errorf("item %d deleted %s, before the window", it.ID, it.DeletedAt)
				}
			}
		})
	}
}

func TestSweepValidation(t *testing.T) {
	e := newSweepEnv(t, allScopes, nil)
	ok := api.Sweep{Owner: api.Org("o"), Type: api.PackageTypeNpm, DeletedSince: runStart}
	for _, tc := range []struct {
		name  string
		edit  func(*api.Sweep)
		field string
	}{
		{"no owner", func(s *api.Sweep) { s.Owner = api.Owner{} }, ""},
		{"bad org", func(s *api.Sweep) { s.Owner = api.Org("@me") }, "org"},
		{"bad type", func(s *api.Sweep) { s.Type = "pip" }, "package_type"},
		{"bad glob", func(s *api.Sweep) { s.Names = "app-[" }, "names"},
		{"no window", func(s *api.Sweep) { s.DeletedSince = time.Time{} }, "deleted_since"},
		{"empty window", func(s *api.Sweep) { s.DeletedUntil = runStart }, "deleted_until"},
		{"blank named package", func(s *api.Sweep) { s.Packages = []string{"ok", " "} }, "package_name"},
		{"dot-dot named package", func(s *api.Sweep) { s.Packages = []string{".."} }, "package_name"},
		{"negative concurrency", func(s *api.Sweep) { s.Concurrency = -1 }, "concurrency"},
		{"too much concurrency", func(s *api.Sweep) { s.Concurrency = 101 }, "concurrency"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			tc.edit(&s)
			_, err := e.c.MakeSweepPlan(context.Background(), s)
			var ve *api.ValidationError
			if !errors.As(err, &ve) || (tc.field != "" && ve.Field != tc.field) {
				t.Fatalf("err = %v, want a *ValidationError on %q", err, tc.field)
			}
			if s.Validate() == nil {
				t.Error("Sweep.Validate accepted it")
			}
		})
	}
	if err := ok.Validate(); err != nil {
		t.Errorf("a good sweep: %v", err)
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("%d requests sent for invalid sweeps", n)
	}
}

func TestMakeSweepPlanErrors(t *testing.T) {
	t.Run("a package read fails: the error names it", func(t *testing.T) {
		e := newSweepEnv(t, []string{"read:packages"}, nil) // no delete:packages: deleted listings answer 403
		seedCleanup(t, e.srv, api.Org("o"), 5, []int{1})
		_, err := e.c.MakeSweepPlan(context.Background(), api.Sweep{Owner: api.Org("o"), Type: api.PackageTypeContainer, DeletedSince: runStart})
		var apiErr *api.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || !strings.Contains(err.Error(), "package o/container/app-0") {
			t.Fatalf("err = %v, want GitHub's 403 naming the package", err)
		}
	})
	t.Run("the listing fails", func(t *testing.T) {
		e := newSweepEnv(t, allScopes, nil)
		_, err := e.c.MakeSweepPlan(context.Background(), api.Sweep{Owner: api.User("nobody"), Type: api.PackageTypeContainer, DeletedSince: runStart})
		var apiErr *api.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || !strings.Contains(err.Error(), "listing the container packages of") {
			t.Fatalf("err = %v, want the listing's 404", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		e := newSweepEnv(t, allScopes, nil)
		seedCleanup(t, e.srv, api.Org("o"), 5, []int{1})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := e.c.MakeSweepPlan(ctx, api.Sweep{Owner: api.Org("o"), Type: api.PackageTypeContainer, DeletedSince: runStart}); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

// The package listing is followed over all its pages: a package on the
// second page of 100 is swept.
func TestMakeSweepPlanListsEveryPage(t *testing.T) {
	e := newSweepEnv(t, allScopes, nil)
	var want []ref
	for i := range 130 {
		name := fmt.Sprintf("lib-%03d", i)
		vs := []apitest.VersionSeed{{Name: "1.0.0", CreatedAt: start.Add(-10 * 24 * time.Hour)}}
		if i == 117 {
			vs = append(vs, apitest.VersionSeed{Name: "1.0.1", CreatedAt: start.Add(-10 * 24 * time.Hour), DeletedAt: runStart})
		}
		ids := seedPackage(t, e.srv, api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: name}, apitest.PackageSeed{Versions: vs})
		if i == 117 {
			want = append(want, ref{name, ids[1]})
		}
	}
	e.srv.ResetRequests()
	plan, err := e.c.MakeSweepPlan(context.Background(), api.Sweep{Owner: api.Org("o"), Type: api.PackageTypeNpm, DeletedSince: runStart, DeletedUntil: runEnd})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(refsOf(plan), want) {
		t.Errorf("items %v, want %v", refsOf(plan), want)
	}
	lists := 0
	for _, r := range e.srv.Requests() {
		if r.Op == api.OpListPackages {
			lists++
		}
	}
	if lists != 2 || !strings.Contains(plan.Notes[0], "swept 130 of the 130 npm packages") {
		t.Errorf("%d listing pages (want 2); summary %q", lists, plan.Notes[0])
	}
}

// GitHub lists an owner's packages without Link headers although more
// pages exist (issue 17 item 1): a sweep over 250 packages served without
// Link finds all 250, with exactly 3 listing requests (pages 1, 2 and 3 of
// 100), each with package_type and per_page=100.
func TestSweepOverPackagesServedWithoutLinks(t *testing.T) {
	e := newSweepEnv(t, allScopes, nil)
	var want []ref
	for i := range 250 {
		name := fmt.Sprintf("svc-%03d", i)
		ids := seedPackage(t, e.srv, api.Package{Owner: api.Org("o"), Type: api.PackageTypeNpm, Name: name}, apitest.PackageSeed{Versions: []apitest.VersionSeed{
			{Name: "1.0.0", CreatedAt: start.Add(-10 * 24 * time.Hour)},
			{Name: "1.0.1", CreatedAt: start.Add(-10 * 24 * time.Hour), DeletedAt: runStart.Add(time.Minute)},
		}})
		want = append(want, ref{name, ids[1]})
	}
	e.srv.ResetRequests()
	plan, err := e.c.MakeSweepPlan(context.Background(), api.Sweep{Owner: api.Org("o"), Type: api.PackageTypeNpm, DeletedSince: runStart, DeletedUntil: runEnd})
	if err != nil {
		t.Fatal(err)
	}
	if got := refsOf(plan); len(got) != 250 || !slices.Equal(got, want) {
		t.Errorf("%d items, want the 250 versions deleted in the run", len(got))
	}
	var lists []string
	for _, r := range e.srv.Requests() {
		if r.Op == api.OpListPackages {
			lists = append(lists, r.Query)
		}
	}
	wantQ := []string{"package_type=npm&page=1&per_page=100", "package_type=npm&page=2&per_page=100", "package_type=npm&page=3&per_page=100"}
	if !slices.Equal(lists, wantQ) {
		t.Errorf("listing requests %q, want %q", lists, wantQ)
	}
}
