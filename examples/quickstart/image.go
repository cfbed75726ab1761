package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
)

// imageAct is the quickstart's second act: a multi-arch image whose
// untagged children a cleanup deleted. The tag still resolves, but pulling
// any platform fails; the image is planned, restored whole and verified in
// the registry, platform by platform.
func imageAct(ctx context.Context, w io.Writer, clk api.Clock, srv *apitest.Server, client *api.Client) (restored int, err error) {
	reg := apitest.StartRegistry(srv)
	defer reg.Close()
	demo := apitest.SeedRegistryDemo(reg)
	rc, err := image.NewRegistry(image.WithRegistry(reg.URL), image.WithToken(apitest.DemoToken), image.WithClock(clk))
	if err != nil {
		return 0, err
	}
	repo := image.Repository(demo.Package)
	fmt.Fprintf(w, "\n5. A multi-arch image after a cleanup: %s/%s:%s (a fake registry beside the fake GitHub).\n", reg.Host, repo, demo.Tag)
	if _, err := rc.Resolve(ctx, repo, demo.Tag); err != nil {
		return 0, err
	}
	arm := demo.Image.Platforms[1]
	_, err = rc.Resolve(ctx, repo, arm.Digest)
	if !errors.Is(err, image.ErrManifestUnknown) {
		return 0, fmt.Errorf("the deleted platform should be unknown to the registry, got %v", err)
	}
	fmt.Fprintf(w, "   The tag resolves, but docker pull --platform %s fails: manifest unknown.\n", arm.Platform)

	r, err := image.NewRestorer(client, rc, demo.Package, nil)
	if err != nil {
		return 0, err
	}
	plan, err := r.Plan(ctx, demo.Tag)
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(w, "\n6. Plan from the registry's index and GitHub's deleted versions (%d to restore):\n", len(plan.Restores()))
	for _, e := range plan.Images[0].Manifests {
		what := string(e.Role)
		if e.Platform != "" {
			what += " " + e.Platform
		}
		action := string(e.State)
		if e.State == image.ManifestDeleted {
			action = fmt.Sprintf("deleted -> restore version %d", e.VersionID)
		}
		fmt.Fprintf(w, "   %-24s %s…  %s\n", what, e.Digest[:19], action)
	}

	fmt.Fprintln(w, "\n7. Apply, then verify every manifest in the registry:")
	roles := map[int64]image.Entry{}
	for _, e := range plan.Images[0].Manifests {
		roles[e.VersionID] = e
	}
	res, err := r.Apply(ctx, plan, &api.ApplyOptions{Progress: func(p api.Progress) {
		e := roles[p.Result.Item.ID]
		fmt.Fprintf(w, "   version %d (%s %s): %s\n", p.Result.Item.ID, e.Role, e.Platform, p.Result.Outcome)
	}})
	if err != nil {
		return 0, err
	}
	if !res.Report.OK() {
		return 0, fmt.Errorf("%d restores failed, %d unknown: %+v", res.Report.Failed, res.Report.Unknown, res.Report.Results)
	}
	rep, err := r.Verify(ctx, res.Plan)
	if err != nil {
		return 0, err
	}
	img := rep.Images[0]
	for _, p := range img.Platforms() {
		verdict := "whole"
		if !p.Whole {
			verdict = "BROKEN"
		}
		fmt.Fprintf(w, "   %-14s %s (%d manifests resolve)\n", p.Platform, verdict, len(p.Manifests))
	}
	if !rep.Whole() {
		return 0, fmt.Errorf("the image is still broken: %+v", img.Manifests)
	}
	fmt.Fprintf(w, "   %s:%s is whole again: %d manifests resolve and the tag points at %s…\n", repo, demo.Tag, len(img.Manifests), img.Digest[:19])
	return res.Report.Restored, nil
}
