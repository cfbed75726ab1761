package apitest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ghpackages/restore/api"
)

// The roles a seeded manifest plays in its image.
const (
	SeedIndex       = "index"
	SeedPlatform    = "platform"
	SeedAttestation = "attestation"
	SeedSignature   = "signature"
	SeedReferrer    = "referrer"
	SeedImage       = "image"
)

// SeededManifest is one manifest the registry serves and the package
// version that holds it.
type SeededManifest struct {
	Digest   string
	ID       int64 // the package version's id in the fake GitHub
	Role     string
	Platform string // "os/arch[/variant]" for platforms and their attestations
	Tags     []string
}

// SeededImage is a multi-platform image made by SeedIndex.
type SeededImage struct {
	Owner, Name  string
	Index        SeededManifest
	Platforms    []SeededManifest
	Attestations []SeededManifest // in the order of Platforms
	Signature    *SeededManifest  // cosign's sha256-HEX.sig, when asked for
}

// Children returns every manifest of the image except the index.
func (s SeededImage) Children() []SeededManifest {
	out := append(append([]SeededManifest(nil), s.Platforms...), s.Attestations...)
	if s.Signature != nil {
		out = append(out, *s.Signature)
	}
	return out
}

// ImageSpec describes an image for SeedIndex.
type ImageSpec struct {
	Tags []string
	// Platforms are "os/arch[/variant]" (default linux/amd64 and linux/arm64).
	Platforms []string
	// Attestations adds one buildx attestation manifest per platform
	// (platform unknown/unknown, with the reference annotations).
	Attestations bool
	// Signature adds a cosign signature tagged sha256-HEX.sig for the index.
	Signature bool
	// Salt makes the content, and so the digests, unique (default: the
	// tags). Two images with the same salt and different tags share their
	// platform manifests and attestations, as an rc and its release do.
	Salt string
	// CreatedAt is the versions' creation time (default: the clock's now).
	CreatedAt time.Time
}

func (r *Registry) push(owner, name, mediaType string, body []byte, subject, artifact string, created time.Time, tags []string) SeededManifest {
	sum := sha256.Sum256(body)
	dgst := "sha256:" + hex.EncodeToString(sum[:])
	key := strings.ToLower(owner + "/" + name)
	r.mu.Lock()
	rs := r.repos[key]
	if rs == nil {
		rs = &repoState{owner: owner, name: name, blobs: map[string]blob{}}
		r.repos[key] = rs
	}
	rs.blobs[dgst] = blob{mediaType: mediaType, body: body, subject: subject, artifact: artifact}
	versions := append([]seededVersion(nil), rs.versions...)
	r.mu.Unlock()
	for _, sv := range versions {
		if sv.digest != dgst {
			continue
		}
		if v, ok := r.gh.lockedVersion(owner, name, sv.id); ok && v.DeletedAt == nil {
			return SeededManifest{Digest: dgst, ID: sv.id, Tags: v.Tags}
		}
	}
	r.gh.mu.Lock()
	id := r.gh.addVersion(r.gh.activePkg(owner, api.PackageTypeContainer, name, ""), VersionSeed{Name: dgst, Tags: tags, CreatedAt: created})
	r.gh.mu.Unlock()
	r.mu.Lock()
	rs.versions = append(rs.versions, seededVersion{id: id, digest: dgst})
	r.mu.Unlock()
	return SeededManifest{Digest: dgst, ID: id, Tags: append([]string(nil), tags...)}
}

type jsonDesc struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int               `json:"size"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Platform     *jsonPlatform     `json:"platform,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

type jsonPlatform struct {
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
	Variant      string `json:"variant,omitempty"`
}

const (
	ociIndex    = "application/vnd.oci.image.index.v1+json"
	ociManifest = "application/vnd.oci.image.manifest.v1+json"
	ociConfig   = "application/vnd.oci.image.config.v1+json"
)

// fakeBlob describes a blob the manifests point at; blobs themselves are
// not served (the restore reads manifests only).
func fakeBlob(mediaType, content string) jsonDesc {
	sum := sha256.Sum256([]byte(content))
	return jsonDesc{MediaType: mediaType, Digest: "sha256:" + hex.EncodeToString(sum[:]), Size: len(content)}
}

func imageManifest(configType, layerType, content string, subject *jsonDesc, artifact string) []byte {
	m := map[string]any{
		"schemaVersion": 2,
		"mediaType":     ociManifest,
		"config":        fakeBlob(configType, "config "+content),
		"layers":        []jsonDesc{fakeBlob(layerType, "layer "+content)},
	}
	if subject != nil {
		m["subject"] = subject
	}
	if artifact != "" {
		m["artifactType"] = artifact
	}
	b, _ := json.Marshal(m)
	return b
}

func indexOf(manifests []jsonDesc, annotations map[string]string) []byte {
	m := map[string]any{"schemaVersion": 2, "mediaType": ociIndex, "manifests": manifests}
	if len(annotations) > 0 {
		m["annotations"] = annotations
	}
	b, _ := json.Marshal(m)
	return b
}

func platformOf(p string) *jsonPlatform {
	parts := strings.SplitN(p, "/", 3)
	jp := &jsonPlatform{OS: parts[0]}
	if len(parts) > 1 {
		jp.Architecture = parts[1]
	}
	if len(parts) > 2 {
		jp.Variant = parts[2]
	}
	return jp
}

func (r *Registry) seedIndex(owner, name string, spec ImageSpec) SeededImage {
	platforms := spec.Platforms
	if len(platforms) == 0 {
		platforms = []string{"linux/amd64", "linux/arm64"}
	}
	salt := spec.Salt
	if salt == "" {
		salt = strings.Join(spec.Tags, ",")
	}
	img := SeededImage{Owner: owner, Name: name}
	var entries, attEntries []jsonDesc
	for _, p := range platforms {
		body := imageManifest(ociConfig, "application/vnd.oci.image.layer.v1.tar+gzip", salt+" "+p, nil, "")
		m := r.push(owner, name, ociManifest, body, "", "", spec.CreatedAt, nil)
		m.Role, m.Platform = SeedPlatform, p
		img.Platforms = append(img.Platforms, m)
		entries = append(entries, jsonDesc{MediaType: ociManifest, Digest: m.Digest, Size: len(body), Platform: platformOf(p)})
		if spec.Attestations {
			ab := imageManifest(ociConfig, "application/vnd.in-toto+json", salt+" attestation "+p, nil, "")
			a := r.push(owner, name, ociManifest, ab, "", "", spec.CreatedAt, nil)
			a.Role, a.Platform = SeedAttestation, p
			img.Attestations = append(img.Attestations, a)
			attEntries = append(attEntries, jsonDesc{
				MediaType: ociManifest, Digest: a.Digest, Size: len(ab),
				Platform: &jsonPlatform{OS: "unknown", Architecture: "unknown"},
				Annotations: map[string]string{
					"vnd.docker.reference.type":   "attestation-manifest",
					"vnd.docker.reference.digest": m.Digest,
				},
			})
		}
	}
	// The index names its tags, so that two images sharing their platform
	// manifests (an rc and its release) still have indexes of their own.
	ib := indexOf(append(entries, attEntries...), map[string]string{"org.opencontainers.image.version": strings.Join(spec.Tags, ",")})
	img.Index = r.push(owner, name, ociIndex, ib, "", "", spec.CreatedAt, spec.Tags)
	img.Index.Role = SeedIndex
	if spec.Signature {
		sb := imageManifest(ociConfig, "application/vnd.dev.cosign.simplesigning.v1+json", "signature of "+img.Index.Digest, nil, "")
		tag := strings.Replace(img.Index.Digest, ":", "-", 1) + ".sig"
		s := r.push(owner, name, ociManifest, sb, "", "", spec.CreatedAt, []string{tag})
		s.Role = SeedSignature
		img.Signature = &s
	}
	return img
}

func (r *Registry) seedImage(owner, name, salt string, tags ...string) SeededManifest {
	body := imageManifest(ociConfig, "application/vnd.oci.image.layer.v1.tar+gzip", salt, nil, "")
	m := r.push(owner, name, ociManifest, body, "", "", time.Time{}, tags)
	m.Role = SeedImage
	return m
}

func (r *Registry) pushReferrer(owner, name, subject, artifactType, salt string) SeededManifest {
	subj := &jsonDesc{MediaType: ociManifest, Digest: subject, Size: 1}
	body := imageManifest("application/vnd.oci.empty.v1+json", "application/vnd.oci.image.layer.v1.tar", salt, subj, artifactType)
	m := r.push(owner, name, ociManifest, body, subject, artifactType, time.Time{}, nil)
	m.Role = SeedReferrer
	if !r.referrersAPI {
		ib := indexOf([]jsonDesc{{MediaType: ociManifest, Digest: m.Digest, Size: len(body), ArtifactType: artifactType}}, nil)
		r.push(owner, name, ociIndex, ib, "", "", time.Time{}, []string{strings.Replace(subject, ":", "-", 1)})
	}
	return m
}

func (r *Registry) deleteUntaggedChildren(owner, name string) []int64 {
	r.mu.Lock()
	rs := r.repos[strings.ToLower(owner+"/"+name)]
	var versions []seededVersion
	if rs != nil {
		versions = append(versions, rs.versions...)
	}
	r.mu.Unlock()
	var ids []int64
	for _, sv := range versions {
		r.gh.mu.Lock()
		if v, ok := r.gh.version(owner, api.PackageTypeContainer, name, sv.id); ok && v.DeletedAt == nil && len(v.Tags) == 0 {
			if r.gh.deleteVersion(owner, api.PackageTypeContainer, name, sv.id) == nil {
				ids = append(ids, sv.id)
			}
		}
		r.gh.mu.Unlock()
	}
	return ids
}

// String describes a seeded manifest for test failures.
func (m SeededManifest) String() string {
	return fmt.Sprintf("%s %s (version %d)", m.Role, m.Digest, m.ID)
}

// RegistryDemo describes the image SeedRegistryDemo creates.
type RegistryDemo struct {
	Package api.Package
	Tag     string
	Image   SeededImage
	// Deleted are the ids of the versions the cleanup deleted: the three
	// platform manifests and their three attestations.
	Deleted []int64
}

// SeedRegistryDemo adds, to the organization and token of SeedDemo, a
// multi-arch image after the usual incident: "octo-org/team/web" tagged
// v1.4.0, with linux/amd64, linux/arm64 and linux/arm/v7 and a buildx
// attestation each, whose six untagged children a cleanup has just deleted.
// The tag still resolves; pulling any platform fails with "manifest
// unknown".
func SeedRegistryDemo(r *Registry) RegistryDemo {
	d := RegistryDemo{Package: api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "team/web"}, Tag: "v1.4.0"}
	now := r.gh.clock.Now()
	d.Image, _ = r.SeedIndexFor(d.Package, ImageSpec{ // a valid package: no error
		Tags:         []string{d.Tag, "latest"},
		Platforms:    []string{"linux/amd64", "linux/arm64", "linux/arm/v7"},
		Attestations: true,
		CreatedAt:    now.Add(-72 * time.Hour),
	})
	d.Deleted, _ = r.DeleteUntaggedChildrenOf(d.Package)
	return d
}

// lockedVersion is Version of the container package owner/name, taking
// s.mu.
func (s *Server) lockedVersion(owner, name string, id int64) (VersionState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version(owner, api.PackageTypeContainer, name, id)
}
