package image

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ghpackages/restore/api"
)

// walker walks the closure of images: every manifest an index lists
// (platforms, attestations, nested indexes) and the manifests referring to
// the root and to each platform (signatures, attestations, SBOMs).
//
// With a version listing it plans: each manifest's state comes from the
// listing, and the registry is read only for what must be opened (the root
// and indexes). Referrers come from the listing's tags (the tag schema
// sha256-HEX and cosign's .sig/.att/.sbom, deleted ones included, which the
// registry cannot show) and, where the registry has it, the OCI referrers
// API. Without a listing it verifies: every manifest is checked in the
// registry, and referrers come from the registry alone.
type walker struct {
	reg      Reader
	repo     string
	versions *versionIndex
	clock    api.Clock
	// poll are the waits before reading again a manifest the registry does
	// not serve (yet): a restore may take a moment to reach the registry.
	// Only the refs in restored (digests and tags) are polled: what was not
	// restored in this run is not expected to appear.
	poll     []time.Duration
	restored map[string]bool
	// referrersAPI: the registry has the OCI referrers API (listing mode).
	referrersAPI bool
	// served counts, in listing mode, the reads of manifests that active
	// versions hold and how many of them the registry served.
	served servedCount
}

type walk struct {
	img  *Image
	seen map[string]bool
	// root is the root manifest when verify read it by tag already.
	root *Manifest
	// heads and refs are verify's answers for an index's children, read
	// concurrently before the walk visits them in order.
	heads map[string]headResult
	refs  map[string]refsResult
}

type headResult struct {
	d   Descriptor
	err error
}

type refsResult struct {
	refs []Descriptor
	err  error
}

// prefetch reads, concurrently, what verify needs of an index's children:
// a HEAD of each manifest that is not an index, and the referrers of each
// platform. The registry client bounds the reads in flight; the walk then
// visits the children in order from these answers.
func (w *walker) prefetch(ctx context.Context, wk *walk, m *Manifest, parent Role, platformOf map[string]string) {
	if w.versions != nil {
		return
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range m.Children {
		if c.IsIndex() || wk.seen[c.Digest] {
			continue
		}
		role, _ := childRole(c, parent, platformOf)
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := w.head(ctx, c.Digest)
			var rr *refsResult
			if err == nil && role == RolePlatform {
				refs, err := w.reg.Referrers(ctx, w.repo, c.Digest)
				rr = &refsResult{refs, err}
			}
			mu.Lock()
			defer mu.Unlock()
			wk.heads[c.Digest] = headResult{d, err}
			if rr != nil {
				wk.refs[c.Digest] = *rr
			}
		}()
	}
	wg.Wait()
}

// plan walks one image with the listing.
func (w *walker) plan(ctx context.Context, root string) Image {
	img := Image{Root: root}
	v, ok := w.versions.root(root)
	if !ok {
		e := Entry{Role: RoleImage, State: ManifestGone, Why: "no version of the package has this tag or digest: deleted more than 30 days ago, or never pushed"}
		if IsDigest(root) {
			img.Digest, e.Digest = root, root
		} else {
			e.Tag = root
		}
		img.Manifests = []Entry{e}
		return img
	}
	img.Digest, img.Tags = v.Name, v.Tags
	if !IsDigest(root) && len(img.Tags) == 0 {
		img.Tags = []string{root}
	}
	d := Descriptor{Digest: v.Name}
	if !IsDigest(root) {
		d.Tag = root
	}
	wk := &walk{img: &img, seen: map[string]bool{}}
	w.walk(ctx, wk, d, RoleImage, "", "")
	if v.Deleted() && len(img.Manifests) > 0 && !IsDigest(root) {
		img.Manifests[0].Why += "; found among the deleted versions by tag " + root
	}
	return img
}

// verify walks one image in the registry alone, and checks that each of
// its tags resolves to its root digest (img.Digest, if known).
func (w *walker) verify(ctx context.Context, img Image) Image {
	img.Manifests, img.Pending, img.Err, img.TagsOK = nil, false, "", nil
	tags := img.Tags
	if !IsDigest(img.Root) && !containsString(tags, img.Root) {
		tags = append([]string{img.Root}, tags...)
	}
	tagsOK := true
	var root *Manifest
	for k, t := range tags {
		var d Descriptor
		var err error
		if k == 0 {
			// The first tag is read (GET), not only resolved: its body is the
			// root the walk starts from, so the root costs one request.
			var m Manifest
			if m, err = w.read(ctx, t); err == nil {
				root, d = &m, m.Descriptor
			}
		} else {
			d, err = w.head(ctx, t)
		}
		if err != nil {
			if !errors.Is(err, ErrManifestUnknown) {
				img.Err, img.err = err.Error(), err
			}
			tagsOK = false
			continue
		}
		if img.Digest == "" {
			img.Digest = d.Digest
		}
		if d.Digest != img.Digest {
			tagsOK = false
		}
	}
	if len(tags) > 0 {
		img.TagsOK = &tagsOK
	}
	if img.Digest == "" {
		img.Manifests = []Entry{{Role: RoleImage, Tag: img.Root, State: ManifestMissing, Why: "the registry does not serve this tag"}}
		return img
	}
	wk := &walk{img: &img, seen: map[string]bool{}, heads: map[string]headResult{}, refs: map[string]refsResult{}}
	if root != nil && root.Digest == img.Digest {
		wk.root = root
	}
	w.walk(ctx, wk, Descriptor{Digest: img.Digest}, RoleImage, "", "")
	return img
}

// fail records a failure that makes the image not whole.
func (wk *walk) fail(e *Entry, err error) {
	e.Err = err.Error()
	wk.img.Err, wk.img.err = err.Error(), err
}

// walk adds d and what hangs off it to the image.
func (w *walker) walk(ctx context.Context, wk *walk, d Descriptor, role Role, platform, parent string) {
	w.visit(ctx, wk, node{d: d, role: role, platform: platform, parent: parent})
}

// visit adds n and what hangs off it to the image.
func (w *walker) visit(ctx context.Context, wk *walk, n node) {
	d, role := n.d, n.role
	if wk.seen[d.Digest] || ctx.Err() != nil {
		return
	}
	wk.seen[d.Digest] = true
	e := Entry{Digest: d.Digest, Role: role, Platform: n.platform, MediaType: d.MediaType, Tag: d.Tag, Parent: n.parent}
	isRoot := n.parent == ""
	mustRead := isRoot || d.IsIndex()
	var m *Manifest
	if w.versions != nil {
		e.State, e.VersionID, e.Why = w.versions.state(d.Digest)
	}
	switch {
	case w.versions != nil && !e.State.ok():
		// Only a restorable index hides children that become known; one
		// past the window leaves the image broken for good.
		if mustRead && e.State == ManifestDeleted {
			wk.img.Pending = true
			e.Why += "; what it lists becomes known once it is restored"
		}
	case isRoot && wk.root != nil:
		m = wk.root
		e.MediaType, e.State, e.Why = m.MediaType, ManifestPresent, "the registry serves it"
	case mustRead:
		got, err := w.read(ctx, d.Digest)
		if w.versions != nil {
			w.served.asked.Add(1)
			if !errors.Is(err, ErrManifestUnknown) && ctx.Err() == nil {
				w.served.served.Add(1)
			}
		}
		switch {
		case errors.Is(err, ErrManifestUnknown):
			e.State, e.Why = ManifestMissing, missingWhy(w.versions != nil)
		case errors.Is(err, ErrMediaTypeMismatch):
			// Served, but not what it says it is: what it lists is unknown.
			if w.versions == nil {
				e.State, e.Why = ManifestPresent, "the registry serves it"
			}
			wk.fail(&e, err)
		case err != nil:
			e.State = ManifestMissing
			wk.fail(&e, err)
		default:
			m = &got
			e.MediaType = got.MediaType
			if w.versions == nil {
				e.State, e.Why = ManifestPresent, "the registry serves it"
			}
		}
	case w.versions == nil:
		h, ok := wk.heads[d.Digest]
		if !ok {
			h.d, h.err = w.head(ctx, d.Digest)
		}
		got, err := h.d, h.err
		switch {
		case errors.Is(err, ErrManifestUnknown):
			e.State, e.Why = ManifestMissing, missingWhy(false)
		case err != nil:
			e.State = ManifestMissing
			wk.fail(&e, err)
		default:
			e.State, e.Why = ManifestPresent, "the registry serves it"
			if e.MediaType == "" {
				e.MediaType = got.MediaType
			}
			if err := contradicts(n, got.MediaType); err != nil {
				wk.fail(&e, err)
			}
		}
	}
	if m != nil {
		if err := contradicts(n, m.MediaType); err != nil {
			wk.fail(&e, err)
			m = nil
		}
	}
	if m != nil && m.IsIndex() && role == RoleImage {
		e.Role = RoleIndex
	}
	if m != nil && m.IsIndex() && len(m.Children) > 0 && n.depth >= MaxDepth {
		wk.fail(&e, fmt.Errorf("%w (%d): %s lists %d manifests that were not walked", ErrTooDeep, MaxDepth, d.Digest, len(m.Children)))
		m = nil
	}
	wk.img.Manifests = append(wk.img.Manifests, e)
	if m != nil && m.IsIndex() {
		platformOf := map[string]string{}
		for _, c := range m.Children {
			platformOf[c.Digest] = c.Platform
		}
		w.prefetch(ctx, wk, m, e.Role, platformOf)
		for _, c := range m.Children {
			cr, cp := childRole(c, e.Role, platformOf)
			w.visit(ctx, wk, node{d: c, role: cr, platform: cp, parent: d.Digest, depth: n.depth + 1, listed: true})
		}
	}
	if isRoot || role == RolePlatform {
		w.referrers(ctx, wk, d.Digest, n.depth+1)
	}
}

func missingWhy(listed bool) string {
	if listed {
		return "an active version holds it, but the registry does not serve it"
	}
	return "the registry does not serve it (manifest unknown)"
}

// childRole says what a manifest listed by an index is to the image.
func childRole(c Descriptor, parent Role, platformOf map[string]string) (Role, string) {
	switch {
	case parent == RoleReferrer:
		return RoleReferrer, ""
	case c.Attests() != "":
		return RoleAttestation, platformOf[c.Attests()]
	case c.Platform == "unknown/unknown":
		return RoleAttestation, ""
	case c.IsIndex():
		return RoleIndex, c.Platform
	}
	return RolePlatform, c.Platform
}

// cosignRoles are the tag-schema tags of a digest and what they hold.
var cosignRoles = []struct {
	suffix string
	role   Role
}{{"", RoleReferrer}, {".sig", RoleSignature}, {".att", RoleAttestation}, {".sbom", RoleReferrer}}

// referrers adds the manifests that refer to subject.
func (w *walker) referrers(ctx context.Context, wk *walk, subject string, depth int) {
	if w.versions != nil {
		for _, cr := range cosignRoles {
			tag := TagSchema(subject) + cr.suffix
			v, ok := w.versions.byTagName(tag)
			if !ok {
				continue
			}
			d := Descriptor{Digest: v.Name, Tag: tag}
			if cr.suffix == "" {
				d.MediaType = MediaTypeOCIIndex // the tag schema's referrers index
			}
			w.visit(ctx, wk, node{d: d, role: cr.role, parent: subject, depth: depth})
		}
		if !w.referrersAPI {
			return
		}
	}
	cached, ok := wk.refs[subject]
	if !ok {
		cached.refs, cached.err = w.reg.Referrers(ctx, w.repo, subject)
	}
	refs, err := cached.refs, cached.err
	if err != nil {
		wk.img.Err, wk.img.err = err.Error(), err
		return
	}
	for _, r := range refs {
		role := RoleReferrer
		for _, cr := range cosignRoles[1:] {
			if r.Tag != "" && strings.HasSuffix(r.Tag, cr.suffix) {
				role = cr.role
			}
		}
		w.visit(ctx, wk, node{d: r, role: role, parent: subject, depth: depth})
	}
}

// read GETs a manifest, polling while the registry does not serve it.
func (w *walker) read(ctx context.Context, ref string) (Manifest, error) {
	for i := 0; ; i++ {
		m, err := w.reg.Manifest(ctx, w.repo, ref)
		if !errors.Is(err, ErrManifestUnknown) || i >= len(w.poll) || !w.restored[ref] {
			return m, err
		}
		if err := w.clock.Sleep(ctx, w.poll[i]); err != nil {
			return Manifest{}, err
		}
	}
}

// head HEADs a manifest, polling while the registry does not serve it.
func (w *walker) head(ctx context.Context, ref string) (Descriptor, error) {
	for i := 0; ; i++ {
		d, err := w.reg.Resolve(ctx, w.repo, ref)
		if !errors.Is(err, ErrManifestUnknown) || i >= len(w.poll) || !w.restored[ref] {
			return d, err
		}
		if err := w.clock.Sleep(ctx, w.poll[i]); err != nil {
			return Descriptor{}, err
		}
	}
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
