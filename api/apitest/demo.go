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
}

// DemoUser is the login of DemoToken's user.
const DemoUser = "octocat"

// DemoToken is the classic token SeedDemo registers.
const DemoToken = "ghp_demo0000000000000000000000000000000"

// SeedDemo fills the server with a small organization after a bad cleanup:
// "octo-org" with the container image "team/app" (six versions: the three
// oldest tagged v1.0.0…v1.2.0 and two untagged ones deleted two days ago,
// v2.0.0 still active) and the npm package "left-pad", deleted whole three
// days ago. Creation and deletion times are relative to the server's clock.
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
		id := s.AddVersion(d.Org, d.Image.Type, d.Image.Name, VersionSeed{
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
	d.LibraryID = s.AddVersion(d.Org, d.Library.Type, d.Library.Name, VersionSeed{Name: "1.3.0", CreatedAt: now.Add(-40 * day)})
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range d.ImageDeleted {
		_, v := s.lookup(d.Org, d.Image.Type, d.Image.Name, id)
		at := now.Add(-2 * day).UTC()
		v.DeletedAt, v.UpdatedAt = &at, at
	}
	p, v := s.lookup(d.Org, d.Library.Type, d.Library.Name, d.LibraryID)
	at := now.Add(-3 * day).UTC()
	v.DeletedAt, v.UpdatedAt = &at, at
	s.deletePkg(p, at, []*VersionState{v})
	return d
}
