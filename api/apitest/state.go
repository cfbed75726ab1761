package apitest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ghpackages/restore/api"
)

// TokenKind is the kind of a token the fake knows.
type TokenKind int

// Token kinds, as GitHub tells them apart.
const (
	// Classic is a classic personal access token (ghp_): it works, and
	// answers carry X-OAuth-Scopes.
	Classic TokenKind = iota
	// OAuth is an OAuth app token (gho_): like Classic.
	OAuth
	// FineGrained is a fine-grained personal access token (github_pat_):
	// GitHub Packages' REST API refuses it with 403.
	FineGrained
	// App is a GitHub App installation token (ghs_): refused with 403.
	App
)

// Token is a credential the fake accepts.
type Token struct {
	Value  string
	Kind   TokenKind
	Scopes []string
	// Orgs the token's user administers; others answer 404, as GitHub does
	// for what a token cannot see.
	Orgs []string
	// Budget is the primary rate limit per hour (default 5000).
	Budget int
}

// VersionSeed describes a version to create.
type VersionSeed struct {
	Name      string // for containers the manifest digest, "sha256:…"
	Tags      []string
	CreatedAt time.Time // default: the clock's now
	// DeletedAt creates the version already deleted at that time (a plain
	// soft delete: unlike DeleteVersion it never deletes the package).
	DeletedAt time.Time
}

// VersionState is a version as the fake holds it.
type VersionState struct {
	ID        int64
	Name      string
	Tags      []string
	CreatedAt time.Time
	UpdatedAt time.Time
	DeletedAt *time.Time
}

type tokenState struct {
	Token
	windowStart time.Time
	used        int
}

type orgState struct {
	name     string
	packages map[pkgKey]*pkgState
}

type pkgKey struct {
	typ  api.PackageType
	name string
}

type pkgState struct {
	typ       api.PackageType
	name      string
	versions  []*VersionState // in creation order
	deletedAt *time.Time
	// versions deleted together with the package, restored with it
	deletedWith []*VersionState
}

// AddOrg creates an organization (names are case-insensitive).
func (s *Server) AddOrg(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.orgs[strings.ToLower(name)]; !ok {
		s.orgs[strings.ToLower(name)] = &orgState{name: name, packages: map[pkgKey]*pkgState{}}
	}
}

// AddToken registers a token.
func (s *Server) AddToken(t Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.Budget == 0 {
		t.Budget = 5000
	}
	t.Scopes = slices.Clone(t.Scopes)
	t.Orgs = slices.Clone(t.Orgs)
	s.tokens[t.Value] = &tokenState{Token: t, windowStart: s.clock.Now()}
}

// AddVersion creates a version of a package (and the package and org if
// needed) and returns its id. Ids are unique across the server.
func (s *Server) AddVersion(org string, typ api.PackageType, pkg string, v VersionSeed) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orgs[strings.ToLower(org)]
	if o == nil {
		o = &orgState{name: org, packages: map[pkgKey]*pkgState{}}
		s.orgs[strings.ToLower(org)] = o
	}
	k := pkgKey{typ, pkg}
	p := o.packages[k]
	if p == nil {
		p = &pkgState{typ: typ, name: pkg}
		o.packages[k] = p
	}
	s.nextID++
	created := v.CreatedAt
	if created.IsZero() {
		created = s.clock.Now()
	}
	vs := &VersionState{ID: s.nextID, Name: v.Name, Tags: slices.Clone(v.Tags), CreatedAt: created.UTC(), UpdatedAt: created.UTC()}
	if !v.DeletedAt.IsZero() {
		at := v.DeletedAt.UTC()
		vs.DeletedAt, vs.UpdatedAt = &at, at
	}
	p.versions = append(p.versions, vs)
	return s.nextID
}

// DeleteVersion soft-deletes a version at the clock's time, as GitHub's
// delete route does. Deleting the last active version of a package that is
// not a container deletes the package too.
func (s *Server) DeleteVersion(org string, typ api.PackageType, pkg string, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, v := s.lookup(org, typ, pkg, id)
	if v == nil {
		return fmt.Errorf("apitest: no version %d of %s/%s/%s", id, org, typ, pkg)
	}
	if v.DeletedAt != nil {
		return fmt.Errorf("apitest: version %d is deleted already", id)
	}
	now := s.clock.Now().UTC()
	v.DeletedAt = &now
	v.UpdatedAt = now
	if typ != api.PackageTypeContainer && p.activeCount() == 0 {
		p.deletedAt = &now
		p.deletedWith = []*VersionState{v}
	}
	return nil
}

// Version returns a copy of a version's state.
func (s *Server) Version(org string, typ api.PackageType, pkg string, id int64) (VersionState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, v := s.lookup(org, typ, pkg, id)
	if v == nil {
		return VersionState{}, false
	}
	c := *v
	c.Tags = slices.Clone(v.Tags)
	return c, true
}

// PackageDeleted reports whether a package is deleted as a whole.
func (s *Server) PackageDeleted(org string, typ api.PackageType, pkg string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pkg(org, typ, pkg)
	return p != nil && p.deletedAt != nil
}

func (s *Server) pkg(org string, typ api.PackageType, name string) *pkgState {
	o := s.orgs[strings.ToLower(org)]
	if o == nil {
		return nil
	}
	return o.packages[pkgKey{typ, name}]
}

func (s *Server) lookup(org string, typ api.PackageType, name string, id int64) (*pkgState, *VersionState) {
	p := s.pkg(org, typ, name)
	if p == nil {
		return nil, nil
	}
	for _, v := range p.versions {
		if v.ID == id {
			return p, v
		}
	}
	return p, nil
}

func (p *pkgState) activeCount() int {
	n := 0
	for _, v := range p.versions {
		if v.DeletedAt == nil {
			n++
		}
	}
	return n
}

// expired reports whether a deletion is past GitHub's 30-day window: the
// version (or package) is then gone for good.
func expired(deletedAt *time.Time, now time.Time) bool {
	return deletedAt != nil && now.Sub(*deletedAt) > api.RestoreWindow
}
