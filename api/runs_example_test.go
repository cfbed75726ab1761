package api_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// "Undo run N": read the cleanup's workflow run, and sweep the owner's
// packages for what was deleted while it ran.
func ExampleWorkflowRun_Sweep() {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	clock := apitest.NewClock(now)
	srv, err := apitest.Start(apitest.WithClock(clock))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.AddOrg("octo-org")
	srv.AddToken(apitest.Token{Value: "ghp_example", Kind: api.TokenClassic, Scopes: []string{"read:packages", "write:packages", "delete:packages"}})
	started := time.Date(2026, 11, 17, 14, 0, 0, 0, time.UTC)
	created := started.Add(-30 * 24 * time.Hour)
	for i, name := range []string{"team/api", "team/web"} {
		pkg := api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: name}
		if _, err := srv.SeedPackage(pkg, apitest.PackageSeed{Versions: []apitest.VersionSeed{
			{Name: fmt.Sprintf("sha256:%064d", 10*i), Tags: []string{"latest"}, CreatedAt: created},
			{Name: fmt.Sprintf("sha256:%064d", 10*i+1), CreatedAt: created, DeletedAt: started.Add(time.Duration(i+1) * 3 * time.Minute)},
			{Name: fmt.Sprintf("sha256:%064d", 10*i+2), CreatedAt: created, DeletedAt: started.Add(-24 * time.Hour)}, // another day's
		}}); err != nil {
			panic(err)
		}
	}
	id := srv.AddWorkflowRun("octo-org", "infra", apitest.WorkflowRunSeed{Name: "Clean up images", RunNumber: 562, StartedAt: started, UpdatedAt: started.Add(8 * time.Minute)})

	c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken("ghp_example"), api.WithClock(clock))
	if err != nil {
		panic(err)
	}
	defer c.CloseIdleConnections()
	ref, err := api.ParseRunRef(fmt.Sprintf("https://github.com/octo-org/infra/actions/runs/%d", id))
	if err != nil {
		panic(err)
	}
	run, err := c.WorkflowRun(context.Background(), ref)
	if err != nil {
		panic(err)
	}
	since, until := run.Window(api.RunWindowMargin)
	fmt.Printf("%s #%d (%s), %s: %s to %s\n", run.Name, run.RunNumber, run.Ref, run.Conclusion, since.Format(time.Kitchen), until.Format(time.Kitchen))
	plan, err := c.MakeSweepPlan(context.Background(), run.Sweep(api.Org("octo-org"), api.PackageTypeContainer))
	if err != nil {
		panic(err)
	}
	for _, it := range plan.Items {
		fmt.Println(it.Package.Name, it.ID, it.DeletedAt.Format(time.Kitchen))
	}
	// Output:
	// Clean up images #562 (octo-org/infra/30433642), success: 1:58PM to 2:10PM
	// team/api 2 2:03PM
	// team/web 5 2:06PM
}
