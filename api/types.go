package api

import (
	"fmt"
	"strings"
	"time"

	"github.com/ghpackages/restore/gen"
	"github.com/ghpackages/restore/internal/wire"
)

// PackageType is GitHub's package type, shared with the generated client.
type PackageType = gen.PackageType

// The package types GitHub Packages knows. Gradle packages have the type
// maven; images in the Container registry (ghcr.io) have the type container.
const (
	PackageTypeNpm       PackageType = gen.PackageTypeNpm
	PackageTypeMaven     PackageType = gen.PackageTypeMaven
	PackageTypeRubygems  PackageType = gen.PackageTypeRubygems
	PackageTypeDocker    PackageType = gen.PackageTypeDocker
	PackageTypeNuget     PackageType = gen.PackageTypeNuget
	PackageTypeContainer PackageType = gen.PackageTypeContainer
)

// RestoreWindow is how long GitHub keeps a deleted package or version
// restorable.
const RestoreWindow = 30 * 24 * time.Hour

// Package names one package: its owner (an organization, a named user or
// the authenticated user), its type and its name. Name may contain "/"
// (container images such as "repo/image"); it is sent as %2F.
//
// Its JSON form is {"owner":{"org":"acme"},"package_type":"container","package_name":"team/app"}.
type Package struct {
	Owner Owner       `json:"owner"`
	Type  PackageType `json:"package_type"`
	Name  string      `json:"package_name"`
}

// String returns OWNER/TYPE/NAME, with "@me" as the owner for the
// authenticated user.
func (p Package) String() string { return p.Owner.String() + "/" + string(p.Type) + "/" + p.Name }

// State selects active or deleted versions when listing.
type State string

// The states a version can be listed in.
const (
	StateActive  State = "active"
	StateDeleted State = "deleted"
)

// Valid reports whether s is StateActive or StateDeleted.
func (s State) Valid() bool { return s == StateActive || s == StateDeleted }

// Version is one version of a package, as GitHub describes it.
type Version struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Digest is the manifest digest ("sha256:…") of a container or docker
	// version: GitHub reports it as the version's name.
	Digest string `json:"digest,omitempty"`
	// Tags are the container or docker tags GitHub reports for the version.
	// Whether a deleted version still lists its former tags is not confirmed.
	Tags           []string   `json:"tags,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	DeletedAt      *time.Time `json:"deleted_at,omitempty"`
	URL            string     `json:"url"`
	PackageHTMLURL string     `json:"package_html_url"`
	HTMLURL        string     `json:"html_url,omitempty"`
	License        string     `json:"license,omitempty"`
	Description    string     `json:"description,omitempty"`
}

// Deleted reports whether the version is deleted (and so may be restorable).
func (v Version) Deleted() bool { return v.DeletedAt != nil }

// RestorableUntil is the end of GitHub's 30-day restore window, or the zero
// time for a version that is not deleted.
func (v Version) RestorableUntil() time.Time {
	if v.DeletedAt == nil {
		return time.Time{}
	}
	return v.DeletedAt.Add(RestoreWindow)
}

// DaysLeft is how many whole days of the restore window remain at now,
// rounded down: 30 at the instant of deletion, 29 a second later, 0 during
// the last day, and negative (rounded away from zero) once the window has
// passed. It is 0 for a version that is not deleted.
func (v Version) DaysLeft(now time.Time) int {
	if v.DeletedAt == nil {
		return 0
	}
	left := v.RestorableUntil().Sub(now)
	if left < 0 {
		return -int((-left + 24*time.Hour - 1) / (24 * time.Hour))
	}
	return int(left / (24 * time.Hour))
}

func versionFrom(g *gen.PackageVersion) Version {
	v := Version{
		ID:             int64(g.ID),
		Name:           g.Name,
		CreatedAt:      g.CreatedAt,
		UpdatedAt:      g.UpdatedAt,
		DeletedAt:      g.DeletedAt,
		URL:            g.URL,
		PackageHTMLURL: g.PackageHTMLURL,
	}
	if g.HTMLURL != nil {
		v.HTMLURL = *g.HTMLURL
	}
	if g.License != nil {
		v.License = *g.License
	}
	if g.Description != nil {
		v.Description = *g.Description
	}
	if m := g.Metadata; m != nil {
		switch {
		case m.Container != nil:
			v.Tags = m.Container.Tags
		case m.Docker != nil:
			v.Tags = m.Docker.Tags
		}
		if m.PackageType == PackageTypeContainer || m.PackageType == PackageTypeDocker {
			if strings.HasPrefix(g.Name, "sha256:") {
				v.Digest = g.Name
			}
		}
	}
	return v
}

// Clock is the source of time behind every wait of the client: retries,
// rate-limit waits, write pacing and the read budget. Tests inject a fake
// one (see api/apitest) so that nothing sleeps for real. The registry client
// (api/image) takes the same Clock.
type Clock = wire.Clock

// TimerClock is a Clock that can also run a function after a duration, like
// time.AfterFunc. The attempt bound (WithAttemptTimeout) runs on the
// client's Clock when it is a TimerClock, so that with a fake clock the
// bound fires only when the fake time passes it: a fake clock whose Sleep
// returns at once should be one (apitest.Clock is). With a Clock that is not
// a TimerClock the bound runs on Go's own timers, in real time.
type TimerClock = wire.TimerClock

// SystemClock is the wall clock, the default of WithClock.
type SystemClock = wire.SystemClock

// secret holds a token and never formats it.
type secret string

// String hides the token.
func (secret) String() string { return "[REDACTED]" }

// GoString hides the token from %#v.
func (secret) GoString() string { return `"[REDACTED]"` }

// Format hides the token from every verb.
func (secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, "[REDACTED]") }
