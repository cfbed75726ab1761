package image_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
)

func TestDeletedIndexIsFoundByDigestToo(t *testing.T) {
	e := newEnv(t, nil)
	img := e.seed(apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64"}})
	deleteUntaggedChildren(t, e.reg, app)
	e.deleteAgo(t, img.Index.ID, time.Hour)
	plan, err := e.r.Plan(ctx(t), img.Index.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if got := plan.Images[0]; !got.Pending || got.Manifests[0].VersionID != img.Index.ID || !slices.Equal(got.Tags, []string{"v1"}) {
		t.Fatalf("plan = %+v", got)
	}
	res, err := e.r.Apply(ctx(t), plan, nil)
	if err != nil || len(res.Report.Results) != 2 || !res.Plan.Whole() {
		t.Fatalf("apply: %v %+v", err, res)
	}
}

func TestAttestationOfAGonePlatformIsStillRestored(t *testing.T) {
	e := newEnv(t, nil)
	img := e.seed(apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64"}, Attestations: true})
	e.deleteAgo(t, img.Platforms[0].ID, 35*24*time.Hour)
	e.deleteAgo(t, img.Attestations[0].ID, 2*24*time.Hour)
	plan, err := e.r.Plan(ctx(t), "v1")
	if err != nil {
		t.Fatal(err)
	}
	r := plan.Restores()
	if len(r) != 1 || r[0].VersionID != img.Attestations[0].ID || r[0].Platform != "linux/amd64" {
		t.Fatalf("restores = %+v, want the attestation of linux/amd64", r)
	}
	if lost := plan.Images[0].Lost(); len(lost) != 1 || lost[0].Role != image.RolePlatform {
		t.Fatalf("lost = %+v", lost)
	}
}

func TestNestedIndexIsWalked(t *testing.T) {
	e := newEnv(t, nil)
	inner := e.seed(apitest.ImageSpec{Tags: []string{"inner"}, Platforms: []string{"linux/amd64", "linux/arm64"}})
	outer, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": image.MediaTypeOCIIndex, "manifests": []any{
		map[string]any{"mediaType": image.MediaTypeOCIIndex, "digest": inner.Index.Digest, "size": 1},
	}})
	push(t, e.reg, app, image.MediaTypeOCIIndex, outer, "outer")
	deleteUntaggedChildren(t, e.reg, app)
	plan, err := e.r.Plan(ctx(t), "outer")
	if err != nil {
		t.Fatal(err)
	}
	ms := plan.Images[0].Manifests
	if len(ms) != 4 || ms[1].Role != image.RoleIndex || ms[1].Digest != inner.Index.Digest || ms[2].Parent != inner.Index.Digest {
		t.Fatalf("closure = %+v", ms)
	}
	if len(plan.Restores()) != 2 {
		t.Fatalf("restores = %+v, want the 2 platforms of the inner index", plan.Restores())
	}
}

func TestReferrersAPIIsUsedWhereTheRegistryHasIt(t *testing.T) {
	e := newEnv(t, []apitest.RegistryOption{apitest.WithReferrersAPI()})
	img := e.seed(apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64"}})
	sbom := pushReferrer(t, e.reg, app, img.Index.Digest, "application/spdx+json", "sbom")
	plan, err := e.r.Plan(ctx(t), "v1")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range plan.Images[0].Manifests {
		found = found || (m.Digest == sbom.Digest && m.Role == image.RoleReferrer && m.State == image.ManifestPresent)
	}
	if !found {
		t.Fatalf("plan lacks the referrer: %+v", plan.Images[0].Manifests)
	}
	rep, err := e.r.Verify(ctx(t), image.Roots("v1"))
	if err != nil || !rep.Whole() || len(rep.Images[0].Manifests) != 3 {
		t.Fatalf("check: %v %+v", err, rep.Images[0].Manifests)
	}
}

func TestConcurrentVerifyProbesTheReferrersAPIOnce(t *testing.T) {
	e := newEnv(t, nil)
	e.seed(apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64", "linux/arm64", "linux/arm/v7", "linux/s390x"}})
	rep, err := e.r.Verify(ctx(t), image.Roots("v1"))
	if err != nil || !rep.Whole() {
		t.Fatalf("check: %v %+v", err, rep)
	}
	probes := 0
	for _, r := range e.reg.Requests() {
		if r.Route == apitest.RegistryRouteReferrers {
			probes++
		}
	}
	if probes != 1 {
		t.Fatalf("%d requests to the referrers API, want 1", probes)
	}
}

func TestBrokenScanHonoursRetryAfterUnderConcurrency(t *testing.T) {
	e := newEnv(t, nil)
	for i := range 12 {
		seedImage(t, e.reg, app, "img"+string(rune('a'+i)), "t"+string(rune('a'+i)))
	}
	e.reg.Script(apitest.RegistryRouteManifest, apitest.TooManyRequests(2), apitest.TooManyRequests(2), apitest.TooManyRequests(2))
	var walked []int
	r, err := image.NewRestorer(e.c, e.rc, e.pkg, &image.RestorerOptions{Walked: func(done, total int) {
		if total != 12 {
			t.Errorf("total = %d", total)
		}
		walked = append(walked, done)
	}})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := r.Broken(ctx(t))
	if len(walked) != 12 || walked[11] != 12 {
		t.Errorf("progress = %v, want 1..12", walked)
	}
	if err != nil || plan.Scanned != 12 || len(plan.Images) != 0 {
		t.Fatalf("scan: %v, scanned %d, broken %d", err, plan.Scanned, len(plan.Images))
	}
	n := 0
	for _, d := range e.clock.Sleeps() {
		if d == 2*time.Second {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("sleeps = %v, want three Retry-After waits of 2s", e.clock.Sleeps())
	}
}

// A nested index past the 30-day window will never be restored: the image
// is broken, not pending, and nothing says what it lists becomes known.
func TestNestedIndexPastTheWindowIsGoneNotPending(t *testing.T) {
	e := newEnv(t, nil)
	inner := e.seed(apitest.ImageSpec{Tags: []string{"inner"}, Platforms: []string{"linux/amd64"}})
	outer, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": image.MediaTypeOCIIndex, "manifests": []any{
		map[string]any{"mediaType": image.MediaTypeOCIIndex, "digest": inner.Index.Digest, "size": 1},
	}})
	push(t, e.reg, app, image.MediaTypeOCIIndex, outer, "outer")
	e.deleteAgo(t, inner.Index.ID, 35*24*time.Hour)
	plan, err := e.r.Plan(ctx(t), "outer")
	if err != nil {
		t.Fatal(err)
	}
	got := plan.Images[0]
	if got.Pending || got.Whole() || len(got.Manifests) != 2 || got.Manifests[1].State != image.ManifestGone {
		t.Fatalf("plan = %+v, want the nested index gone and the image broken, not pending", got)
	}
	if why := got.Manifests[1].Why; strings.Contains(why, "once it is restored") {
		t.Fatalf("why = %q: a gone index is never restored", why)
	}
}
