package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// demo starts the fake GitHub with org "octo-org", a classic token, and a
// container image "team/app" with two deleted versions (ids 1 and 2) and one
// active one (id 3). It returns a client for it.
func demo() (*apitest.Server, *api.Client) {
	clock := apitest.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	srv, err := apitest.Start(apitest.WithClock(clock))
	if err != nil {
		panic(err)
	}
	srv.AddOrg("octo-org")
	srv.AddToken(apitest.Token{Value: "ghp_example", Kind: api.TokenClassic, Scopes: []string{"read:packages", "write:packages", "delete:packages"}, User: "octocat"})
	app := api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "team/app"}
	for i, tag := range []string{"v1.0.0", "v1.1.0", "v1.2.0"} {
		if _, err := srv.SeedVersion(app, apitest.VersionSeed{
			Name: fmt.Sprintf("sha256:%064d", i+1), Tags: []string{tag},
			CreatedAt: clock.Now().Add(-72 * time.Hour),
		}); err != nil {
			panic(err)
		}
	}
	clock.Advance(-48 * time.Hour)
	_ = srv.SoftDeleteVersion(app, 1)
	_ = srv.SoftDeleteVersion(app, 2)
	clock.Advance(48 * time.Hour)
	c, err := api.New(
		api.WithBaseURL(srv.URL),
		api.WithToken("ghp_example"),
		api.WithClock(clock), // the fake clock: pacing and retries take no real time
	)
	if err != nil {
		panic(err)
	}
	return srv, c
}

func ExampleClient_RestoreVersion() {
	srv, c := demo()
	defer srv.Close()
	pkg := api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "team/app"}

	out, err := c.RestoreVersion(context.Background(), pkg, 1)
	fmt.Println(out, err)

	// Again: GitHub answers 400, the client checks and reports it is active.
	out, err = c.RestoreVersion(context.Background(), pkg, 1)
	fmt.Println(out, err)

	fmt.Println(srv.Requests()[0].Method, srv.Requests()[0].RawPath)
	// Output:
	// restored <nil>
	// already_active <nil>
	// POST /orgs/octo-org/packages/container/team%2Fapp/versions/1/restore
}

func ExampleClient_Versions() {
	srv, c := demo()
	defer srv.Close()
	pkg := api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "team/app"}
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

	for v, err := range c.Versions(context.Background(), pkg, &api.ListOptions{State: api.StateDeleted}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(v.ID, v.Tags, v.DaysLeft(now), "days left")
	}
	// Output:
	// 2 [v1.1.0] 28 days left
	// 1 [v1.0.0] 28 days left
}

func ExampleClient_GetVersion() {
	srv, c := demo()
	defer srv.Close()
	pkg := api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "team/app"}

	v, err := c.GetVersion(context.Background(), pkg, 3)
	fmt.Println(v.ID, v.Tags, v.Deleted(), err)

	_, err = c.GetVersion(context.Background(), pkg, 99)
	fmt.Println(errors.Is(err, api.ErrNotFound))
	// Output:
	// 3 [v1.2.0] false <nil>
	// true
}

func ExampleClient_RestorePackage() {
	clock := apitest.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	srv, err := apitest.Start(apitest.WithClock(clock))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.AddToken(apitest.Token{Value: "ghp_example", Kind: api.TokenClassic, Scopes: []string{"read:packages", "write:packages"}})
	pkg := api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeNpm, Name: "left-pad"}
	id, err := srv.SeedVersion(pkg, apitest.VersionSeed{Name: "1.3.0"})
	if err != nil {
		panic(err)
	}
	_ = srv.SoftDeleteVersion(pkg, id) // the last version: the package goes too

	c, _ := api.New(api.WithBaseURL(srv.URL), api.WithToken("ghp_example"), api.WithClock(clock))

	_, err = c.GetVersion(context.Background(), pkg, id)
	fmt.Println(err != nil)
	out, err := c.RestorePackage(context.Background(), pkg, nil)
	fmt.Println(out, err)
	v, err := c.GetVersion(context.Background(), pkg, id)
	fmt.Println(v.Name, v.Deleted(), err)
	// Output:
	// true
	// restored <nil>
	// 1.3.0 false <nil>
}

func ExampleClient_Preflight() {
	srv, c := demo()
	defer srv.Close()

	r, err := c.Preflight(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.TokenKind, r.Scopes, r.OK())
	fmt.Println("can list deleted versions:", r.ListDeleted.Allowed, "can restore:", r.Restore.Allowed)
	// Output:
	// classic personal access token [read:packages write:packages delete:packages] true
	// can list deleted versions: true can restore: true
}

func ExampleClient_Packages() {
	srv, c := demo()
	defer srv.Close()
	if _, err := srv.SeedPackage(api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "team/web"}, apitest.PackageSeed{Versions: []apitest.VersionSeed{{Name: "sha256:1"}}}); err != nil {
		panic(err)
	}
	if _, err := srv.SeedPackage(api.Package{Owner: api.User("octocat"), Type: api.PackageTypeContainer, Name: "dotfiles"}, apitest.PackageSeed{Versions: []apitest.VersionSeed{{Name: "sha256:2"}}}); err != nil {
		panic(err)
	}

	for _, owner := range []api.Owner{api.Org("octo-org"), api.Me()} {
		for p, err := range c.Packages(context.Background(), owner, api.PackageTypeContainer, nil) {
			if err != nil {
				fmt.Println(err)
				return
			}
			fmt.Println(p.Package, p.VersionCount)
		}
	}
	// Output:
	// octo-org/container/team/app 1
	// octo-org/container/team/web 1
	// @me/container/dotfiles 1
}

func ExampleOwner() {
	for _, owner := range []api.Owner{api.Org("octo-org"), api.User("octocat"), api.User("@me"), api.Me()} {
		b, _ := json.Marshal(owner)
		fmt.Println(owner.Kind(), owner.Path(), string(b))
	}
	// Output:
	// org /orgs/octo-org {"org":"octo-org"}
	// user /users/octocat {"user":"octocat"}
	// me /user {"user":"@me"}
	// me /user {"user":"@me"}
}

func ExampleNew_enterpriseServer() {
	c, err := api.New(
		api.WithBaseURL("ghes.example.com"), // becomes https://ghes.example.com/api/v3
		api.WithToken("ghp_example"),
		api.WithWritePacing(2*time.Second),
	)
	fmt.Println(c.BaseURL(), err)
	fmt.Printf("%v\n", c) // never shows the token
	// Output:
	// https://ghes.example.com/api/v3 <nil>
	// api.Client{base: https://ghes.example.com/api/v3, token: classic personal access token}
}

func ExampleRateLimitError() {
	srv, c := demo()
	defer srv.Close()
	srv.Script(api.OpRestoreVersion, apitest.SecondaryLimit(403, "600")) // longer than MaxWait
	pkg := api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "team/app"}

	_, err := c.RestoreVersion(context.Background(), pkg, 1)
	var rl *api.RateLimitError
	if errors.As(err, &rl) {
		fmt.Println("secondary:", rl.Secondary, "retry at:", rl.RetryAt.Format(time.RFC3339))
	}
	// Output:
	// secondary: true retry at: 2026-11-20T09:10:00Z
}

// An organization that enforces SAML single sign-on refuses a token not
// authorized for it; the error carries the page where the user authorizes
// the token.
func ExampleErrSSORequired() {
	srv, err := apitest.Start(apitest.WithSSO("octo-org"))
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.AddOrg("octo-org")
	srv.AddToken(apitest.Token{Value: "ghp_example", Scopes: []string{"read:packages", "write:packages"}})
	c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken("ghp_example"))
	if err != nil {
		panic(err)
	}
	pkg := api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "team/app"}
	_, err = c.RestoreVersion(context.Background(), pkg, 1)
	var apiErr *api.Error
	if errors.Is(err, api.ErrSSORequired) && errors.As(err, &apiErr) {
		u, _, _ := strings.Cut(apiErr.SSOURL, "?")
		fmt.Println("authorize the token at", u)
	}
	// Output:
	// authorize the token at https://github.com/orgs/octo-org/sso
}
