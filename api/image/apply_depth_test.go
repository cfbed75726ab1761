package image_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
)

// pushIndex pushes an OCI index listing one manifest.
func pushIndex(t *testing.T, reg *apitest.Registry, child apitest.SeededManifest, childType string, size int, tags ...string) (apitest.SeededManifest, int) {
	body := fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"manifests":[{"mediaType":%q,"digest":%q,"size":%d,"platform":{"os":"linux","architecture":"amd64"}}],"annotations":{"level":%q}}`,
		image.MediaTypeOCIIndex, childType, child.Digest, size, child.Digest)
	return push(t, reg, app, image.MediaTypeOCIIndex, []byte(body), tags...), len(body)
}

// deepImage pushes an image of levels nested indexes over a leaf, tags the
// outermost "deep", deletes every version, and returns their ids.
func deepImage(t *testing.T, e *env, levels int) []int64 {
	t.Helper()
	leaf := seedImage(t, e.reg, app, "deep leaf")
	leafBody, err := e.rc.Manifest(ctx(t), "acme/team/app", leaf.Digest)
	if err != nil {
		t.Fatal(err)
	}
	all := []int64{leaf.ID}
	child, childType, size := leaf, image.MediaTypeOCIManifest, int(leafBody.Size)
	for i := range levels {
		var tags []string
		if i == levels-1 {
			tags = []string{"deep"}
		}
		child, size = pushIndex(t, e.reg, child, childType, size, tags...)
		childType = image.MediaTypeOCIIndex
		all = append(all, child.ID)
	}
	for _, id := range all {
		e.deleteAgo(t, id, time.Hour)
	}
	return all
}

// Apply walks on through deleted nested indexes deeper than the 8 levels
// it used to stop at: each restored index makes its child known, and the
// child is restored in the next round (issue 16, measurement 8).
func TestApplyWalksOnThroughDeeplyNestedDeletedIndexes(t *testing.T) {
	const levels = 12
	if levels >= image.MaxDepth {
		t.Fatal("the test must stay within MaxDepth")
	}
	e := newEnv(t, nil)
	all := deepImage(t, e, levels)
	plan, err := e.r.Plan(ctx(t), "deep")
	if err != nil || !plan.Images[0].Pending || len(plan.Items) != 1 {
		t.Fatalf("plan: %v, %+v", err, plan.Images)
	}
	res, err := e.r.Apply(ctx(t), plan, nil)
	if err != nil || res.Report.Restored != levels+1 || !res.Report.OK() {
		t.Fatalf("apply: %v, restored %d of %d", err, res.Report.Restored, levels+1)
	}
	if img := res.Plan.Images[0]; img.Pending || img.Err != "" || len(img.Manifests) != levels+1 {
		t.Fatalf("after apply: pending %v, err %q, %d manifests", img.Pending, img.Err, len(img.Manifests))
	}
	posts := e.postsByID()
	for _, id := range all {
		if posts[id] != 1 {
			t.Errorf("version %d restored %d times, want once", id, posts[id])
		}
	}
	if len(res.Plan.Items) != levels+1 {
		t.Errorf("the applied plan lists %d items, want every restore", len(res.Plan.Items))
	}
}

// Past MaxDepth, apply stops walking on: the image stays broken, with the
// reason, and nothing is sent twice.
func TestApplyStopsWalkingOnAtMaxDepth(t *testing.T) {
	e := newEnv(t, nil)
	deepImage(t, e, image.MaxDepth+2)
	plan, err := e.r.Plan(ctx(t), "deep")
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.r.Apply(ctx(t), plan, nil)
	if err != nil || res.Report.Restored > image.MaxDepth+1 || res.Report.Failed+res.Report.Unknown != 0 {
		t.Fatalf("apply: %v, restored %d, want at most %d", err, res.Report.Restored, image.MaxDepth+1)
	}
	img := res.Plan.Images[0]
	// The reason is apply's (Image.Err), or the walk's own depth bound's.
	said := strings.Contains(img.Err, "MaxDepth")
	for _, m := range img.Manifests {
		said = said || strings.Contains(strings.ToLower(m.Why+m.Err), "depth")
	}
	if img.Whole() || !said {
		t.Errorf("after apply: whole %v, err %q; want broken, saying why", img.Whole(), img.Err)
	}
	for id, n := range e.postsByID() {
		if n != 1 {
			t.Errorf("version %d restored %d times", id, n)
		}
	}
}
