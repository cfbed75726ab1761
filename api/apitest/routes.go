package apitest

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/ghpackages/restore/api"
)

// packageOf finds the call's package; s.mu is held.
func (s *Server) packageOf(c *call) *pkgState {
	p := c.org.packages[pkgKey{api.PackageType(c.params["package_type"]), c.params["package_name"]}]
	if p == nil {
		return nil
	}
	if p.deletedAt != nil && expired(p.deletedAt, s.clock.Now()) {
		return nil // gone for good after 30 days
	}
	return p
}

func (s *Server) versionOf(c *call) (*pkgState, *VersionState, reply, bool) {
	p := s.packageOf(c)
	if p == nil || p.deletedAt != nil {
		return nil, nil, errReply(http.StatusNotFound, "Package not found.", docsPackages), false
	}
	id, _ := strconv.ParseInt(c.params["package_version_id"], 10, 64)
	for _, v := range p.versions {
		if v.ID == id && !expired(v.DeletedAt, s.clock.Now()) {
			return p, v, reply{}, true
		}
	}
	return nil, nil, errReply(http.StatusNotFound, "Package version not found.", docsPackages), false
}

// restoreVersion: 204 when restored; 400 when the version is active or its
// name is taken by an active version (namespace reuse); 404 when unknown or
// past the 30-day window.
func (s *Server) restoreVersion(c *call) reply {
	p, v, rep, ok := s.versionOf(c)
	if !ok {
		return rep
	}
	if v.DeletedAt == nil {
		return errReply(http.StatusBadRequest, "Active package version already exists with given name.", docsPackages)
	}
	for _, o := range p.versions {
		if o != v && o.DeletedAt == nil && o.Name == v.Name {
			return errReply(http.StatusBadRequest, "Active package version already exists with given name.", docsPackages)
		}
	}
	now := s.clock.Now().UTC()
	v.DeletedAt = nil
	v.UpdatedAt = now
	return reply{status: http.StatusNoContent, header: http.Header{}}
}

// restorePackage: 204 when a package deleted as a whole is restored with the
// versions deleted along with it; 404 when there is no such deleted package.
func (s *Server) restorePackage(c *call) reply {
	p := s.packageOf(c)
	if p == nil || p.deletedAt == nil {
		return errReply(http.StatusNotFound, "Package not found.", docsPackages)
	}
	now := s.clock.Now().UTC()
	p.deletedAt = nil
	for _, v := range p.deletedWith {
		v.DeletedAt = nil
		v.UpdatedAt = now
	}
	p.deletedWith = nil
	return reply{status: http.StatusNoContent, header: http.Header{}}
}

func (s *Server) getVersion(c *call) reply {
	p, v, rep, ok := s.versionOf(c)
	if !ok {
		return rep
	}
	return jsonReply(http.StatusOK, s.versionJSON(c, p, v))
}

// listVersions pages newest first, with GitHub's defaults (page 1, 30 per
// page, at most 100) and Link headers.
func (s *Server) listVersions(c *call) reply {
	p := s.packageOf(c)
	if p == nil || p.deletedAt != nil {
		return errReply(http.StatusNotFound, "Package not found.", docsPackages)
	}
	q := c.r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "active"
	}
	page, perPage := 1, 30
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v > 0 {
		page = v
	}
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v > 0 {
		perPage = min(v, 100)
	}
	now := s.clock.Now()
	// One pass, newest first, keeping only the requested page: listing
	// 100,000 versions page by page must not copy them all per page.
	from := (page - 1) * perPage
	out := make([]map[string]any, 0, perPage)
	total := 0
	for _, v := range slices.Backward(p.versions) {
		deleted := v.DeletedAt != nil
		if (state == "deleted") != deleted || expired(v.DeletedAt, now) {
			continue
		}
		if total >= from && total < from+perPage {
			out = append(out, s.versionJSON(c, p, v))
		}
		total++
	}
	last := max((total+perPage-1)/perPage, 1)
	rep := jsonReply(http.StatusOK, out)
	if l := linkHeader(c.r, page, last, perPage, state); l != "" {
		rep.header.Set("Link", l)
	}
	return rep
}

func (s *Server) versionJSON(c *call, p *pkgState, v *VersionState) map[string]any {
	base := "https://api.github.com/orgs/" + c.org.name + "/packages/" + string(p.typ) + "/" + p.name
	m := map[string]any{
		"id":               v.ID,
		"name":             v.Name,
		"url":              base + "/versions/" + strconv.FormatInt(v.ID, 10),
		"package_html_url": "https://github.com/orgs/" + c.org.name + "/packages/" + string(p.typ) + "/package/" + p.name,
		"created_at":       v.CreatedAt.Format(time.RFC3339),
		"updated_at":       v.UpdatedAt.Format(time.RFC3339),
		"metadata":         map[string]any{"package_type": string(p.typ)},
	}
	if v.DeletedAt != nil {
		m["deleted_at"] = v.DeletedAt.Format(time.RFC3339)
	} else {
		m["html_url"] = "https://github.com/orgs/" + c.org.name + "/packages/" + string(p.typ) + "/" + p.name + "/" + strconv.FormatInt(v.ID, 10)
	}
	tags := v.Tags
	if tags == nil {
		tags = []string{}
	}
	switch p.typ {
	case api.PackageTypeContainer:
		m["metadata"].(map[string]any)["container"] = map[string]any{"tags": tags}
	case api.PackageTypeDocker:
		m["metadata"].(map[string]any)["docker"] = map[string]any{"tags": tags}
	}
	return m
}

func (s *Server) rateLimit(c *call) reply {
	t := c.token
	reset := t.windowStart.Add(time.Hour).Unix()
	core := map[string]any{"limit": t.Budget, "remaining": max(t.Budget-t.used, 0), "used": t.used, "reset": reset}
	rep := jsonReply(http.StatusOK, map[string]any{
		"resources": map[string]any{"core": core, "search": map[string]any{"limit": 30, "remaining": 30, "used": 0, "reset": reset}},
		"rate":      core,
	})
	return rep
}
