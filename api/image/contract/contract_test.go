package contract

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/image"
)

const repo = "acme/team/app"

// reg is go-containerregistry's in-memory registry on a loopback port, with
// helpers that push raw manifests as a client would.
type reg struct {
	t   *testing.T
	srv *httptest.Server
	rc  *image.Registry
}

func newReg(t *testing.T, referrers bool) *reg {
	t.Helper()
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(referrers))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	rc, err := image.NewRegistry(image.WithRegistry(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return &reg{t: t, srv: srv, rc: rc}
}

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// put pushes a manifest under ref (a tag, or its digest when ref is "").
func (r *reg) put(mediaType string, body []byte, ref string) string {
	r.t.Helper()
	d := digestOf(body)
	if ref == "" {
		ref = d
	}
	req, _ := http.NewRequest(http.MethodPut, r.srv.URL+"/v2/"+repo+"/manifests/"+ref, bytes.NewReader(body))
	req.Header.Set("Content-Type", mediaType)
	resp, err := r.srv.Client().Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		r.t.Fatalf("PUT %s: %s", ref, resp.Status)
	}
	return d
}

func (r *reg) delete(ref string) {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, r.srv.URL+"/v2/"+repo+"/manifests/"+ref, nil)
	resp, err := r.srv.Client().Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func imageBody(mediaType, configType, salt string, subject map[string]any) []byte {
	blob := func(mt, s string) map[string]any {
		return map[string]any{"mediaType": mt, "digest": digestOf([]byte(s)), "size": len(s)}
	}
	m := map[string]any{
		"schemaVersion": 2, "mediaType": mediaType,
		"config": blob(configType, "config "+salt),
		"layers": []any{blob("application/vnd.oci.image.layer.v1.tar+gzip", "layer "+salt)},
	}
	if subject != nil {
		m["subject"] = subject
	}
	return mustJSON(m)
}

// pushMultiArch pushes a buildx-style image: platforms, one attestation per
// platform, and an index (of indexType) tagged tag. It returns the index
// digest and the children's digests.
func (r *reg) pushMultiArch(indexType, manifestType, tag string, platforms ...string) (string, []string) {
	var entries []any
	var children []string
	for _, p := range platforms {
		os, arch, _ := strings.Cut(p, "/")
		pb := imageBody(manifestType, "application/vnd.oci.image.config.v1+json", tag+p, nil)
		pd := r.put(manifestType, pb, "")
		ab := imageBody(manifestType, "application/vnd.oci.image.config.v1+json", tag+p+" attestation", nil)
		ad := r.put(manifestType, ab, "")
		children = append(children, pd, ad)
		entries = append(entries,
			map[string]any{"mediaType": manifestType, "digest": pd, "size": len(pb), "platform": map[string]string{"os": os, "architecture": arch}},
			map[string]any{"mediaType": manifestType, "digest": ad, "size": len(ab), "platform": map[string]string{"os": "unknown", "architecture": "unknown"},
				"annotations": map[string]string{"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": pd}},
		)
	}
	ib := mustJSON(map[string]any{"schemaVersion": 2, "mediaType": indexType, "manifests": entries})
	d := r.put(indexType, ib, tag)
	return d, children
}

func TestManifestsOfTheFourMediaTypes(t *testing.T) {
	r := newReg(t, false)
	ctx := context.Background()
	for _, tc := range []struct{ index, manifest, tag string }{
		{image.MediaTypeOCIIndex, image.MediaTypeOCIManifest, "oci"},
		{image.MediaTypeDockerList, image.MediaTypeDockerImageV2, "docker"},
	} {
		idx, children := r.pushMultiArch(tc.index, tc.manifest, tc.tag, "linux/amd64", "linux/arm64")
		d, err := r.rc.Resolve(ctx, repo, tc.tag)
		if err != nil || d.Digest != idx || d.MediaType != tc.index {
			t.Fatalf("%s: resolve = %+v, %v", tc.tag, d, err)
		}
		m, err := r.rc.Manifest(ctx, repo, tc.tag)
		if err != nil || !m.IsIndex() || len(m.Children) != 4 {
			t.Fatalf("%s: manifest = %+v, %v", tc.tag, m.Descriptor, err)
		}
		if m.Children[0].Platform != "linux/amd64" || m.Children[1].Attests() != children[0] {
			t.Errorf("%s: children = %+v", tc.tag, m.Children)
		}
		c, err := r.rc.Manifest(ctx, repo, children[0])
		if err != nil || c.MediaType != tc.manifest || c.Digest != children[0] {
			t.Errorf("%s: child = %+v, %v", tc.tag, c.Descriptor, err)
		}
	}
	_, err := r.rc.Resolve(ctx, repo, digestOf([]byte("never pushed")))
	if !errors.Is(err, image.ErrManifestUnknown) {
		t.Fatalf("unknown digest: %v, want ErrManifestUnknown", err)
	}
}

func TestReferrersWithTheAPIOnAndOff(t *testing.T) {
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprintf("referrers=%v", on), func(t *testing.T) {
			r := newReg(t, on)
			ctx := context.Background()
			idx, _ := r.pushMultiArch(image.MediaTypeOCIIndex, image.MediaTypeOCIManifest, "v1", "linux/amd64")
			subject := map[string]any{"mediaType": image.MediaTypeOCIIndex, "digest": idx, "size": 1}
			sbom := imageBody(image.MediaTypeOCIManifest, "application/vnd.oci.empty.v1+json", "sbom", subject)
			sbomDigest := r.put(image.MediaTypeOCIManifest, sbom, "")
			if !on {
				// A client pushing to a registry without the API keeps the
				// referrers index under the tag schema.
				fallback := mustJSON(map[string]any{"schemaVersion": 2, "mediaType": image.MediaTypeOCIIndex, "manifests": []any{
					map[string]any{"mediaType": image.MediaTypeOCIManifest, "digest": sbomDigest, "size": len(sbom), "artifactType": "application/vnd.oci.empty.v1+json"},
				}})
				r.put(image.MediaTypeOCIIndex, fallback, image.TagSchema(idx))
			}
			sig := imageBody(image.MediaTypeOCIManifest, "application/vnd.oci.image.config.v1+json", "cosign signature", nil)
			sigDigest := r.put(image.MediaTypeOCIManifest, sig, image.TagSchema(idx)+".sig")

			has, err := r.rc.HasReferrersAPI(ctx, repo)
			if err != nil || has != on {
				t.Fatalf("HasReferrersAPI = %v, %v; want %v", has, err, on)
			}
			refs, err := r.rc.Referrers(ctx, repo, idx)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, d := range refs {
				got[d.Digest] = d.Tag
			}
			if _, ok := got[sbomDigest]; !ok || got[sigDigest] != image.TagSchema(idx)+".sig" || len(got) != 2 {
				t.Fatalf("referrers = %+v, want the SBOM and the signature", refs)
			}
		})
	}
}

func TestCheckReportsWhatTheRegistryServes(t *testing.T) {
	r := newReg(t, false)
	ctx := context.Background()
	_, children := r.pushMultiArch(image.MediaTypeOCIIndex, image.MediaTypeOCIManifest, "v1", "linux/amd64", "linux/arm64")
	pkg := api.Package{Owner: api.Org("acme"), Type: api.PackageTypeContainer, Name: "team/app"}
	rs, err := image.NewRestorer(nil, r.rc, pkg, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := rs.Verify(ctx, image.Roots("v1"))
	if err != nil || !rep.Whole() || len(rep.Images[0].Manifests) != 5 {
		t.Fatalf("check of a whole image: %v %+v", err, rep)
	}
	r.delete(children[2]) // the arm64 platform
	rep, err = rs.Verify(ctx, image.Roots("v1"))
	if err != nil || rep.Whole() {
		t.Fatalf("check after a delete: %v, whole %v", err, rep.Whole())
	}
	for _, p := range rep.Images[0].Platforms() {
		if p.Whole != (p.Platform == "linux/amd64") {
			t.Errorf("platform %s whole = %v", p.Platform, p.Whole)
		}
	}
}
