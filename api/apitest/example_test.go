package apitest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// Start serves the fake to a program; here the SDK lists the token user's
// packages (the /user routes) and the deleted versions of one of them.
func ExampleStart() {
	clock := apitest.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	srv, err := apitest.Start(apitest.WithClock(clock))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	demo := apitest.SeedDemo(srv)
	c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(demo.Token), api.WithClock(clock))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.CloseIdleConnections()
	ctx := context.Background()
	for p, err := range c.Packages(ctx, api.Me(), api.PackageTypeContainer, nil) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(p.Package.Name, p.Visibility, p.VersionCount)
	}
	for v, err := range c.Versions(ctx, demo.UserImage, &api.ListOptions{State: api.StateDeleted}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(v.ID == demo.UserImageDeleted, v.Tags, v.DaysLeft(clock.Now()))
	}
	fmt.Println(srv.Requests()[0].RawPath)
	// Output:
	// dotfiles private 1
	// true [v1] 29
	// /user/packages
}
