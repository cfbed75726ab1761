package image

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ghpackages/restore/api"
)

// stamp fills the header of a plan Plan or Broken made (schema, kind, the
// API, when, the package and the registry) and its items: the versions it
// restores, with their deletion times (a journal compares them) and why.
func (r *Restorer) stamp(w *walker, p Plan) Plan {
	p.Schema, p.Kind = api.PlanSchema, api.PlanKindImage
	if r.gh != nil {
		p.BaseURL = r.gh.BaseURL()
	}
	p.MadeAt = r.clock.Now().UTC()
	p.Package, p.Repository, p.Registry = r.pkg, r.repo, r.location()
	p.Items = r.items(w.versions, p.Images, p.Restores())
	return p
}

// location is the registry as WithRegistry takes it (Registry.Location),
// else its host, when the Reader says.
func (r *Restorer) location() string {
	if l, ok := r.reg.(interface{ Location() string }); ok {
		return l.Location()
	}
	return r.host()
}

// host is the registry's host, when the Reader says (a *Registry does).
func (r *Restorer) host() string {
	if h, ok := r.reg.(interface{ Host() string }); ok {
		return h.Host()
	}
	return ""
}

// items turns the entries to restore into plan items. x, when not nil,
// gives each its tags and deletion time.
func (r *Restorer) items(x *versionIndex, imgs []Image, es []Entry) []api.PlanItem {
	out := make([]api.PlanItem, 0, len(es))
	for _, e := range es {
		it := api.PlanItem{Package: r.pkg, ID: e.VersionID, Name: e.Digest, Digest: e.Digest, Reasons: reasons(imgs, e)}
		if v := versionOf(x, e.Digest, e.VersionID); v != nil {
			it.Name, it.Tags = v.Name, slices.Clone(v.Tags)
			if v.DeletedAt != nil {
				it.DeletedAt, it.DaysLeft = *v.DeletedAt, v.DaysLeft(x.now)
			}
		}
		out = append(out, it)
	}
	return out
}

// versionOf finds version id among those holding digest.
func versionOf(x *versionIndex, digest string, id int64) *api.Version {
	if x == nil {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, v := range x.byDigest[digest] {
		if v.ID == id {
			c := *v
			return &c
		}
	}
	return nil
}

// reasons says what the version is to each image that holds it, e.g.
// "platform linux/arm64 of v1.4.0".
func reasons(imgs []Image, e Entry) []string {
	var out []string
	for _, img := range imgs {
		for _, m := range img.Manifests {
			if m.VersionID != e.VersionID || m.Digest != e.Digest {
				continue
			}
			if why := describe(m) + " of " + label(img); !slices.Contains(out, why) {
				out = append(out, why)
			}
			break
		}
	}
	if len(out) == 0 {
		out = []string{describe(e)}
	}
	return out
}

func describe(e Entry) string {
	switch {
	case e.Role == RolePlatform:
		return "platform " + e.Platform
	case e.Role == RoleAttestation && e.Platform != "":
		return "attestation of platform " + e.Platform
	case e.Parent == "" && (e.Role == RoleImage || e.Role == RoleIndex):
		return "root " + string(e.Role)
	case e.Platform != "":
		return string(e.Role) + " " + e.Platform
	}
	return string(e.Role)
}

// label names an image by its first tag, else its root.
func label(img Image) string {
	if len(img.Tags) > 0 {
		return img.Tags[0]
	}
	return img.Root
}

// ParsePlan reads an image plan written as JSON (json.Marshal of a Plan
// made by Restorer.Plan or Restorer.Broken). Like api.ParsePlan it refuses,
// with a *api.ValidationError naming the field, a plan of another schema
// version or kind, unknown fields, a missing header (base_url, made_at,
// package, registry), a package that is not a container package or whose
// repository does not match, unknown manifest states, and items that are
// not exactly the versions its images restore.
func ParsePlan(data []byte) (Plan, error) {
	kind, err := api.PlanKindOf(data)
	if err != nil {
		return Plan{}, err
	}
	if kind != api.PlanKindImage {
		return Plan{}, invalid("kind", string(kind), "is not an image plan: read it with api.ParsePlan")
	}
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Plan{}, invalid("plan", "", "%v", err)
	}
	switch {
	case p.BaseURL == "":
		return Plan{}, invalid("base_url", "", "is missing: the plan does not say which API it was made against")
	case p.MadeAt.IsZero():
		return Plan{}, invalid("made_at", "", "is missing")
	case p.Registry == "":
		return Plan{}, invalid("registry", "", "is missing: the plan does not say which registry its images were read from")
	}
	if _, _, err := ParseRegistry(p.Registry); err != nil {
		return Plan{}, err
	}
	if err := p.Package.Validate(); err != nil {
		return Plan{}, err
	}
	if p.Package.Type != api.PackageTypeContainer {
		return Plan{}, invalid("package_type", string(p.Package.Type), "an image plan restores a container package")
	}
	if want := Repository(p.Package); p.Repository != want {
		return Plan{}, invalid("repository", p.Repository, "is not %s, the registry name of the plan's package", want)
	}
	for i, img := range p.Images {
		for k, e := range img.Manifests {
			if !knownState(e.State) {
				return Plan{}, invalid(fmt.Sprintf("images[%d].manifests[%d].state", i, k), string(e.State), "is not a manifest state")
			}
			if e.Digest != "" && !IsDigest(e.Digest) {
				return Plan{}, invalid(fmt.Sprintf("images[%d].manifests[%d].digest", i, k), e.Digest, `must be "sha256:" and 64 lower-case hex digits`)
			}
		}
	}
	if err := checkItems(p); err != nil {
		return Plan{}, err
	}
	return p, nil
}

// knownState reports whether s is one of the manifest states.
func knownState(s ManifestState) bool {
	switch s {
	case ManifestPresent, ManifestReused, ManifestDeleted, ManifestRestored, ManifestGone,
		ManifestMissing, ManifestFailed, ManifestUnknown, ManifestNotTried:
		return true
	}
	return false
}

// checkItems refuses items that are not exactly the versions the plan's
// images restore, each of the plan's package.
func checkItems(p Plan) error {
	want := map[int64]bool{}
	for _, e := range p.Restores() {
		want[e.VersionID] = true
	}
	seen := map[int64]bool{}
	for i, it := range p.Items {
		field := "items[" + strconv.Itoa(i) + "]"
		if it.Package != p.Package {
			return invalid(field+".package", it.Package.String(), "is not the plan's package %s", p.Package)
		}
		if it.ID <= 0 {
			return invalid(field+".id", strconv.FormatInt(it.ID, 10), "must be a positive version id")
		}
		if !want[it.ID] || seen[it.ID] {
			return invalid(field+".id", strconv.FormatInt(it.ID, 10), "is not a deleted manifest of the plan's images, or is listed twice")
		}
		seen[it.ID] = true
	}
	if len(seen) != len(want) {
		var missing []string
		for id := range want {
			if !seen[id] {
				missing = append(missing, strconv.FormatInt(id, 10))
			}
		}
		slices.Sort(missing)
		return invalid("items", strings.Join(missing, ","), "do not list every deleted manifest of the plan's images")
	}
	return nil
}
