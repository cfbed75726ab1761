package image

import (
	"encoding/json"
	"fmt"

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
	Subject      *ocispec.Descriptor  `json:"subject"`
	Annotations  map[string]string    `json:"annotations"`
}

func decodeManifest(d Descriptor, body []byte) (Manifest, error) {
	var m manifestJSON
	if err := json.Unmarshal(body, &m); err != nil {
		return Manifest{}, &RegistryError{Op: "decode " + d.Digest, Err: err}
	}
	if d.MediaType == "" || d.MediaType == "application/json" {
		d.MediaType = m.MediaType
	}
	switch d.MediaType {
	case MediaTypeOCIIndex, MediaTypeDockerList, MediaTypeOCIManifest, MediaTypeDockerImageV2:
	default:
		return Manifest{}, &RegistryError{Op: "decode " + d.Digest, Err: fmt.Errorf("%w: %q", ErrUnsupportedManifest, d.MediaType)}
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
