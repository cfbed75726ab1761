// Command quickstart shows the SDK end to end with no token and no network:
// it starts the fake GitHub of api/apitest in this process, seeds an
// organization whose cleanup deleted container versions (tagged and
// untagged) and a whole npm package, lists what was deleted, plans and
// applies the restore while the fake answers a 502 and a secondary rate
// limit, verifies, and prints a short report. A second act (image.go) restores
// a multi-arch image whose platforms a cleanup deleted, from a fake registry
// beside the fake GitHub, and verifies it platform by platform.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

func main() {
	if err := run(context.Background(), os.Stdout, api.SystemClock{}, demoPacing); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// demoPacing shortens GitHub's one second between writes so the demo ends
// in seconds; the output says so.
const demoPacing = 200 * time.Millisecond

// run is the demo; clk drives both the client and the fake (the test gives
// a fake clock, main the wall clock).
func run(ctx context.Context, w io.Writer, clk api.Clock, pacing time.Duration) error {
	began := clk.Now()
	srv, err := apitest.Start(apitest.WithClock(clk))
	if err != nil {
		return err
	}
	defer srv.Close()
	demo := apitest.SeedDemo(srv)

	policy := api.DefaultRetryPolicy()
	policy.BaseDelay = pacing // also shortened for the demo
	client, err := api.New(
		api.WithBaseURL(srv.URL),
		api.WithToken(demo.Token),
		api.WithClock(clk),
		api.WithWritePacing(pacing),
		api.WithRetryPolicy(policy),
		api.WithWaitHook(func(ev api.WaitEvent) {
			if ev.Reason == api.ReasonPacing || ev.Reason == api.ReasonReadBudget {
				return
			}
			fmt.Fprintf(w, "   retry: GitHub answered %d (%s); waiting %s before attempt %d\n", ev.Status, ev.Reason, ev.Wait.Round(time.Millisecond), ev.Attempt)
		}),
	)
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()

	fmt.Fprintln(w, "restore quickstart: a fake GitHub in this process; no token, no network.")
	fmt.Fprintf(w, "Writes are paced %s apart for the demo (GitHub asks for at least 1s; the SDK's default).\n\n", pacing)

	// 1. What did the cleanup delete?
	fmt.Fprintf(w, "1. Deleted versions of %s:\n", demo.Image)
	now := clk.Now()
	for v, err := range client.Versions(ctx, demo.Image, &api.ListOptions{State: api.StateDeleted}) {
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "   %d  %s…  %-16s deleted %s, %d days left to restore\n",
			v.ID, v.Digest[:19], orNone(v.Tags), v.DeletedAt.Format("2006-01-02"), v.DaysLeft(now))
	}

	// 2. Plan: every deleted version, and the npm package deleted whole.
	plan, err := client.MakePlan(ctx, demo.Image, api.Selector{All: true})
	if err != nil {
		return err
	}
	libPlan, err := client.MakePlan(ctx, demo.Library, api.Selector{All: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n2. Plan: restore %d versions of %s; %s is deleted whole, so it is restored as a package.\n",
		len(plan.Items), demo.Image, demo.Library)

	// 3. Apply, while GitHub misbehaves.
	srv.Script(api.OpRestoreVersion, apitest.BadGateway)
	srv.Script(api.OpRestoreVersion, apitest.Fault{}, apitest.SecondaryLimit(403, "1"))
	fmt.Fprintln(w, "\n3. Apply (the fake answers one 502 and one secondary rate limit on the way):")
	rep, err := client.Apply(ctx, plan, &api.ApplyOptions{Progress: func(p api.Progress) {
		fmt.Fprintf(w, "   [%d/%d] %d %s\n", p.Done, p.Total, p.Result.Item.ID, p.Result.Outcome)
	}})
	if err != nil {
		return err
	}
	libRep, err := client.Apply(ctx, libPlan, nil)
	if err != nil {
		return err
	}
	for _, pr := range libRep.Packages {
		if pr.Err != nil {
			return pr.Err
		}
		fmt.Fprintf(w, "   package %s: %s\n", pr.Package, pr.Outcome)
	}

	// 4. Verify against GitHub's view, and show that re-applying is safe.
	active := 0
	for _, it := range plan.Items {
		v, err := client.GetVersion(ctx, demo.Image, it.ID)
		if err != nil {
			return err
		}
		if !v.Deleted() {
			active++
		}
	}
	again, err := client.Apply(ctx, plan, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n4. Verify: %d of %d versions active again; %s lists its versions again: %t.\n",
		active, len(plan.Items), demo.Library, !srv.IsPackageDeleted(demo.Library))
	fmt.Fprintf(w, "   Applying the plan again: %d already active, %d restored, %d failed (a safe no-op).\n",
		again.AlreadyActive, again.Restored, again.Failed)

	imageRestored, err := imageAct(ctx, w, clk, srv, client) // image.go
	if err != nil {
		return err
	}

	if v := srv.Violations(); len(v) > 0 {
		return fmt.Errorf("the fake saw %d request(s) or answer(s) outside GitHub's description: %v", len(v), v)
	}
	fmt.Fprintf(w, "\nDone: restored %d versions (%d of them an image's manifests) and 1 package in %s; every request and answer matched GitHub's OpenAPI description.\n",
		rep.Restored+imageRestored, imageRestored, clk.Now().Sub(began).Round(100*time.Millisecond))
	if !rep.OK() || active != len(plan.Items) {
		return fmt.Errorf("not everything was restored: %+v", rep)
	}
	return nil
}

func orNone(tags []string) string {
	if len(tags) == 0 {
		return "(untagged)"
	}
	return strings.Join(tags, ",")
}
