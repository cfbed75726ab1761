package image

import (
	"errors"
	"slices"
	"time"

	"github.com/ghpackages/restore/api"
)

// Role is what a manifest is to its image.
type Role string

// The roles of manifests in an image.
const (
	// RoleIndex is a multi-platform index (OCI index or Docker manifest
	// list): the root of a multi-arch image, or an index inside one.
	RoleIndex Role = "index"
	// RoleImage is a single-platform image manifest at the root, or a root
	// whose kind is not known yet because it is deleted.
	RoleImage Role = "image"
	// RolePlatform is the image manifest of one platform (os/arch[/variant]).
	RolePlatform Role = "platform"
	// RoleAttestation is a buildx attestation manifest (provenance, SBOM)
	// of a platform, or a cosign attestation (sha256-HEX.att).
	RoleAttestation Role = "attestation"
	// RoleSignature is a cosign signature (sha256-HEX.sig).
	RoleSignature Role = "signature"
	// RoleReferrer is any other manifest referring to one of the image's: an
	// OCI 1.1 referrer, a referrers index tagged sha256-HEX, a cosign SBOM.
	RoleReferrer Role = "referrer"
)

// ManifestState is what became, or becomes, of a manifest in an image
// plan or report. (api.State is another thing: a version listing's
// active/deleted filter.)
type ManifestState string

// The states of a manifest in a plan and a report.
const (
	// ManifestPresent: an active version holds it (plan), or the registry
	// serves it (verify).
	ManifestPresent ManifestState = "present"
	// ManifestReused: its version is deleted, but an active version holds the
	// same digest, so the image needs nothing restored for it.
	ManifestReused ManifestState = "reused"
	// ManifestDeleted: its version is deleted and restorable: the plan
	// restores VersionID.
	ManifestDeleted ManifestState = "deleted"
	// ManifestRestored: apply restored its version.
	ManifestRestored ManifestState = "restored"
	// ManifestGone: no restorable version holds it: deleted more than 30 days
	// ago, or never pushed to this package. The image cannot be made whole.
	ManifestGone ManifestState = "gone"
	// ManifestMissing: verify found the registry does not serve it.
	ManifestMissing ManifestState = "missing"
	// ManifestFailed: apply tried to restore its version and failed.
	ManifestFailed ManifestState = "failed"
	// ManifestUnknown: apply sent its restore but the outcome is not known
	// (the answer never came, or the run was interrupted while it was in
	// flight): it may be restored. Applying the plan again settles it.
	ManifestUnknown ManifestState = "unknown"
	// ManifestNotTried: apply did not send its restore (the run ended
	// first, or it was still waiting for pacing or a rate-limit gate).
	ManifestNotTried ManifestState = "not_tried"
)

// ok reports whether the state counts towards a whole image.
func (s ManifestState) ok() bool {
	return s == ManifestPresent || s == ManifestReused || s == ManifestRestored
}

// Manifest states and roles form a tree per image: Entry is one node.
type Entry struct {
	Digest    string `json:"digest"`
	Role      Role   `json:"role"`
	Platform  string `json:"platform,omitempty"`
	MediaType string `json:"media_type,omitempty"`
	// Tag is the tag the manifest was found by (the root's, or a cosign or
	// referrers tag sha256-HEX…).
	Tag string `json:"tag,omitempty"`
	// Parent is the digest of the manifest that lists or is referred to by
	// this one; "" for the root.
	Parent    string        `json:"parent,omitempty"`
	State     ManifestState `json:"state"`
	VersionID int64         `json:"version_id,omitempty"`
	Why       string        `json:"why"`
	// Err is the error behind ManifestFailed or a failed read, as text.
	Err string `json:"error,omitempty"`
}

// Image is one image of a plan or a report: its root and the manifests of
// its closure, the root first, each child after its parent.
type Image struct {
	// Root is the image as given: a tag or a digest.
	Root string `json:"root"`
	// Digest is the root manifest's digest, once known.
	Digest string `json:"digest,omitempty"`
	// Tags are the root's tags (from the package listing), or the tag given.
	Tags      []string `json:"tags,omitempty"`
	Manifests []Entry  `json:"manifests"`
	// Pending is true while a deleted manifest hides what it lists: its
	// children become known once apply restores it, and apply walks on.
	Pending bool `json:"pending,omitempty"`
	// TagsOK is set by verify: every tag of the image resolves to Digest.
	TagsOK *bool `json:"tags_ok,omitempty"`
	// Err is a failure that stopped the walk of this image, as text.
	Err string `json:"error,omitempty"`
	err error
}

// Whole reports whether every manifest of the image's closure is there
// (present, restored or satisfied by a reused digest), nothing is pending,
// and, after verify, every tag points at the root.
func (i Image) Whole() bool {
	if i.Pending || i.Err != "" || len(i.Manifests) == 0 || (i.TagsOK != nil && !*i.TagsOK) {
		return false
	}
	for _, e := range i.Manifests {
		if !e.State.ok() {
			return false
		}
	}
	return true
}

// ToRestore returns the entries whose versions a plan restores.
func (i Image) ToRestore() []Entry {
	var out []Entry
	for _, e := range i.Manifests {
		if e.State == ManifestDeleted {
			out = append(out, e)
		}
	}
	return out
}

// Lost returns the entries that cannot be restored (ManifestGone,
// ManifestMissing, ManifestFailed).
func (i Image) Lost() []Entry {
	var out []Entry
	for _, e := range i.Manifests {
		if e.State == ManifestGone || e.State == ManifestMissing || e.State == ManifestFailed {
			out = append(out, e)
		}
	}
	return out
}

// PlatformStatus is the state of one platform of an image: its platform
// manifest and the attestations of that platform.
type PlatformStatus struct {
	Platform  string  `json:"platform"`
	Whole     bool    `json:"whole"`
	Manifests []Entry `json:"manifests"`
}

// Platforms groups the image's platform manifests with their attestations,
// in the order the index lists them. A single-platform image has none.
func (i Image) Platforms() []PlatformStatus {
	var out []PlatformStatus
	at := map[string]int{}
	for _, e := range i.Manifests {
		if e.Role != RolePlatform && !(e.Role == RoleAttestation && e.Platform != "") {
			continue
		}
		k, ok := at[e.Platform]
		if !ok {
			k = len(out)
			at[e.Platform] = k
			out = append(out, PlatformStatus{Platform: e.Platform, Whole: true})
		}
		out[k].Manifests = append(out[k].Manifests, e)
		out[k].Whole = out[k].Whole && e.State.ok()
	}
	return out
}

// Plan is the image kind of the one plan concept (api.PlanKindImage): an
// image-level restore plan of one container package, per image every
// manifest of its closure with its role, state and why, and the versions
// to restore. It shares its header with api.Plan (schema, kind, the API it
// was made against, when) and adds the registry it was read from. It is
// JSON-serialisable; ParsePlan reads it back, and Restorer.Apply applies it
// exactly as written, through the same engine as api.Client.Apply. Verify
// returns one too, as a report.
type Plan struct {
	// Schema is api.PlanSchema for plans made by this version of the SDK.
	Schema int `json:"schema,omitempty"`
	// Kind is api.PlanKindImage.
	Kind api.PlanKind `json:"kind,omitempty"`
	// BaseURL is the API the plan was made against: its version ids mean
	// nothing on another host.
	BaseURL string    `json:"base_url,omitempty"`
	MadeAt  time.Time `json:"made_at,omitzero"`
	// Package is the container package; Repository its registry name
	// (OWNER/NAME, lower case).
	Package    api.Package `json:"package,omitzero"`
	Repository string      `json:"repository"`
	// Registry is the host the images were read from.
	Registry string  `json:"registry,omitempty"`
	Images   []Image `json:"images"`
	// Items are the versions the plan restores, each once, deleted roots
	// first (see Restores), with why (the role and image of each).
	Items []api.PlanItem `json:"items,omitempty"`
	// Scanned is how many tagged images a broken-images scan read.
	Scanned int `json:"scanned,omitempty"`
}

// Restores returns each version the plan restores, once, even when several
// images share it: deleted roots first (their children become known only
// once they are back), then the rest in plan order.
func (p Plan) Restores() []Entry {
	var roots, rest []Entry
	seen := map[int64]bool{}
	for _, img := range p.Images {
		for k, e := range img.Manifests {
			if e.State != ManifestDeleted || seen[e.VersionID] {
				continue
			}
			seen[e.VersionID] = true
			if k == 0 {
				roots = append(roots, e)
			} else {
				rest = append(rest, e)
			}
		}
	}
	return slices.Concat(roots, rest)
}

// Whole reports whether every image of the plan or report is whole.
func (p Plan) Whole() bool {
	for _, img := range p.Images {
		if !img.Whole() {
			return false
		}
	}
	return true
}

// Broken returns the images that are not whole.
func (p Plan) Broken() []Image {
	var out []Image
	for _, img := range p.Images {
		if !img.Whole() {
			out = append(out, img)
		}
	}
	return out
}

// fatal returns the first error of p's images that would stop every image
// alike (a refused host, a refused token, a persistent rate limit), so that
// the caller hears of it as an error rather than as broken images.
func fatal(p Plan) error {
	for _, img := range p.Images {
		if e := img.err; e != nil && (errors.Is(e, ErrForeignHost) || errors.Is(e, ErrRegistryRateLimited) || errors.Is(e, ErrToken) ||
			errors.Is(e, api.ErrUnauthorized) || errors.Is(e, api.ErrForbidden)) {
			return e
		}
	}
	return nil
}
