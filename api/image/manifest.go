package image

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Descriptor points at one manifest: its digest, media type and size, and
// what the index that lists it says about it.
type Descriptor struct {
	Digest    string `json:"digest"`
	MediaType string `json:"media_type,omitempty"`
	Size      int64  `json:"size,omitempty"`
	// Platform is "os/arch[/variant]" when the index names one; buildx
	// attestation manifests say "unknown/unknown".
	Platform     string            `json:"platform,omitempty"`
	ArtifactType string            `json:"artifact_type,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	// Tag is the tag it was found by, if any (cosign's sha256-HEX.sig ...).
	Tag string `json:"tag,omitempty"`
}

// IsIndex reports whether the descriptor is a multi-platform index (OCI
// index or Docker manifest list).
func (d Descriptor) IsIndex() bool {
	return d.MediaType == MediaTypeOCIIndex || d.MediaType == MediaTypeDockerList
}

// The annotations buildx puts on an attestation manifest in an index.
const (
	annotationReferenceType   = "vnd.docker.reference.type"
	annotationReferenceDigest = "vnd.docker.reference.digest"
	referenceTypeAttestation  = "attestation-manifest"
)

// Attests returns the digest of the platform image an attestation manifest
// describes (buildx's vnd.docker.reference.digest), or "".
func (d Descriptor) Attests() string {
	if d.Annotations[annotationReferenceType] != referenceTypeAttestation {
		return ""
	}
	return d.Annotations[annotationReferenceDigest]
}

// Manifest is a decoded manifest: an index lists Children; an image
// manifest may name a Subject (the manifest it refers to).
type Manifest struct {
	Descriptor
	// Children are the manifests an index lists, in order.
	Children []Descriptor `json:"children,omitempty"`
	// Subject is the digest of the manifest this one refers to (OCI 1.1), or "".
	Subject string `json:"subject,omitempty"`
	// Raw is the manifest as the registry served it (its sha256 is Digest).
	Raw []byte `json:"-"`
}

// manifestJSON is the part of both manifest kinds the walk reads.
type manifestJSON struct {
	MediaType    string               `json:"mediaType"`
	ArtifactType string               `json:"artifactType"`
	Manifests    []ocispec.Descriptor `json:"manifests"`
	Config       *ocispec.Descriptor  `json:"config"`
	Layers       json.RawMessage      `json:"layers"`
	Subject      *ocispec.Descriptor  `json:"subject"`
	Annotations  map[string]string    `json:"annotations"`
}

// ErrMediaTypeMismatch matches a manifest whose served media type (the
// registry's Content-Type, or the descriptor of the index that lists it)
// contradicts what its body says it is. The body decides what a manifest
// is; a contradiction makes the image broken with this reason, since an
// index served as an image manifest would hide what it lists.
var ErrMediaTypeMismatch = errors.New("manifest media type contradicts its body")

// checkManifest is the decision Registry.Manifest makes about one answer:
// the body must hash to the digest asked for (or named by the registry's
// Docker-Content-Digest header, for a tag), and its own mediaType decides
// whether it is an index or an image manifest; a Content-Type that says
// otherwise is an error matching ErrMediaTypeMismatch.
func checkManifest(asked, headerDigest, contentType string, body []byte) (Manifest, error) {
	got, err := verifyBody(asked, headerDigest, body)
	if err != nil {
		return Manifest{}, err
	}
	if t, _, err := mime.ParseMediaType(contentType); err == nil {
		contentType = t
	}
	return decodeManifest(Descriptor{Digest: got, MediaType: contentType, Size: int64(len(body))}, body)
}

// verifyBody returns the digest of body, or an error matching
// ErrDigestMismatch when the body is not what was asked for: it does not
// hash to the digest asked (whatever the registry's header says, and when
// it says nothing), or the registry names it (headerDigest) by a digest it
// does not hash to. A tag read without a header is named by its hash.
func verifyBody(asked, headerDigest string, body []byte) (string, error) {
	sum := sha256.Sum256(body)
	got := "sha256:" + hex.EncodeToString(sum[:])
	switch {
	case strings.HasPrefix(asked, "sha256:") && got != asked:
		return "", fmt.Errorf("%w: the body is %s, not the %s asked for", ErrDigestMismatch, got, asked)
	case headerDigest != "" && headerDigest != got:
		return "", fmt.Errorf("%w: the registry names it %s (Docker-Content-Digest), but the body is %s", ErrDigestMismatch, headerDigest, got)
	}
	return got, nil
}

type manifestKind int

const (
	kindUnknown manifestKind = iota
	kindIndex
	kindImage
)

// kindOf says whether a media type is one of an index or of an image
// manifest.
func kindOf(mediaType string) manifestKind {
	switch mediaType {
	case MediaTypeOCIIndex, MediaTypeDockerList:
		return kindIndex
	case MediaTypeOCIManifest, MediaTypeDockerImageV2:
		return kindImage
	}
	return kindUnknown
}

// shape says what a body looks like: an index lists manifests, an image
// manifest has a config or layers.
func (m *manifestJSON) shape() manifestKind {
	index := m.Manifests != nil
	image := m.Config != nil || (len(m.Layers) > 0 && string(m.Layers) != "null")
	switch {
	case index && !image:
		return kindIndex
	case image && !index:
		return kindImage
	}
	return kindUnknown
}

// decodeManifest decodes body, whose digest d.Digest is checked already;
// d.MediaType is what the registry served it as ("" if nothing).
func decodeManifest(d Descriptor, body []byte) (Manifest, error) {
	var m manifestJSON
	if err := json.Unmarshal(body, &m); err != nil {
		return Manifest{}, &RegistryError{Op: "decode " + d.Digest, Err: err}
	}
	served := d.MediaType
	if served == "application/json" {
		served = ""
	}
	switch {
	case m.MediaType != "" && served != "" && served != m.MediaType:
		return Manifest{}, &RegistryError{Op: "decode " + d.Digest, Err: fmt.Errorf("%w: served as %q, but the body says %q", ErrMediaTypeMismatch, served, m.MediaType)}
	case m.MediaType != "":
		d.MediaType = m.MediaType
	default:
		d.MediaType = served
	}
	if kindOf(d.MediaType) == kindUnknown {
		return Manifest{}, &RegistryError{Op: "decode " + d.Digest, Err: fmt.Errorf("%w: %q", ErrUnsupportedManifest, d.MediaType)}
	}
	if s := m.shape(); s != kindUnknown && s != kindOf(d.MediaType) {
		what := "an index's manifests"
		if s == kindImage {
			what = "an image manifest's config or layers"
		}
		return Manifest{}, &RegistryError{Op: "decode " + d.Digest, Err: fmt.Errorf("%w: %q, but the body has %s", ErrMediaTypeMismatch, d.MediaType, what)}
	}
	if d.ArtifactType == "" {
		d.ArtifactType = m.ArtifactType
		if d.ArtifactType == "" && m.Config != nil && !d.IsIndex() {
			// An artifact without artifactType says what it is in its config.
			switch m.Config.MediaType {
			case ocispec.MediaTypeImageConfig, "application/vnd.docker.container.image.v1+json":
			default:
				d.ArtifactType = m.Config.MediaType
			}
		}
	}
	out := Manifest{Descriptor: d, Raw: body}
	if m.Subject != nil {
		out.Subject = m.Subject.Digest.String()
	}
	if d.IsIndex() {
		for _, c := range m.Manifests {
			out.Children = append(out.Children, descriptorFrom(c))
		}
	}
	return out, nil
}

func descriptorFrom(d ocispec.Descriptor) Descriptor {
	out := Descriptor{
		Digest:       d.Digest.String(),
		MediaType:    d.MediaType,
		Size:         d.Size,
		ArtifactType: d.ArtifactType,
		Annotations:  d.Annotations,
	}
	if p := d.Platform; p != nil {
		out.Platform = p.OS + "/" + p.Architecture
		if p.Variant != "" {
			out.Platform += "/" + p.Variant
		}
	}
	return out
}
