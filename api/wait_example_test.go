package api_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// WithWaitHook hears of every wait before it starts: here a 502, a
// secondary rate limit, and the pacing between two restores. The fake clock
// makes the waits take no real time.
func ExampleWithWaitHook() {
	clock := apitest.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	srv, err := apitest.Start(apitest.WithClock(clock))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.AddOrg("octo-org")
	srv.AddToken(apitest.Token{Value: "ghp_example", Kind: api.TokenClassic, Scopes: []string{"read:packages", "write:packages"}})
	lib := api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeNpm, Name: "lib"}
	ids, err := srv.SeedPackage(lib, apitest.PackageSeed{Versions: []apitest.VersionSeed{
		{Name: "1.0.0", CreatedAt: clock.Now().Add(-time.Hour)},
		{Name: "1.1.0", CreatedAt: clock.Now().Add(-time.Hour)},
		{Name: "1.2.0", CreatedAt: clock.Now().Add(-time.Hour)},
	}})
	if err != nil {
		panic(err)
	}
	ids = ids[:2] // 1.2.0 stays active: deleting a package's last version deletes the package
	for _, id := range ids {
		_ = srv.SoftDeleteVersion(lib, id)
	}
	srv.Script(api.OpRestoreVersion, apitest.BadGateway, apitest.SecondaryLimit(403, "30"))

	policy := api.DefaultRetryPolicy()
	policy.BaseDelay, policy.MaxDelay = time.Millisecond, time.Millisecond // a short backoff; pacing still holds
	c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken("ghp_example"), api.WithClock(clock),
		api.WithRetryPolicy(policy), api.WithWritePacing(5*time.Second),
		api.WithWaitHook(func(ev api.WaitEvent) {
			cause := "-"
			if ev.Status != 0 {
				cause = fmt.Sprint(ev.Status)
			}
			fmt.Printf("waiting %s: %s (%s) before attempt %d\n", ev.Wait.Round(time.Second), ev.Reason, cause, ev.Attempt)
		}))
	if err != nil {
		panic(err)
	}
	defer c.CloseIdleConnections()
	pkg := api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeNpm, Name: "lib"}
	for _, id := range ids {
		out, err := c.RestoreVersion(context.Background(), pkg, id)
		fmt.Println(out, err)
	}
	// Output:
	// waiting 0s: server error (502) before attempt 2
	// waiting 5s: write pacing (-) before attempt 2
	// waiting 30s: secondary rate limit (403) before attempt 3
	// restored <nil>
	// waiting 5s: write pacing (-) before attempt 1
	// restored <nil>
}
