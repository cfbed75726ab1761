package image_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
)

// A cleanup deleted the platform images of a multi-arch image: plan, apply
// and verify it against the fake GitHub and its fake registry.
// incident starts the fake GitHub and its fake registry after the usual
// cleanup: acme/web tagged v1 for linux/amd64 and linux/arm64, whose two
// platform manifests were deleted. It returns a Restorer of acme/web (with
// a GitHub client, or without one for the registry alone) and a function
// that stops it all.
func incident(withGitHub bool) (*image.Restorer, func()) {
	clock := apitest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	gh, err := apitest.Start(apitest.WithClock(clock))
	if err != nil {
		panic(err)
	}
	gh.AddToken(apitest.Token{Value: "ghp_example", Scopes: []string{"read:packages", "write:packages", "delete:packages"}})
	reg := apitest.StartRegistry(gh)
	stop := func() { reg.Close(); gh.Close() }
	pkg := api.Package{Owner: api.Org("acme"), Type: api.PackageTypeContainer, Name: "web"}
	if _, err := reg.SeedIndexFor(pkg, apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64", "linux/arm64"}}); err != nil {
		panic(err)
	}
	if _, err := reg.DeleteUntaggedChildrenOf(pkg); err != nil {
		panic(err)
	}

	var client *api.Client
	if withGitHub {
		if client, err = api.New(api.WithBaseURL(gh.URL), api.WithToken("ghp_example"), api.WithClock(clock)); err != nil {
			panic(err)
		}
	}
	rc, err := image.NewRegistry(image.WithRegistry(reg.URL), image.WithToken("ghp_example"), image.WithClock(clock))
	if err != nil {
		panic(err)
	}
	r, err := image.NewRestorer(client, rc, pkg, nil)
	if err != nil {
		panic(err)
	}
	return r, func() {
		rc.CloseIdleConnections()
		if client != nil {
			client.CloseIdleConnections()
		}
		stop()
	}
}

func ExampleRestorer() {
	ctx := context.Background()
	r, stop := incident(true)
	defer stop()

	plan, err := r.Plan(ctx, "v1")
	if err != nil {
		panic(err)
	}
	for _, e := range plan.Images[0].Manifests {
		fmt.Println(e.Role, e.Platform, e.State)
	}
	res, err := r.Apply(ctx, plan, nil)
	if err != nil {
		panic(err)
	}
	report, err := r.Verify(ctx, res.Plan)
	if err != nil {
		panic(err)
	}
	for _, p := range report.Images[0].Platforms() {
		fmt.Println(p.Platform, "whole:", p.Whole)
	}
	fmt.Println("restored:", len(res.Report.Results), "image whole:", report.Whole())
	// Output:
	// index  present
	// platform linux/amd64 deleted
	// platform linux/arm64 deleted
	// linux/amd64 whole: true
	// linux/arm64 whole: true
	// restored: 2 image whole: true
}

// Verify of Roots is a health check of an image in the registry alone: nothing is
// restored, and no GitHub client is needed.
func ExampleRoots() {
	r, stop := incident(false)
	defer stop()
	report, err := r.Verify(context.Background(), image.Roots("v1"))
	if err != nil {
		panic(err)
	}
	for _, p := range report.Images[0].Platforms() {
		fmt.Println(p.Platform, p.Manifests[0].State)
	}
	// Output:
	// linux/amd64 missing
	// linux/arm64 missing
}

// An image plan is saved to a file, reviewed, and applied later exactly as
// written, with a journal so that an interrupted apply resumes: the same
// plan files, engine and report as a plan of versions.
func ExampleParsePlan() {
	ctx := context.Background()
	r, stop := incident(true)
	defer stop()
	plan, err := r.Plan(ctx, "v1")
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "plan")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "plan.json")
	data, err := json.Marshal(plan)
	if err != nil {
		panic(err)
	}
	if err := os.WriteFile(file, data, 0o600); err != nil {
		panic(err)
	}

	// Later, perhaps in another process:
	data, err = os.ReadFile(file)
	if err != nil {
		panic(err)
	}
	saved, err := image.ParsePlan(data)
	if err != nil {
		panic(err)
	}
	for _, it := range saved.Items {
		fmt.Println("restore:", it.Reasons[0])
	}
	journal, err := api.OpenJournal(file + ".journal")
	if err != nil {
		panic(err)
	}
	defer journal.Close()
	res, err := r.Apply(ctx, saved, &api.ApplyOptions{Journal: journal})
	if err != nil {
		panic(err)
	}
	fmt.Println("restored:", res.Report.Restored, "ok:", res.Report.OK())
	// Output:
	// restore: platform linux/amd64 of v1
	// restore: platform linux/arm64 of v1
	// restored: 2 ok: true
}
