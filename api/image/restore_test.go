package image_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
)

// The common incident: a cleanup deleted the untagged children of a
// multi-arch image. The tag and index still answer; the platforms do not.
func TestDeletedChildrenArePlannedRestoredAndVerifiedWhole(t *testing.T) {
	e := newEnv(t, nil)
	img := e.seed(apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64", "linux/arm64", "linux/arm/v7"}, Attestations: true})
	deleted := deleteUntaggedChildren(t, e.reg, app)
	if len(deleted) != 6 {
		t.Fatalf("cleanup deleted %d versions, want 6", len(deleted))
	}

	plan, err := e.r.Plan(ctx(t), "v1")
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Images) != 1 || plan.Images[0].Digest != img.Index.Digest {
		t.Fatalf("plan images = %+v", plan.Images)
	}
	restores := plan.Restores()
	if len(restores) != 6 {
		t.Fatalf("plan restores %d manifests, want 6: %+v", len(restores), restores)
	}
	want := map[string]image.Role{}
	for _, m := range img.Platforms {
		want[m.Digest] = image.RolePlatform
	}
	for _, m := range img.Attestations {
		want[m.Digest] = image.RoleAttestation
	}
	platforms := map[string]string{}
	for _, m := range img.Children() {
		platforms[m.Digest] = m.Platform
	}
	for _, r := range restores {
		if want[r.Digest] != r.Role || r.Platform != platforms[r.Digest] || r.VersionID == 0 {
			t.Errorf("restore %s: role %q platform %q id %d; want role %q platform %q", r.Digest, r.Role, r.Platform, r.VersionID, want[r.Digest], platforms[r.Digest])
		}
	}
	if got := plan.Images[0].Manifests[0]; got.Role != image.RoleIndex || got.State != image.ManifestPresent {
		t.Errorf("root = %+v, want a present index", got)
	}
	if len(e.restorePOSTs()) != 0 {
		t.Fatal("the dry run sent restores")
	}

	res, err := e.r.Apply(ctx(t), plan, nil)
	if err != nil || res.Report.Failed+res.Report.Unknown != 0 {
		t.Fatalf("apply: %v, %+v", err, res.Report.Results)
	}
	var wantIDs []string
	for _, id := range deleted {
		wantIDs = append(wantIDs, strconv.FormatInt(id, 10))
	}
	slices.Sort(wantIDs)
	if got := e.restorePOSTs(); !slices.Equal(got, wantIDs) {
		t.Fatalf("restore POSTs = %v, want exactly %v", got, wantIDs)
	}

	rep, err := e.r.Verify(ctx(t), res.Plan)
	if err != nil {
		t.Fatal(err)
	}
	got := rep.Images[0]
	if !got.Whole() || got.TagsOK == nil || !*got.TagsOK {
		t.Fatalf("verify: not whole: %+v", got)
	}
	ps := got.Platforms()
	if len(ps) != 3 {
		t.Fatalf("verify platforms = %+v, want 3", ps)
	}
	for _, p := range ps {
		if !p.Whole || len(p.Manifests) != 2 {
			t.Errorf("platform %s: whole %v with %d manifests, want whole with 2", p.Platform, p.Whole, len(p.Manifests))
		}
	}
}

func TestVerifyAloneReportsTheBrokenImage(t *testing.T) {
	e := newEnv(t, nil)
	e.seed(apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64", "linux/arm64"}})
	deleteUntaggedChildren(t, e.reg, app)
	rep, err := e.r.Verify(ctx(t), image.Roots("v1"))
	if err != nil {
		t.Fatal(err)
	}
	img := rep.Images[0]
	if img.Whole() {
		t.Fatal("a broken image verified whole")
	}
	for _, p := range img.Platforms() {
		if p.Whole || p.Manifests[0].State != image.ManifestMissing {
			t.Errorf("platform %s = %+v, want missing", p.Platform, p)
		}
	}
	if e.clock.Slept() != 0 {
		t.Errorf("verify alone polled for %s", e.clock.Slept())
	}
}

func TestVerifyPollsOnTheClockUntilARestoredManifestIsServed(t *testing.T) {
	e := newEnv(t, nil)
	img := e.seed(apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64"}})
	deleteUntaggedChildren(t, e.reg, app)
	plan, err := e.r.Plan(ctx(t), "v1")
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.r.Apply(ctx(t), plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The registry is slow to serve the restored platform: the tag read and
	// then two HEADs of the platform answer 404 before it appears.
	unknown := apitest.Fault{Status: 404, Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`}
	slept := e.clock.Slept()
	e.reg.ResetRequests()
	e.reg.Script(apitest.RegistryRouteManifest, apitest.Fault{}, unknown, unknown)
	rep, err := e.r.Verify(ctx(t), res.Plan)
	if err != nil || !rep.Whole() {
		t.Fatalf("verify: %v, whole %v: %+v", err, rep.Whole(), rep.Images[0].Manifests)
	}
	if waited := e.clock.Slept() - slept; waited != 3*time.Second {
		t.Fatalf("verify waited %s on the clock, want 1s + 2s", waited)
	}
	heads := 0
	for _, r := range e.reg.Requests() {
		if r.Method == http.MethodHead && strings.HasSuffix(r.Path, img.Platforms[0].Digest) {
			heads++
		}
	}
	if heads != 3 {
		t.Fatalf("HEADs of the restored platform = %d, want 3", heads)
	}
}
