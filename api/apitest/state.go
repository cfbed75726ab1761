package apitest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ghpackages/restore/api"
)

// Token is a credential the fake accepts.
type Token struct {
	Value string
	// Kind is how GitHub treats the token; empty means api.KindOf(Value),
	// the kind its prefix tells. Classic and OAuth tokens work, and answers
	// to them carry X-OAuth-Scopes; GitHub Packages' REST API refuses
	// fine-grained (github_pat_) and App installation (ghs_) tokens with 403.
	Kind   api.TokenKind
	Scopes []string
	// User is the login of the token's user: the owner of the /user/...
	// routes, the only one who sees that user's private packages. AddToken
	// creates the user if needed. Empty: a user of its own, "user-N".
	User string
	// Orgs the token's user administers; others answer 404, as GitHub does
	// for what a token cannot see. Empty: every organization.
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

// PackageSeed describes a package to create with AddPackage.
type PackageSeed struct {
	// Visibility is "private" (the default) or "public". A user's private
	// packages are visible to that user only.
	Visibility string
	// Repository is the full name (OWNER/REPO) of the repository the
	// package is linked to; empty: none.
	Repository string
	// Versions are created in order (the last is the newest).
	Versions []VersionSeed
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

// DeletedPackage is a package deleted as a whole, as the fake holds it.
type DeletedPackage struct {
	// Token is GitHub's restore token: the token query parameter of the
	// package restore route, which picks one of several deleted packages
	// with the same name.
	Token     string
	DeletedAt time.Time
}

type tokenState struct {
	Token
	windowStart time.Time
	used        int
}

// accountState is an organization or a user. Organizations and users share
// GitHub's login namespace, so a login names one account.
type accountState struct {
	kind     api.OwnerKind // api.OwnerOrg or api.OwnerUser
	declared bool          // by AddOrg, AddUser or a token's User
	login    string
	id       int64
	packages map[pkgKey][]*pkgState // generations, oldest first; at most one not deleted
	retired  map[pkgKey]bool
}

type pkgKey struct {
	typ  api.PackageType
	name string
}

type pkgState struct {
	id         int64
	typ        api.PackageType
	name       string
	visibility string
	repository string // OWNER/REPO, or ""
	createdAt  time.Time
	versions   []*VersionState // in creation order
	deletedAt  *time.Time
	token      string // restore token while deleted
	// versions deleted together with the package, restored with it
	deletedWith []*VersionState
}

// AddOrg creates an organization (logins are case-insensitive).
func (s *Server) AddOrg(login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.declare(login, api.OwnerOrg)
}

// AddUser creates a user account. Its packages are served under
// /users/{login}/... to everyone (public ones only, unless the token is the
// user's) and under /user/... to the user's own tokens (Token.User).
func (s *Server) AddUser(login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.declare(login, api.OwnerUser)
}

// AccountID returns the numeric id of an organization or a user: the id in
// GitHub's Link headers (/organizations/{id}/..., /user/{id}/...).
func (s *Server) AccountID(login string) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[strings.ToLower(login)]
	if a == nil {
		return 0, false
	}
	return a.id, true
}

// declare makes login an account of kind: AddOrg, AddUser and a token's
// User declare accounts; an account the seeding methods created for an
// unknown login (an organization) takes the kind of its first declaration,
// so that seeding before AddUser works. s.mu is held.
func (s *Server) declare(login string, kind api.OwnerKind) {
	a := s.account(login, kind)
	if !a.declared {
		a.kind, a.declared = kind, true
	}
}

// account returns the account of login, creating it with kind if needed;
// s.mu is held.
func (s *Server) account(login string, kind api.OwnerKind) *accountState {
	k := strings.ToLower(login)
	if a := s.accounts[k]; a != nil {
		return a
	}
	s.nextAccount++
	a := &accountState{kind: kind, login: login, id: 9000000 + s.nextAccount, packages: map[pkgKey][]*pkgState{}, retired: map[pkgKey]bool{}}
	s.accounts[k] = a
	return a
}

// AddToken registers a token.
func (s *Server) AddToken(t Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.Budget == 0 {
		t.Budget = 5000
	}
	if t.Kind == "" {
		t.Kind = api.KindOf(t.Value)
	}
	if t.User == "" {
		t.User = "user-" + strconv.Itoa(len(s.tokens)+1)
	}
	s.declare(t.User, api.OwnerUser)
	t.Scopes = slices.Clone(t.Scopes)
	t.Orgs = slices.Clone(t.Orgs)
	s.tokens[t.Value] = &tokenState{Token: t, windowStart: s.clock.Now()}
}

// addPackage creates or fills a package of an account for SeedPackage; s.mu is held.
func (s *Server) addPackage(owner string, typ api.PackageType, name string, p PackageSeed) []int64 {
	ps := s.activePkg(owner, typ, name, p.Visibility)
	if p.Repository != "" {
		ps.repository = p.Repository
	}
	ids := make([]int64, 0, len(p.Versions))
	for _, v := range p.Versions {
		ids = append(ids, s.addVersion(ps, v))
	}
	return ids
}

// activePkg returns the active package, creating it (and an organization
// account) if needed; s.mu is held.
func (s *Server) activePkg(owner string, typ api.PackageType, name, visibility string) *pkgState {
	a := s.account(owner, api.OwnerOrg)
	k := pkgKey{typ, name}
	gens := a.packages[k]
	if n := len(gens); n > 0 && gens[n-1].deletedAt == nil {
		if visibility != "" {
			gens[n-1].visibility = visibility
		}
		return gens[n-1]
	}
	if visibility == "" {
		visibility = "private"
	}
	s.nextPackage++
	p := &pkgState{id: s.nextPackage, typ: typ, name: name, visibility: visibility, createdAt: s.clock.Now().UTC()}
	a.packages[k] = append(gens, p)
	return p
}

func (s *Server) addVersion(p *pkgState, v VersionSeed) int64 {
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

// deleteVersion soft-deletes a version for SoftDeleteVersion; s.mu is held.
func (s *Server) deleteVersion(owner string, typ api.PackageType, pkg string, id int64) error {
	p, v := s.lookup(owner, typ, pkg, id)
	if v == nil {
		return fmt.Errorf("apitest: no version %d of %s/%s/%s", id, owner, typ, pkg)
	}
	if v.DeletedAt != nil {
		return fmt.Errorf("apitest: version %d is deleted already", id)
	}
	now := s.clock.Now().UTC()
	v.DeletedAt = &now
	v.UpdatedAt = now
	if typ != api.PackageTypeContainer && p.activeCount() == 0 {
		s.deletePkg(p, now, []*VersionState{v})
	}
	return nil
}

// deletePackage deletes a package whole for SoftDeletePackage; s.mu is held.
func (s *Server) deletePackage(owner string, typ api.PackageType, name string) (string, error) {
	p := s.pkg(owner, typ, name)
	if p == nil || p.deletedAt != nil {
		return "", fmt.Errorf("apitest: no active package %s/%s/%s", owner, typ, name)
	}
	now := s.clock.Now().UTC()
	var with []*VersionState
	for _, v := range p.versions {
		if v.DeletedAt == nil {
			v.DeletedAt, v.UpdatedAt = &now, now
			with = append(with, v)
		}
	}
	s.deletePkg(p, now, with)
	return p.token, nil
}

func (s *Server) deletePkg(p *pkgState, at time.Time, with []*VersionState) {
	s.nextPackage++
	p.deletedAt = &at
	p.deletedWith = with
	p.token = fmt.Sprintf("rt_%d_%d", p.id, s.nextPackage)
}

// deletedPackages is DeletedPackages; s.mu is held.
func (s *Server) deletedPackages(owner string, typ api.PackageType, name string) []DeletedPackage {
	var out []DeletedPackage
	if a := s.accounts[strings.ToLower(owner)]; a != nil {
		for _, p := range a.packages[pkgKey{typ, name}] {
			if p.deletedAt != nil && !expired(p.deletedAt, s.clock.Now()) {
				out = append(out, DeletedPackage{Token: p.token, DeletedAt: *p.deletedAt})
			}
		}
	}
	return out
}

// version is Version; s.mu is held.
func (s *Server) version(owner string, typ api.PackageType, pkg string, id int64) (VersionState, bool) {
	_, v := s.lookup(owner, typ, pkg, id)
	if v == nil {
		return VersionState{}, false
	}
	c := *v
	c.Tags = slices.Clone(v.Tags)
	return c, true
}

// pkg returns the newest generation of a package; s.mu is held.
func (s *Server) pkg(owner string, typ api.PackageType, name string) *pkgState {
	a := s.accounts[strings.ToLower(owner)]
	if a == nil {
		return nil
	}
	gens := a.packages[pkgKey{typ, name}]
	if len(gens) == 0 {
		return nil
	}
	return gens[len(gens)-1]
}

// lookup finds a version by id in any generation of a package; s.mu is
// held.
func (s *Server) lookup(owner string, typ api.PackageType, name string, id int64) (*pkgState, *VersionState) {
	a := s.accounts[strings.ToLower(owner)]
	if a == nil {
		return nil, nil
	}
	gens := a.packages[pkgKey{typ, name}]
	for _, p := range slices.Backward(gens) {
		for _, v := range p.versions {
			if v.ID == id {
				return p, v
			}
		}
	}
	if len(gens) == 0 {
		return nil, nil
	}
	return gens[len(gens)-1], nil
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
