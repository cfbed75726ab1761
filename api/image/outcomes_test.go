package image_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
)

// A registry that serves none of the manifests that active versions of the
// package hold is an error naming its host, from Plan and from Broken,
// rather than a plan of broken images (measurement 1: "BROKEN … the
// registry does not serve it", then "Nothing to restore", exit 0).
func TestRegistryServingNoneOfThePackageIsWrong(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  func(e *env, t *testing.T) string
	}{
		{"another registry", func(e *env, t *testing.T) string { return apitest.NewRegistry(t, e.gh).URL }},
		{"the API's own host", func(e *env, t *testing.T) string {
			t.Cleanup(func() { e.gh.TakeViolations() }) // /v2/… is no route of the API
			return e.gh.URL
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.seed(apitest.ImageSpec{Tags: []string{"v1.4.0"}, Platforms: []string{"linux/amd64", "linux/arm64"}})
			seedImage(t, e.reg, app, "other", "v1.3.0")
			wrong, err := image.NewRegistry(image.WithRegistry(tc.url(e, t)), image.WithToken(testToken), image.WithClock(e.clock))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(wrong.CloseIdleConnections)
			r, err := image.NewRestorer(e.c, wrong, e.pkg, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.Plan(ctx(t), "v1.4.0")
			var we *image.WrongRegistryError
			if !errors.Is(err, image.ErrWrongRegistry) || !errors.As(err, &we) || we.Host != wrong.Host() || we.Asked != 1 || we.Package != "acme/team/app" {
				t.Fatalf("Plan: %v (%+v); want a *WrongRegistryError naming %s", err, we, wrong.Host())
			}
			_, err = r.Broken(ctx(t))
			if !errors.As(err, &we) || we.Asked != 2 {
				t.Fatalf("Broken: %v; want a *WrongRegistryError after 2 reads", err)
			}
		})
	}
}

// The right registry missing one image's manifest is a broken image, not a
// wrong registry.
func TestRightRegistryWithABrokenImageIsNotWrong(t *testing.T) {
	e := newEnv(t, nil)
	e.seed(apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64"}})
	deleteUntaggedChildren(t, e.reg, app)
	plan, err := e.r.Plan(ctx(t), "v1")
	if err != nil || plan.Whole() || len(plan.Restores()) != 1 {
		t.Fatalf("plan: %v, whole %v, restores %d", err, plan.Whole(), len(plan.Restores()))
	}
}

// A tag or digest that no version of the package has is "not found", with
// the nearest tags as suggestions, beside the plan of the other images
// (measurement 1: --image v9.9.9 exited 0).
func TestUnknownImageIsNotFoundWithSuggestions(t *testing.T) {
	e := newEnv(t, nil)
	for _, tag := range []string{"v1.4.0", "v1.4.1", "v1.3.0", "latest"} {
		seedImage(t, e.reg, app, tag, tag)
	}
	unknown := "sha256:ab00000000000000000000000000000000000000000000000000000000000000"
	for _, tc := range []struct {
		name    string
		roots   []string
		missing []string
		suggest map[string][]string
	}{
		{"a near tag", []string{"v1.4.2"}, []string{"v1.4.2"}, map[string][]string{"v1.4.2": {"v1.4.0", "v1.4.1", "v1.3.0"}}},
		{"beside a known image", []string{"v1.4.0", "lates"}, []string{"lates"}, map[string][]string{"lates": {"latest", "v1.3.0", "v1.4.0"}}},
		{"a digest", []string{unknown}, []string{unknown}, map[string][]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := e.r.Plan(ctx(t), tc.roots...)
			var nf *image.ImageNotFoundError
			if !errors.Is(err, image.ErrImageNotFound) || errors.Is(err, api.ErrNotFound) || !errors.As(err, &nf) {
				t.Fatalf("err = %v, want an *ImageNotFoundError (not GitHub's 404 of a package)", err)
			}
			if !slices.Equal(nf.Refs, tc.missing) || len(nf.Suggestions) != len(tc.suggest) {
				t.Fatalf("not found %v, suggestions %v; want %v, %v", nf.Refs, nf.Suggestions, tc.missing, tc.suggest)
			}
			for ref, want := range tc.suggest {
				if !slices.Equal(nf.Suggestions[ref], want) {
					t.Errorf("suggestions for %s = %v, want %v", ref, nf.Suggestions[ref], want)
				}
			}
			if len(plan.Images) != len(tc.roots) {
				t.Fatalf("plan has %d images, want %d", len(plan.Images), len(tc.roots))
			}
		})
	}
}

// A call whose context was cancelled does not poison the Restorer: the
// next call lists the versions and plans (the listing's error was kept in a
// sync.Once for ever).
func TestRestorerWorksAfterACancelledCall(t *testing.T) {
	e := newEnv(t, nil)
	e.seed(apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64"}})
	cancelled, cancel := context.WithCancel(ctx(t))
	cancel()
	if _, err := e.r.Plan(cancelled, "v1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Plan: %v", err)
	}
	if _, err := e.r.Broken(cancelled); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Broken: %v", err)
	}
	plan, err := e.r.Plan(ctx(t), "v1")
	if err != nil || !plan.Whole() || len(plan.Images[0].Manifests) != 2 {
		t.Fatalf("Plan after a cancelled call: %v, %+v", err, plan)
	}
}

// An image run has one concurrency bound, the registry's: a Restorer's
// walks default to it and may be set lower, never higher.
func TestConcurrencyIsBoundedByTheRegistry(t *testing.T) {
	e := newEnv(t, nil, image.WithMaxInFlight(2))
	if got := e.rc.InFlightBound(); got != 2 {
		t.Fatalf("InFlightBound = %d", got)
	}
	for _, tc := range []struct {
		n  int
		ok bool
	}{{0, true}, {1, true}, {2, true}, {3, false}, {-1, false}} {
		_, err := image.NewRestorer(e.c, e.rc, e.pkg, &image.RestorerOptions{Concurrency: tc.n})
		var ve *api.ValidationError
		if tc.ok != (err == nil) || (!tc.ok && (!errors.As(err, &ve) || ve.Field != "concurrency")) {
			t.Errorf("Concurrency %d: %v", tc.n, err)
		}
	}
}

// Verify refuses a root that is neither a tag nor a digest, naming the
// field, and sends nothing.
func TestVerifyRefusesABadRoot(t *testing.T) {
	e := newEnv(t, nil)
	_, err := e.r.Verify(ctx(t), image.Roots("v1", "not a tag"))
	var ve *api.ValidationError
	if !errors.As(err, &ve) || ve.Field != "image" {
		t.Fatalf("err = %v, want a ValidationError of image", err)
	}
	if n := len(e.reg.Requests()); n != 0 {
		t.Fatalf("%d registry requests, want none", n)
	}
}
