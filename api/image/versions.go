package image

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ghpackages/restore/api"
)

// versionIndex maps digests and tags to the package's versions, active and
// deleted, listed once per run. Restores are recorded in it, so that later
// walks see restored versions as active without listing again.
type versionIndex struct {
	mu       sync.Mutex
	now      time.Time
	byDigest map[string][]*api.Version
	byTag    map[string][]*api.Version
	tagged   []*api.Version // active versions with a tag, newest first
}

func listVersions(ctx context.Context, gh *api.Client, pkg api.Package, now time.Time) (*versionIndex, error) {
	x := &versionIndex{now: now, byDigest: map[string][]*api.Version{}, byTag: map[string][]*api.Version{}}
	for _, st := range []api.State{api.StateActive, api.StateDeleted} {
		for v, err := range gh.Versions(ctx, pkg, &api.ListOptions{State: st}) {
			if err != nil {
				return nil, err
			}
			x.byDigest[v.Name] = append(x.byDigest[v.Name], &v)
			for _, t := range v.Tags {
				x.byTag[t] = append(x.byTag[t], &v)
			}
			if st == api.StateActive && len(v.Tags) > 0 {
				x.tagged = append(x.tagged, &v)
			}
		}
	}
	return x, nil
}

// root finds the version a root names: by digest, or by tag (an active
// version first; otherwise the most recently deleted one, since GitHub keeps
// a deleted version's tags in its metadata).
func (x *versionIndex) root(ref string) (*api.Version, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	vs := x.byTag[ref]
	if IsDigest(ref) {
		vs = x.byDigest[ref]
	}
	var best *api.Version
	for _, v := range vs {
		switch {
		case best == nil:
			best = v
		case best.Deleted() && !v.Deleted():
			best = v
		case best.Deleted() && v.Deleted() && v.DeletedAt.After(*best.DeletedAt):
			best = v
		}
	}
	return best, best != nil
}

// byTagName returns the version holding tag (active first), if any.
func (x *versionIndex) byTagName(tag string) (*api.Version, bool) { return x.root(tag) }

// state says what holds digest: an active version (present), an active one
// beside deleted ones (reused), a restorable deleted one (deleted, with its
// id), or nothing restorable (gone).
func (x *versionIndex) state(digest string) (ManifestState, int64, string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	var active, restorable, expired *api.Version
	for _, v := range x.byDigest[digest] {
		switch {
		case !v.Deleted():
			active = v
		case x.now.Before(v.RestorableUntil()):
			if restorable == nil || v.DeletedAt.After(*restorable.DeletedAt) {
				restorable = v
			}
		default:
			expired = v
		}
	}
	switch {
	case active != nil && (restorable != nil || expired != nil):
		other := restorable
		if other == nil {
			other = expired
		}
		return ManifestReused, active.ID, fmt.Sprintf("active version %d holds this digest; deleted version %d need not be restored", active.ID, other.ID)
	case active != nil:
		return ManifestPresent, active.ID, fmt.Sprintf("active version %d", active.ID)
	case restorable != nil:
		return ManifestDeleted, restorable.ID, fmt.Sprintf("deleted %s, restorable for %d more days", restorable.DeletedAt.UTC().Format(time.DateOnly), restorable.DaysLeft(x.now))
	case expired != nil:
		return ManifestGone, expired.ID, fmt.Sprintf("version %d deleted %s, past GitHub's 30-day window", expired.ID, expired.DeletedAt.UTC().Format(time.DateOnly))
	}
	return ManifestGone, 0, "no version of the package holds it: deleted more than 30 days ago, or never pushed to this package"
}

// restored records that version id is active again.
func (x *versionIndex) restored(id int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, vs := range x.byDigest {
		for _, v := range vs {
			if v.ID == id && v.Deleted() {
				v.DeletedAt = nil
				if len(v.Tags) > 0 {
					x.tagged = append(x.tagged, v)
				}
			}
		}
	}
}

// taggedImages returns the active tagged versions that are images, not
// cosign or referrers tags (sha256-HEX…), one per digest.
func (x *versionIndex) taggedImages() []*api.Version {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []*api.Version
	seen := map[string]bool{}
	for _, v := range x.tagged {
		if v.Deleted() || seen[v.Name] {
			continue
		}
		image := false
		for _, t := range v.Tags {
			if !strings.HasPrefix(t, "sha256-") {
				image = true
			}
		}
		if image {
			seen[v.Name] = true
			out = append(out, v)
		}
	}
	return out
}

// tags returns every tag of the package's versions, active and deleted,
// once each.
func (x *versionIndex) tags() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := make([]string, 0, len(x.byTag))
	for t := range x.byTag {
		out = append(out, t)
	}
	return out
}
