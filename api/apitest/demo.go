package apitest

import (
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/ghpackages/restore/api"
)

// Demo describes the state SeedDemo creates.
type Demo struct {
	Org   string
	Token string
	// Image is a container package whose cleanup deleted tagged and
	// untagged versions; ImageDeleted are their ids, newest first, and
	// ImageActive the ids still active.
	Image        api.Package
	ImageDeleted []int64
	ImageActive  []int64
	// Library is an npm package deleted as a whole (its last version went).
	Library   api.Package
	LibraryID int64
	// UserImage is a private container image of the token's user,
	// DemoUser (api.Me() with DemoToken); UserImageDeleted is its version
	// deleted a day ago, UserImageActive the one still active.
	UserImage        api.Package
	UserImageDeleted int64
	UserImageActive  int64
}

// DemoUser is the login of DemoToken's user.
const DemoUser = "octocat"

// DemoToken is the classic token SeedDemo registers.
const DemoToken = "ghp_demo0000000000000000000000000000000"

// SeedDemo fills the server with a small organization after a bad cleanup:
// "octo-org" with the container image "team/app" (six versions: the three
// oldest tagged v1.0.0…v1.2.0 and two untagged ones deleted two days ago,
// v2.0.0 still active) and the npm package "left-pad", deleted whole three
// days ago; and the token's user "octocat" with the private container image
// "dotfiles" (one version deleted a day ago, one active). Creation and
// deletion times are relative to the server's clock.
func SeedDemo(s *Server) Demo {
	d := Demo{
		Org:     "octo-org",
		Token:   DemoToken,
		Image:   api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "team/app"},
		Library: api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeNpm, Name: "left-pad"},
	}
	s.AddOrg(d.Org)
	s.AddToken(Token{Value: d.Token, User: DemoUser, Scopes: []string{"read:packages", "write:packages", "delete:packages"}})
	now := s.clock.Now()
	day := 24 * time.Hour
	versions := []struct {
		tags    []string
		deleted bool
	}{
		{[]string{"v1.0.0"}, true}, {nil, true}, {[]string{"v1.1.0"}, true},
		{nil, true}, {[]string{"v1.2.0", "stable"}, true}, {[]string{"v2.0.0", "latest"}, false},
	}
	for i, v := range versions {
		id, _ := s.SeedVersion(d.Image, VersionSeed{ // a valid package: no error
			Name:      fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(fmt.Sprintf("team/app layer %d", i)))),
			Tags:      v.tags,
			CreatedAt: now.Add(-time.Duration(20-i) * day),
		})
		if v.deleted {
			d.ImageDeleted = append([]int64{id}, d.ImageDeleted...)
		} else {
			d.ImageActive = append(d.ImageActive, id)
		}
	}
	d.LibraryID, _ = s.SeedVersion(d.Library, VersionSeed{Name: "1.3.0", CreatedAt: now.Add(-40 * day)})
	s.mu.Lock()
	for _, id := range d.ImageDeleted {
		_, v := s.lookup(d.Org, d.Image.Type, d.Image.Name, id)
		at := now.Add(-2 * day).UTC()
		v.DeletedAt, v.UpdatedAt = &at, at
	}
	p, v := s.lookup(d.Org, d.Library.Type, d.Library.Name, d.LibraryID)
	at := now.Add(-3 * day).UTC()
	v.DeletedAt, v.UpdatedAt = &at, at
	s.deletePkg(p, at, []*VersionState{v})
	s.mu.Unlock()

	d.UserImage = api.Package{Owner: api.Me(), Type: api.PackageTypeContainer, Name: "dotfiles"}
	ids, _ := s.SeedPackage(api.Package{Owner: api.User(DemoUser), Type: d.UserImage.Type, Name: d.UserImage.Name}, PackageSeed{Versions: []VersionSeed{
		{Name: fmt.Sprintf("sha256:%x", sha256.Sum256([]byte("dotfiles 1"))), Tags: []string{"v1"}, CreatedAt: now.Add(-5 * day), DeletedAt: now.Add(-day)},
		{Name: fmt.Sprintf("sha256:%x", sha256.Sum256([]byte("dotfiles 2"))), Tags: []string{"v2", "latest"}, CreatedAt: now.Add(-4 * day)},
	}})
	d.UserImageDeleted, d.UserImageActive = ids[0], ids[1]
	return d
}
