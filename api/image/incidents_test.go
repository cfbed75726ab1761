package image_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
)

// deleteAgo deletes a version as if ago before now.
func (e *env) deleteAgo(t *testing.T, id int64, ago time.Duration) {
	t.Helper()
	e.clock.Advance(-ago)
	defer e.clock.Advance(ago)
	if err := e.gh.SoftDeleteVersion(app, id); err != nil {
		t.Fatal(err)
	}
}

func ids(ms ...apitest.SeededManifest) []string {
	var out []string
	for _, m := range ms {
		out = append(out, strconv.FormatInt(m.ID, 10))
	}
	slices.Sort(out)
	return out
}

func TestDeletedIndexIsFoundByTagRestoredFirstThenItsChildren(t *testing.T) {
	e := newEnv(t, nil)
	img := e.seed(apitest.ImageSpec{Tags: []string{"v2"}, Platforms: []string{"linux/amd64", "linux/arm64"}, Attestations: true})
	children := deleteUntaggedChildren(t, e.reg, app)
	e.deleteAgo(t, img.Index.ID, time.Hour)
	if _, err := e.rc.Resolve(ctx(t), "acme/team/app", "v2"); err == nil {
		t.Fatal("the tag of a deleted index still resolves")
	}

	plan, err := e.r.Plan(ctx(t), "v2")
	if err != nil {
		t.Fatal(err)
	}
	got := plan.Images[0]
	if !got.Pending || len(got.Manifests) != 1 || got.Manifests[0].VersionID != img.Index.ID || got.Manifests[0].State != image.ManifestDeleted {
		t.Fatalf("plan = %+v, want the deleted index alone, pending", got)
	}
	res, err := e.r.Apply(ctx(t), plan, nil)
	if err != nil || res.Report.Failed+res.Report.Unknown != 0 {
		t.Fatalf("apply: %v %+v", err, res.Report.Results)
	}
	if res.Report.Results[0].Item.ID != img.Index.ID {
		t.Errorf("first restore = %d, want the index %d", res.Report.Results[0].Item.ID, img.Index.ID)
	}
	want := append(ids(img.Children()...), strconv.FormatInt(img.Index.ID, 10))
	slices.Sort(want)
	if g := e.restorePOSTs(); !slices.Equal(g, want) || len(children) != 4 {
		t.Fatalf("restore POSTs = %v, want %v", g, want)
	}
	if res.Plan.Images[0].Pending || len(res.Plan.Images[0].Manifests) != 5 {
		t.Fatalf("after apply: %+v", res.Plan.Images[0])
	}
	rep, err := e.r.Verify(ctx(t), res.Plan)
	if err != nil || !rep.Whole() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	// The versions were listed once for the whole run (active, then
	// deleted), although apply walked on through the restored index.
	var lists []string
	for _, r := range e.gh.Requests() {
		if r.Op == api.OpListVersions {
			lists = append(lists, r.Query)
		}
	}
	if len(lists) != 2 {
		t.Fatalf("versions listed %d times (%v), want once per state", len(lists), lists)
	}
}

func TestChildSharedByTwoImagesIsRestoredOnce(t *testing.T) {
	e := newEnv(t, nil)
	rc := e.seed(apitest.ImageSpec{Tags: []string{"v3-rc1"}, Salt: "v3", Platforms: []string{"linux/amd64", "linux/arm64"}})
	final := e.seed(apitest.ImageSpec{Tags: []string{"v3"}, Salt: "v3", Platforms: []string{"linux/amd64", "linux/arm64"}})
	if rc.Index.Digest == final.Index.Digest || !slices.Equal(ids(rc.Platforms...), ids(final.Platforms...)) {
		t.Fatal("seed: the two images should share their platforms and nothing else")
	}
	deleteUntaggedChildren(t, e.reg, app)
	plan, err := e.r.Plan(ctx(t), "v3-rc1", "v3")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(plan.Images[0].ToRestore()) + len(plan.Images[1].ToRestore()); n != 4 {
		t.Fatalf("each image lists its own deleted children: %d, want 2+2", n)
	}
	if len(plan.Restores()) != 2 {
		t.Fatalf("plan restores %+v, want the 2 shared children once", plan.Restores())
	}
	if _, err := e.r.Apply(ctx(t), plan, nil); err != nil {
		t.Fatal(err)
	}
	if g := e.restorePOSTs(); !slices.Equal(g, ids(rc.Platforms...)) {
		t.Fatalf("restore POSTs = %v, want %v once each", g, ids(rc.Platforms...))
	}
}

func TestChildPastTheWindowIsGoneAndTheImageStaysBroken(t *testing.T) {
	e := newEnv(t, nil)
	img := e.seed(apitest.ImageSpec{Tags: []string{"v4"}, Platforms: []string{"linux/amd64", "linux/arm64"}})
	e.deleteAgo(t, img.Platforms[0].ID, 31*24*time.Hour)
	e.deleteAgo(t, img.Platforms[1].ID, 2*24*time.Hour)
	plan, err := e.r.Plan(ctx(t), "v4")
	if err != nil {
		t.Fatal(err)
	}
	lost := plan.Images[0].Lost()
	if len(lost) != 1 || lost[0].Digest != img.Platforms[0].Digest || lost[0].State != image.ManifestGone {
		t.Fatalf("lost = %+v, want the expired platform", lost)
	}
	res, err := e.r.Apply(ctx(t), plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g := e.restorePOSTs(); !slices.Equal(g, ids(img.Platforms[1])) {
		t.Fatalf("restore POSTs = %v, want only the restorable %v", g, ids(img.Platforms[1]))
	}
	rep, err := e.r.Verify(ctx(t), res.Plan)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Whole() {
		t.Fatal("an image missing a platform verified whole")
	}
	for _, p := range rep.Images[0].Platforms() {
		if want := p.Platform == "linux/arm64"; p.Whole != want {
			t.Errorf("platform %s whole = %v, want %v", p.Platform, p.Whole, want)
		}
	}
}

func TestReusedDigestCountsAsSatisfied(t *testing.T) {
	e := newEnv(t, nil)
	spec := apitest.ImageSpec{Tags: []string{"v5"}, Platforms: []string{"linux/amd64"}}
	first := e.seed(spec)
	deleteUntaggedChildren(t, e.reg, app)
	again := e.seed(spec) // pushed again: a new version holds the same digest
	if again.Platforms[0].ID == first.Platforms[0].ID || again.Platforms[0].Digest != first.Platforms[0].Digest {
		t.Fatal("seed: the platform should be a new version of the same digest")
	}
	plan, err := e.r.Plan(ctx(t), "v5")
	if err != nil {
		t.Fatal(err)
	}
	if st := plan.Images[0].Manifests[1].State; st != image.ManifestReused || !plan.Images[0].Whole() || len(plan.Restores()) != 0 {
		t.Fatalf("plan = %+v, want the reused digest satisfied and nothing to restore", plan.Images[0])
	}
}

func TestDeletedCosignSignatureIsFoundThroughTheTagSchemaAndRestored(t *testing.T) {
	e := newEnv(t, nil)
	img := e.seed(apitest.ImageSpec{Tags: []string{"v6"}, Platforms: []string{"linux/amd64"}, Signature: true})
	e.deleteAgo(t, img.Signature.ID, time.Hour)
	plan, err := e.r.Plan(ctx(t), "v6")
	if err != nil {
		t.Fatal(err)
	}
	r := plan.Restores()
	if len(r) != 1 || r[0].VersionID != img.Signature.ID || r[0].Role != image.RoleSignature || r[0].Tag != image.TagSchema(img.Index.Digest)+".sig" {
		t.Fatalf("restores = %+v, want the signature by its tag", r)
	}
	res, err := e.r.Apply(ctx(t), plan, nil)
	if err != nil || res.Report.Failed+res.Report.Unknown != 0 {
		t.Fatal(err, res.Report.Results)
	}
	rep, err := e.r.Verify(ctx(t), res.Plan)
	if err != nil || !rep.Whole() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	found := false
	for _, m := range rep.Images[0].Manifests {
		found = found || (m.Role == image.RoleSignature && m.Digest == img.Signature.Digest && m.State == image.ManifestPresent)
	}
	if !found {
		t.Fatalf("verify did not find the signature through the registry: %+v", rep.Images[0].Manifests)
	}
}

func TestBrokenScansTaggedImagesAndPlansExactlyTheMissingPieces(t *testing.T) {
	e := newEnv(t, nil)
	var images []apitest.SeededImage
	for i := range 17 {
		images = append(images, e.seed(apitest.ImageSpec{Tags: []string{"v" + strconv.Itoa(i)}, Platforms: []string{"linux/amd64", "linux/arm64"}, Attestations: i%2 == 0}))
	}
	for i := range 3 {
		seedImage(t, e.reg, app, "single "+strconv.Itoa(i), "s"+strconv.Itoa(i))
	}
	// Break three: a platform of one, an attestation of another, both
	// platforms of a third (one of them past the window).
	e.deleteAgo(t, images[2].Platforms[1].ID, time.Hour)
	e.deleteAgo(t, images[4].Attestations[0].ID, time.Hour)
	e.deleteAgo(t, images[7].Platforms[0].ID, time.Hour)
	e.deleteAgo(t, images[7].Platforms[1].ID, 40*24*time.Hour)

	plan, err := e.r.Broken(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if plan.Scanned != 20 || len(plan.Images) != 3 {
		t.Fatalf("scanned %d, broken %d images, want 20 and 3", plan.Scanned, len(plan.Images))
	}
	want := ids(images[2].Platforms[1], images[4].Attestations[0], images[7].Platforms[0])
	var got []string
	for _, r := range plan.Restores() {
		got = append(got, strconv.FormatInt(r.VersionID, 10))
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("restores = %v, want exactly %v", got, want)
	}
	var lost []image.Entry
	for _, img := range plan.Images {
		lost = append(lost, img.Lost()...)
	}
	if len(lost) != 1 || lost[0].Digest != images[7].Platforms[1].Digest {
		t.Fatalf("lost = %+v, want the expired platform named", lost)
	}
}

// The digest was pushed again between the plan and the apply: GitHub
// refuses the restore (the name is taken), and the manifest is there anyway.
func TestDigestPushedAgainAfterThePlanCountsAsSatisfied(t *testing.T) {
	e := newEnv(t, nil)
	spec := apitest.ImageSpec{Tags: []string{"v7"}, Platforms: []string{"linux/amd64"}}
	e.seed(spec)
	deleteUntaggedChildren(t, e.reg, app)
	plan, err := e.r.Plan(ctx(t), "v7")
	if err != nil || len(plan.Restores()) != 1 {
		t.Fatalf("plan: %v %+v", err, plan)
	}
	e.seed(spec) // pushed again: a new active version of the same digest
	res, err := e.r.Apply(ctx(t), plan, nil)
	if err != nil || res.Report.Failed+res.Report.Unknown != 0 || res.Report.Results[0].Outcome != api.OutcomeAlreadyActive {
		t.Fatalf("apply: %v %+v", err, res.Report.Results)
	}
	rep, err := e.r.Verify(ctx(t), res.Plan)
	if err != nil || !rep.Whole() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
}
