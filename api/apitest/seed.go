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
// (which names no account until a request comes) are errors. The older
// methods that take a login string (AddPackage, AddVersion, ...) are
// deprecated: they infer an organization for an unknown login.

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
// GitHub's delete route does (DeleteVersion by package).
func (s *Server) SoftDeleteVersion(pkg api.Package, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	login, err := s.knownOwner(pkg)
	if err != nil {
		return err
	}
	return s.deleteVersion(login, pkg.Type, pkg.Name, id)
}

// SoftDeletePackage deletes pkg as a whole and returns GitHub's restore
// token (DeletePackage by package).
func (s *Server) SoftDeletePackage(pkg api.Package) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	login, err := s.knownOwner(pkg)
	if err != nil {
		return "", err
	}
	return s.deletePackage(login, pkg.Type, pkg.Name)
}

// RetirePackageName retires pkg's name (RetireName by package).
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
// still within the 30-day window, oldest first (DeletedPackages by
// package); none when the owner is not an account of pkg's kind.
func (s *Server) DeletedGenerations(pkg api.Package) []DeletedPackage {
	s.mu.Lock()
	defer s.mu.Unlock()
	login, err := s.knownOwner(pkg)
	if err != nil {
		return nil
	}
	return s.deletedPackages(login, pkg.Type, pkg.Name)
}

// LookupVersion returns a copy of version id of pkg (Version by package).
func (s *Server) LookupVersion(pkg api.Package, id int64) (VersionState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	login, err := s.knownOwner(pkg)
	if err != nil {
		return VersionState{}, false
	}
	return s.version(login, pkg.Type, pkg.Name, id)
}

// IsPackageDeleted reports whether pkg is deleted as a whole
// (PackageDeleted by package).
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

// SeedIndexFor is SeedIndex for the container package pkg, whose owner is
// declared with its kind (see SeedPackage).
func (r *Registry) SeedIndexFor(pkg api.Package, spec ImageSpec) (SeededImage, error) {
	login, err := r.imageOwner(pkg)
	if err != nil {
		return SeededImage{}, err
	}
	return r.seedIndex(login, pkg.Name, spec), nil
}

// SeedImageFor is SeedImage for the container package pkg.
func (r *Registry) SeedImageFor(pkg api.Package, salt string, tags ...string) (SeededManifest, error) {
	login, err := r.imageOwner(pkg)
	if err != nil {
		return SeededManifest{}, err
	}
	return r.seedImage(login, pkg.Name, salt, tags...), nil
}

// DeleteUntaggedChildrenOf is DeleteUntaggedChildren for the container
// package pkg.
func (r *Registry) DeleteUntaggedChildrenOf(pkg api.Package) ([]int64, error) {
	login, err := r.imageOwner(pkg)
	if err != nil {
		return nil, err
	}
	return r.deleteUntaggedChildren(login, pkg.Name), nil
}

// PushFor is Push for the container package pkg: it stores a manifest and
// creates the version that holds it (see Push).
func (r *Registry) PushFor(pkg api.Package, mediaType string, body []byte, tags ...string) (SeededManifest, error) {
	login, err := r.imageOwner(pkg)
	if err != nil {
		return SeededManifest{}, err
	}
	return r.push(login, pkg.Name, mediaType, body, "", "", time.Time{}, tags), nil
}

// PushReferrerFor is PushReferrer for the container package pkg.
func (r *Registry) PushReferrerFor(pkg api.Package, subject, artifactType, salt string) (SeededManifest, error) {
	login, err := r.imageOwner(pkg)
	if err != nil {
		return SeededManifest{}, err
	}
	return r.pushReferrer(login, pkg.Name, subject, artifactType, salt), nil
}
