package image

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
)

// The manifest decision (checkManifest: the body against the digest asked
// for, the registry's digest header and its Content-Type) never accepts a
// body that does not hash to what was asked or named, never takes children
// from what is not an index, and lets the body's own mediaType decide.
func FuzzCheckManifest(f *testing.F) {
	index := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":1}]}`
	f.Add(true, "", MediaTypeOCIManifest, []byte(index))
	f.Add(false, "sha256:0000000000000000000000000000000000000000000000000000000000000000", MediaTypeOCIIndex, []byte(index))
	f.Add(true, "-", "application/json", []byte(`{"schemaVersion":2,"manifests":[]}`))
	f.Add(false, "-", MediaTypeDockerList, []byte(`{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{}}`))
	f.Add(true, "", "", []byte(`{"config":{"mediaType":"x"},"manifests":[]}`))
	f.Fuzz(func(t *testing.T, byDigest bool, header, contentType string, body []byte) {
		sum := sha256.Sum256(body)
		real := "sha256:" + hex.EncodeToString(sum[:])
		asked := "v1"
		if byDigest {
			asked = real
			if len(body) > 0 && body[0]%2 == 0 {
				asked = "sha256:" + hex.EncodeToString(make([]byte, 32)) // a digest the body is not
			}
		}
		if header == "-" {
			header = real
		}
		m, err := checkManifest(asked, header, contentType, body)
		if err != nil {
			if asked != real && asked != "v1" && !errors.Is(err, ErrDigestMismatch) {
				t.Fatalf("asked %s, body %s: %v does not match ErrDigestMismatch", asked, real, err)
			}
			return
		}
		if m.Digest != real || (asked != "v1" && asked != real) || (header != "" && header != real) {
			t.Fatalf("accepted a body hashing to %s as %s (asked %s, header %q)", real, m.Digest, asked, header)
		}
		if len(m.Children) > 0 && !m.IsIndex() {
			t.Fatalf("an image manifest (%s) with children", m.MediaType)
		}
		var own struct {
			MediaType string `json:"mediaType"`
		}
		if json.Unmarshal(body, &own) == nil && own.MediaType != "" && own.MediaType != m.MediaType {
			t.Fatalf("the body says %q, decided %q", own.MediaType, m.MediaType)
		}
	})
}
