package api_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// A retention run deleted versions of several images between 14:00 and
// 14:20, and the whole of "team/old"; MakeSweepPlan finds them all in one
// plan, and Apply restores it.
func ExampleClient_MakeSweepPlan() {
	clock := apitest.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	srv, err := apitest.Start(apitest.WithClock(clock))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.AddOrg("octo-org")
	srv.AddToken(apitest.Token{Value: "ghp_example", Kind: api.TokenClassic, Scopes: []string{"read:packages", "write:packages", "delete:packages"}})
	run := time.Date(2026, 11, 17, 14, 0, 0, 0, time.UTC)
	created := run.Add(-30 * 24 * time.Hour)
	for i, name := range []string{"team/api", "team/web", "team/worker", "tools/ci"} {
		versions := []apitest.VersionSeed{{Name: fmt.Sprintf("sha256:%064d", 10*i), Tags: []string{"latest"}, CreatedAt: created}}
		if name != "tools/ci" { // the run left tools/ci alone
			versions = append(versions, apitest.VersionSeed{Name: fmt.Sprintf("sha256:%064d", 10*i+1), CreatedAt: created, DeletedAt: run.Add(time.Duration(i) * 5 * time.Minute)})
		}
		if _, err := srv.SeedPackage(api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: name}, apitest.PackageSeed{Versions: versions}); err != nil {
			panic(err)
		}
	}
	old := api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "team/old"}
	if _, err := srv.SeedPackage(old, apitest.PackageSeed{Versions: []apitest.VersionSeed{{Name: fmt.Sprintf("sha256:%064d", 99), CreatedAt: created}}}); err != nil {
		panic(err)
	}
	clock.Advance(run.Add(19 * time.Minute).Sub(clock.Now()))
	if _, err := srv.SoftDeletePackage(old); err != nil {
		panic(err)
	}
	clock.Advance(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC).Sub(clock.Now()))

	c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken("ghp_example"), api.WithClock(clock))
	if err != nil {
		panic(err)
	}
	defer c.CloseIdleConnections()
	plan, err := c.MakeSweepPlan(context.Background(), api.Sweep{
		Owner:        api.Org("octo-org"),
		Type:         api.PackageTypeContainer,
		Names:        "team/*",
		DeletedSince: run,
		DeletedUntil: run.Add(20 * time.Minute),
		Packages:     []string{"team/old"}, // deleted whole: GitHub does not list it
	})
	if err != nil {
		panic(err)
	}
	for _, pkg := range plan.RestorePackages {
		fmt.Println("restore whole:", pkg)
	}
	for _, it := range plan.Items {
		fmt.Println(it.Package.Name, it.ID, it.DaysLeft, "days left:", it.Reasons[0])
	}
	fmt.Println(plan.Notes[0])
	rep, err := c.Apply(context.Background(), plan, nil)
	fmt.Println("restored", rep.Restored, "versions,", len(rep.Packages), "package;", err)
	// Output:
	// restore whole: octo-org/container/team/old
	// team/api 2 27 days left: deleted between 2026-11-17T14:00:00Z and 2026-11-17T14:20:00Z
	// team/web 4 27 days left: deleted between 2026-11-17T14:00:00Z and 2026-11-17T14:20:00Z
	// team/worker 6 27 days left: deleted between 2026-11-17T14:00:00Z and 2026-11-17T14:20:00Z
	// swept 3 of the 4 container packages GitHub lists for octo-org (names matching "team/*"), and 1 named: 3 with versions deleted between 2026-11-17T14:00:00Z and 2026-11-17T14:20:00Z
	// restored 3 versions, 1 package; <nil>
}
