package image_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
)

// chainReader is a registry in memory that serves a chain of indexes,
// each listing the next, depth levels deep, made on demand: the tag "deep"
// is the first; the digest of level n is n in hex.
type chainReader struct {
	depth int
	reads atomic.Int64
}

func level(n int) string { return fmt.Sprintf("sha256:%064x", n) }

func (c *chainReader) manifest(ref string) image.Manifest {
	n := 0
	if ref != "deep" {
		fmt.Sscanf(strings.TrimPrefix(ref, "sha256:"), "%x", &n)
	}
	m := image.Manifest{Descriptor: image.Descriptor{Digest: level(n), MediaType: image.MediaTypeOCIIndex}}
	if n >= c.depth {
		m.MediaType = image.MediaTypeOCIManifest
		return m
	}
	m.Children = []image.Descriptor{{Digest: level(n + 1), MediaType: image.MediaTypeOCIIndex}}
	return m
}

func (c *chainReader) Resolve(_ context.Context, _, ref string) (image.Descriptor, error) {
	c.reads.Add(1)
	return c.manifest(ref).Descriptor, nil
}

func (c *chainReader) Manifest(_ context.Context, _, ref string) (image.Manifest, error) {
	c.reads.Add(1)
	return c.manifest(ref), nil
}

func (c *chainReader) Referrers(context.Context, string, string) ([]image.Descriptor, error) {
	return nil, nil
}

// An index nested 500,000 deep (it overflowed the stack at about 1 GB,
// which no caller can recover from) is walked to image.MaxDepth and
// reported not whole, with the reason, after a bounded number of reads.
func TestDeepNestingIsAReasonNotACrash(t *testing.T) {
	reg := &chainReader{depth: 500_000}
	r, err := image.NewRestorer(nil, reg, app, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Verify(ctx(t), image.Roots("deep"))
	if err != nil {
		t.Fatal(err)
	}
	img := rep.Images[0]
	if img.Whole() || !errors.Is(img.Cause(), image.ErrTooDeep) || !strings.Contains(img.Err, fmt.Sprint(image.MaxDepth)) {
		t.Fatalf("image whole %v, err %q; want not whole, with the depth bound as its reason", img.Whole(), img.Err)
	}
	if n := len(img.Manifests); n != image.MaxDepth+1 {
		t.Fatalf("%d manifests walked, want MaxDepth+1 = %d", n, image.MaxDepth+1)
	}
	if last := img.Manifests[image.MaxDepth]; last.Err == "" {
		t.Fatalf("the last index walked names no reason: %+v", last)
	}
	if n := reg.reads.Load(); n > image.MaxDepth+2 {
		t.Fatalf("%d registry reads, want at most MaxDepth+2", n)
	}
}

// A chain of nested indexes one level deeper than MaxDepth, planned with the
// package's listing, is a plan with the reason; one level within the bound
// is walked to its end.
func TestPlanOfNestingPastMaxDepth(t *testing.T) {
	for _, tc := range []struct {
		levels int
		whole  bool
	}{{image.MaxDepth, true}, {image.MaxDepth + 1, false}} {
		t.Run(fmt.Sprint(tc.levels), func(t *testing.T) {
			e := newEnv(t, nil)
			child := seedImage(t, e.reg, app, "leaf")
			childType := image.MediaTypeOCIManifest // the leaf; every level above lists an index
			for i := range tc.levels {
				body, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": image.MediaTypeOCIIndex, "manifests": []any{
					map[string]any{"mediaType": childType, "digest": child.Digest, "size": 1},
				}})
				childType = image.MediaTypeOCIIndex
				var tags []string
				if i == tc.levels-1 {
					tags = []string{"top"}
				}
				child = push(t, e.reg, app, image.MediaTypeOCIIndex, body, tags...)
			}
			plan, err := e.r.Plan(ctx(t), "top")
			if err != nil {
				t.Fatal(err)
			}
			img := plan.Images[0]
			if img.Whole() != tc.whole || errors.Is(img.Cause(), image.ErrTooDeep) == tc.whole {
				t.Fatalf("%d levels: whole %v, err %q; want whole %v", tc.levels, img.Whole(), img.Err, tc.whole)
			}
		})
	}
}

// An index served with an image manifest's Content-Type, whose body says it
// is an index and lists deleted platforms, is not whole: the mismatch is
// its reason (measurement 8: it was reported whole).
func TestIndexServedAsAnImageManifestIsBroken(t *testing.T) {
	e := newEnv(t, nil)
	img := e.seed(apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64", "linux/arm64"}})
	m, err := e.rc.Manifest(ctx(t), "acme/team/app", img.Index.Digest)
	if err != nil {
		t.Fatal(err)
	}
	push(t, e.reg, app, image.MediaTypeOCIManifest, m.Raw) // the same body, now served as an image manifest
	deleteUntaggedChildren(t, e.reg, app)
	plan, err := e.r.Plan(ctx(t), "v1")
	if err != nil {
		t.Fatal(err)
	}
	if got := plan.Images[0]; got.Whole() || !errors.Is(got.Cause(), image.ErrMediaTypeMismatch) {
		t.Fatalf("plan: whole %v, err %q; want broken by the media type mismatch", got.Whole(), got.Err)
	}
	broken, err := e.r.Broken(ctx(t))
	if err != nil || len(broken.Images) != 1 {
		t.Fatalf("broken scan: %v, %d images; want the image", err, len(broken.Images))
	}
	rep, err := e.r.Verify(ctx(t), image.Roots("v1"))
	if err != nil || rep.Whole() || !errors.Is(rep.Images[0].Cause(), image.ErrMediaTypeMismatch) {
		t.Fatalf("verify: %v, whole %v, err %q", err, rep.Whole(), rep.Images[0].Err)
	}
}

// An index listed by its parent as an image manifest is not taken for one:
// verify sees from the registry's answer that it is an index, and says the
// image is broken with that reason.
func TestIndexListedAsAnImageManifestIsBroken(t *testing.T) {
	e := newEnv(t, nil)
	inner := e.seed(apitest.ImageSpec{Tags: []string{"inner"}, Platforms: []string{"linux/amd64"}})
	outer, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": image.MediaTypeOCIIndex, "manifests": []any{
		map[string]any{"mediaType": image.MediaTypeOCIManifest, "digest": inner.Index.Digest, "size": 1, "platform": map[string]string{"os": "linux", "architecture": "amd64"}},
	}})
	push(t, e.reg, app, image.MediaTypeOCIIndex, outer, "outer")
	rep, err := e.r.Verify(ctx(t), image.Roots("outer"))
	if err != nil || rep.Whole() || !errors.Is(rep.Images[0].Cause(), image.ErrMediaTypeMismatch) {
		t.Fatalf("verify: %v, whole %v, err %q; want broken by the mismatch", err, rep.Whole(), rep.Images[0].Err)
	}
}
