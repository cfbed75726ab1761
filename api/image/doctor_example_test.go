package image_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
)

// A nightly check of every container package of an organization: the
// doctor finds the images a cleanup broke, and the versions that repair
// them.
func ExampleDoctor() {
	ctx := context.Background()
	clock := apitest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	gh, err := apitest.Start(apitest.WithClock(clock))
	if err != nil {
		panic(err)
	}
	defer gh.Close()
	gh.AddOrg("acme")
	gh.AddToken(apitest.Token{Value: "ghp_example", Scopes: []string{"read:packages", "delete:packages"}})
	reg := apitest.StartRegistry(gh)
	defer reg.Close()
	for _, name := range []string{"team/web", "team/api"} {
		pkg := api.Package{Owner: api.Org("acme"), Type: api.PackageTypeContainer, Name: name}
		if _, err := reg.SeedIndexFor(pkg, apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64", "linux/arm64"}}); err != nil {
			panic(err)
		}
	}
	web := api.Package{Owner: api.Org("acme"), Type: api.PackageTypeContainer, Name: "team/web"}
	if _, err := reg.DeleteUntaggedChildrenOf(web); err != nil { // the cleanup
		panic(err)
	}

	client, err := api.New(api.WithBaseURL(gh.URL), api.WithToken("ghp_example"), api.WithClock(clock))
	if err != nil {
		panic(err)
	}
	defer client.CloseIdleConnections()
	rc, err := image.NewRegistry(image.WithRegistry(reg.URL), image.WithToken("ghp_example"), image.WithClock(clock))
	if err != nil {
		panic(err)
	}
	defer rc.CloseIdleConnections()

	rep, err := image.Doctor(ctx, client, rc, api.Org("acme"), &image.DoctorOptions{Packages: "team/*"})
	if err != nil {
		panic(err)
	}
	for _, p := range rep.Packages {
		fmt.Printf("%s: %d tagged, %d broken\n", p.Package.Name, p.Plan.Scanned, len(p.Plan.Images))
		for _, img := range p.Plan.Images {
			fmt.Printf("  %s:%s restores %d versions\n", p.Plan.Repository, img.Tags[0], len(img.ToRestore()))
		}
	}
	fmt.Println(rep.Broken(), "broken,", rep.Failed(), "not checked")
	// Output:
	// team/web: 1 tagged, 1 broken
	//   acme/team/web:v1 restores 2 versions
	// team/api: 1 tagged, 0 broken
	// 1 broken, 0 not checked
}
