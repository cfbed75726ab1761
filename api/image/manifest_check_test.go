package image_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"testing"

	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// Every forged or mismatched manifest body is an error matching
// ErrDigestMismatch, whatever the registry's Docker-Content-Digest header
// says, and whether it says anything (measurement 8: a forged body with no
// header, or with its own digest in the header, used to give an error of
// oras' that did not match).
func TestForgedManifestBodiesMatchErrDigestMismatch(t *testing.T) {
	real := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":2},"layers":[]}`)
	forged := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":2},"layers":[]}`)
	other := sha([]byte("another manifest"))
	for _, tc := range []struct {
		name   string
		ref    string // "" for the real digest
		body   []byte
		header string // Docker-Content-Digest; "-" for none
		ok     bool
	}{
		{"forged body, no digest header", "", forged, "-", false},
		{"forged body, its own digest in the header", "", forged, sha(forged), false},
		{"forged body, the asked digest in the header", "", forged, sha(real), false},
		{"real body, another digest in the header", "", real, other, false},
		{"by tag: body does not hash to the header's digest", "v1", forged, sha(real), false},
		{"real body, the asked digest in the header", "", real, sha(real), true},
		{"real body, no digest header", "", real, "-", true},
		{"by tag: real body, no header", "v1", real, "-", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			push(t, e.reg, app, image.MediaTypeOCIManifest, real, "v1")
			h := http.Header{"Content-Type": {image.MediaTypeOCIManifest}}
			if tc.header != "-" {
				h.Set("Docker-Content-Digest", tc.header)
			}
			e.reg.Script(apitest.RegistryRouteManifest, apitest.Fault{Status: http.StatusOK, Header: h, Body: string(tc.body)})
			ref := tc.ref
			if ref == "" {
				ref = sha(real)
			}
			m, err := e.rc.Manifest(ctx(t), "acme/team/app", ref)
			if tc.ok {
				if err != nil || m.Digest != sha(real) || m.MediaType != image.MediaTypeOCIManifest {
					t.Fatalf("Manifest = %+v, %v; want the real manifest", m.Descriptor, err)
				}
				return
			}
			var ie *image.RegistryError
			if !errors.Is(err, image.ErrDigestMismatch) || !errors.As(err, &ie) {
				t.Fatalf("err = %v (%T), want an *image.RegistryError matching ErrDigestMismatch", err, err)
			}
		})
	}
}

// A HEAD whose Docker-Content-Digest is not the digest asked for is a
// mismatch too (Resolve), not an untyped library error.
func TestResolveOfAnotherDigestMatchesErrDigestMismatch(t *testing.T) {
	real := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":2},"layers":[]}`)
	e := newEnv(t, nil)
	push(t, e.reg, app, image.MediaTypeOCIManifest, real, "v1")
	h := http.Header{"Content-Type": {image.MediaTypeOCIManifest}, "Docker-Content-Digest": {sha([]byte("another manifest"))}}
	e.reg.Script(apitest.RegistryRouteManifest, apitest.Fault{Status: http.StatusOK, Header: h})
	_, err := e.rc.Resolve(ctx(t), "acme/team/app", sha(real))
	var ie *image.RegistryError
	if !errors.Is(err, image.ErrDigestMismatch) || !errors.As(err, &ie) {
		t.Fatalf("err = %v (%T), want an *image.RegistryError matching ErrDigestMismatch", err, err)
	}
	if _, err := e.rc.Resolve(ctx(t), "acme/team/app", sha(real)); err != nil {
		t.Fatalf("the unscripted HEAD: %v", err)
	}
}

// The body's own mediaType decides what a manifest is: a Content-Type that
// contradicts it is an error matching ErrMediaTypeMismatch, never an index
// read as an image manifest with no children.
func TestContentTypeThatContradictsTheBodyIsAMismatch(t *testing.T) {
	index := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`)
	noType := []byte(`{"schemaVersion":2,"manifests":[]}`)
	for _, tc := range []struct {
		name, contentType string
		body              []byte
		want              error
		kind              string
	}{
		{"index served as an image manifest", image.MediaTypeOCIManifest, index, image.ErrMediaTypeMismatch, ""},
		{"index served as a docker manifest", image.MediaTypeDockerImageV2, index, image.ErrMediaTypeMismatch, ""},
		{"index without mediaType served as an image manifest", image.MediaTypeOCIManifest, noType, image.ErrMediaTypeMismatch, ""},
		{"index served as an index", image.MediaTypeOCIIndex + "; charset=utf-8", index, nil, image.MediaTypeOCIIndex},
		{"index served as json", "application/json", index, nil, image.MediaTypeOCIIndex},
		{"index without mediaType served as an index", image.MediaTypeOCIIndex, noType, nil, image.MediaTypeOCIIndex},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			push(t, e.reg, app, image.MediaTypeOCIIndex, tc.body, "v1")
			e.reg.Script(apitest.RegistryRouteManifest, apitest.Fault{Status: http.StatusOK, Header: http.Header{"Content-Type": {tc.contentType}}, Body: string(tc.body)})
			m, err := e.rc.Manifest(ctx(t), "acme/team/app", sha(tc.body))
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil || m.MediaType != tc.kind || !m.IsIndex() {
				t.Fatalf("Manifest = %+v, %v", m.Descriptor, err)
			}
		})
	}
}
