package apitest

import (
	"fmt"
	"strings"
	"time"

	"github.com/ghpackages/restore/api"
)

// Seeding by api.Package (issue 16, one vocabulary): the package names its
// owner's kind (api.Org or api.User), so nothing is inferred from a login.
// A login declared with the other kind, an invalid package, and api.Me()
// (which names no account until a request comes) are errors. (The
// methods that took a login string and inferred an organization for an
// unknown one are gone.)

// ownerOf declares pkg's owner with its kind and returns its login; s.mu
// is held.
func (s *Server) ownerOf(pkg api.Package) (string, error) {
	if err := pkg.Validate(); err != nil {
		return "", fmt.Errorf("apitest: %w", err)
	}
	kind, login := pkg.Owner.Kind(), pkg.Owner.Login()
	if kind == api.OwnerMe {
		return "", fmt.Errorf("apitest: %s: seed the token user's packages as api.User(login) (the Token's User); api.Me() names no account", pkg)
	}
	if a := s.accounts[strings.ToLower(login)]; a != nil && a.declared && a.kind != kind {
		return "", fmt.Errorf("apitest: %s: %q is declared as %s, not %s", pkg, login, a.kind, kind)
	}
	s.declare(login, kind)
	return login, nil
}

// knownOwner is ownerOf for methods that read or change what exists: the
// owner must exist with pkg's kind; s.mu is held.
func (s *Server) knownOwner(pkg api.Package) (string, error) {
	if err := pkg.Validate(); err != nil {
		return "", fmt.Errorf("apitest: %w", err)
	}
	a := s.accounts[strings.ToLower(pkg.Owner.Login())]
	if a == nil || a.kind != pkg.Owner.Kind() {
		return "", fmt.Errorf("apitest: %s: no %s account %q", pkg, pkg.Owner.Kind(), pkg.Owner.Login())
	}
	return a.login, nil
}

// SeedPackage creates pkg with its versions (the package exists even with
// none) and returns the versions' ids in seed order, declaring its owner
// as an organization or a user as pkg.Owner says. With an active package
// of that name already there, its visibility is set and the versions are
// added to it; a package deleted whole is not reused.
func (s *Server) SeedPackage(pkg api.Package, seed PackageSeed) ([]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	login, err := s.ownerOf(pkg)
	if err != nil {
		return nil, err
	}
	return s.addPackage(login, pkg.Type, pkg.Name, seed), nil
}

// SeedVersion creates a version of pkg (creating the package, private,
// if needed) and returns its id, as SeedPackage does.
func (s *Server) SeedVersion(pkg api.Package, v VersionSeed) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	login, err := s.ownerOf(pkg)
	if err != nil {
		return 0, err
	}
	return s.addVersion(s.activePkg(login, pkg.Type, pkg.Name, ""), v), nil
}

// SoftDeleteVersion deletes version id of pkg at the clock's time, as
// GitHub's delete route does. Deleting the last active version of a
// package that is not a container deletes the package too.
func (s *Server) SoftDeleteVersion(pkg api.Package, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	login, err := s.knownOwner(pkg)
	if err != nil {
		return err
	}
	return s.deleteVersion(login, pkg.Type, pkg.Name, id)
}

// SoftDeletePackage deletes the active package pkg as a whole, with its
// active versions, at the clock's time, and returns GitHub's restore token.
func (s *Server) SoftDeletePackage(pkg api.Package) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	login, err := s.knownOwner(pkg)
	if err != nil {
		return "", err
	}
	return s.deletePackage(login, pkg.Type, pkg.Name)
}

// RetirePackageName marks pkg's name as retired: GitHub refuses to restore
// a package of that name with 422.
func (s *Server) RetirePackageName(pkg api.Package) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	login, err := s.ownerOf(pkg)
	if err != nil {
		return err
	}
	s.account(login, pkg.Owner.Kind()).retired[pkgKey{pkg.Type, pkg.Name}] = true
	return nil
}

// DeletedGenerations returns the generations of pkg deleted as a whole and
// still within the 30-day window, oldest first; none when the owner is not
// an account of pkg's kind.
func (s *Server) DeletedGenerations(pkg api.Package) []DeletedPackage {
	s.mu.Lock()
	defer s.mu.Unlock()
	login, err := s.knownOwner(pkg)
	if err != nil {
		return nil
	}
	return s.deletedPackages(login, pkg.Type, pkg.Name)
}

// LookupVersion returns a copy of the state of version id of pkg; false
// when there is none (or the owner is not an account of pkg's kind).
func (s *Server) LookupVersion(pkg api.Package, id int64) (VersionState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	login, err := s.knownOwner(pkg)
	if err != nil {
		return VersionState{}, false
	}
	return s.version(login, pkg.Type, pkg.Name, id)
}

// IsPackageDeleted reports whether pkg is deleted as a whole (its newest
// generation is).
func (s *Server) IsPackageDeleted(pkg api.Package) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	login, err := s.knownOwner(pkg)
	if err != nil {
		return false
	}
	p := s.pkg(login, pkg.Type, pkg.Name)
	return p != nil && p.deletedAt != nil
}

// imageOwner checks that pkg is a container package and declares its owner
// in the fake GitHub, for the registry's seeding by package.
func (r *Registry) imageOwner(pkg api.Package) (string, error) {
	if pkg.Type != api.PackageTypeContainer {
		return "", fmt.Errorf("apitest: %s: the registry serves container packages only", pkg)
	}
	r.gh.mu.Lock()
	defer r.gh.mu.Unlock()
	return r.gh.ownerOf(pkg)
}

// SeedIndexFor builds a multi-platform image of the container package pkg
// the way buildx pushes one: a platform manifest per platform, optionally a
// buildx attestation manifest per platform, the OCI index listing them
// (tagged with spec.Tags), and optionally a cosign signature tagged
// sha256-HEX.sig. Every manifest is its own package version. pkg's owner is
// declared with its kind, as SeedPackage does.
func (r *Registry) SeedIndexFor(pkg api.Package, spec ImageSpec) (SeededImage, error) {
	login, err := r.imageOwner(pkg)
	if err != nil {
		return SeededImage{}, err
	}
	return r.seedIndex(login, pkg.Name, spec), nil
}

// SeedImageFor builds a single-platform image (one OCI image manifest) of
// the container package pkg, tagged with tags.
func (r *Registry) SeedImageFor(pkg api.Package, salt string, tags ...string) (SeededManifest, error) {
	login, err := r.imageOwner(pkg)
	if err != nil {
		return SeededManifest{}, err
	}
	return r.seedImage(login, pkg.Name, salt, tags...), nil
}

// DeleteUntaggedChildrenOf deletes every active untagged version of the
// container package pkg, as the cleanup incidents did, and returns their
// ids. Tagged versions, indexes included, stay.
func (r *Registry) DeleteUntaggedChildrenOf(pkg api.Package) ([]int64, error) {
	login, err := r.imageOwner(pkg)
	if err != nil {
		return nil, err
	}
	return r.deleteUntaggedChildren(login, pkg.Name), nil
}

// PushFor stores a manifest in the registry and creates the version of the
// container package pkg that holds it (named by the digest, tagged with
// tags), unless an active version of that digest exists: then it returns
// that one, with its own tags.
func (r *Registry) PushFor(pkg api.Package, mediaType string, body []byte, tags ...string) (SeededManifest, error) {
	login, err := r.imageOwner(pkg)
	if err != nil {
		return SeededManifest{}, err
	}
	return r.push(login, pkg.Name, mediaType, body, "", "", time.Time{}, tags), nil
}

// PushReferrerFor attaches to subject, in the container package pkg, an OCI
// 1.1 referrer of the given artifact type. With the referrers API off, it
// also tags the referrers index sha256-HEX, as clients do for registries
// without the API.
func (r *Registry) PushReferrerFor(pkg api.Package, subject, artifactType, salt string) (SeededManifest, error) {
	login, err := r.imageOwner(pkg)
	if err != nil {
		return SeededManifest{}, err
	}
	return r.pushReferrer(login, pkg.Name, subject, artifactType, salt), nil
}
