package apitest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/ghpackages/restore/api"
)

const (
	msgPackageNotFound = "Package not found."
	msgVersionNotFound = "Package version not found."
	msgNameTaken       = "Active package version already exists with given name."
)

// activePackage finds the call's package: active (not deleted whole, not
// gone past the window) and visible to the token; s.mu is held. For
// restores it must also be the token's to administer.
func (s *Server) activePackage(c *call, admin bool) *pkgState {
	gens := c.acct.packages[pkgKey{api.PackageType(c.params["package_type"]), c.params["package_name"]}]
	if len(gens) == 0 {
		return nil
	}
	p := gens[len(gens)-1]
	if p.deletedAt != nil || !c.canSee(p) || (admin && !c.canAdmin()) {
		return nil
	}
	return p
}

// versionOf finds the call's version of p, unless it is gone past the
// window; s.mu is held.
func (s *Server) versionOf(c *call, p *pkgState) *VersionState {
	id, _ := strconv.ParseInt(c.params["package_version_id"], 10, 64)
	for _, v := range p.versions {
		if v.ID == id && !expired(v.DeletedAt, s.clock.Now()) {
			return v
		}
	}
	return nil
}

// restoreVersion: 204 when restored; 400 when the version's name is taken
// by an active version (namespace reuse); 404 when the package or version
// is unknown or past the 30-day window. GitHub does not check that the
// version is deleted: an active one answers 204 or 400 (WithActiveRestore;
// by default 400 on registries with granular permissions (container, npm,
// NuGet, RubyGems) and 204 on the older ones (Maven, Docker)).
func (s *Server) restoreVersion(c *call) reply {
	p := s.activePackage(c, true)
	if p == nil {
		return errReply(http.StatusNotFound, msgPackageNotFound, docsPackages)
	}
	if rep, ok := c.needScopes(msgScopesRestoreVersion, "read:packages", "write:packages"); !ok {
		return rep
	}
	v := s.versionOf(c, p)
	if v == nil {
		return errReply(http.StatusNotFound, msgVersionNotFound, docsPackages)
	}
	if v.DeletedAt == nil {
		status := s.activeRestore
		if status == 0 && (p.typ == api.PackageTypeMaven || p.typ == api.PackageTypeDocker) {
			status = http.StatusNoContent
		}
		if status == http.StatusNoContent {
			return reply{status: http.StatusNoContent, header: http.Header{}}
		}
		return errReply(http.StatusBadRequest, msgNameTaken, docsPackages)
	}
	for _, o := range p.versions {
		if o != v && o.DeletedAt == nil && o.Name == v.Name {
			return errReply(http.StatusBadRequest, msgNameTaken, docsPackages)
		}
	}
	v.DeletedAt = nil
	v.UpdatedAt = s.clock.Now().UTC()
	return reply{status: http.StatusNoContent, header: http.Header{}}
}

// getVersion: 200 for an active version; 404 `Package version not found.`
// for a deleted one, as for one that never existed.
func (s *Server) getVersion(c *call) reply {
	p := s.activePackage(c, false)
	if p == nil {
		return errReply(http.StatusNotFound, msgPackageNotFound, docsPackages)
	}
	if rep, ok := c.needScopes(msgScopesRead, "read:packages"); !ok {
		return rep
	}
	v := s.versionOf(c, p)
	if v == nil || v.DeletedAt != nil {
		return errReply(http.StatusNotFound, msgVersionNotFound, docsPackages)
	}
	return jsonReply(http.StatusOK, s.versionJSON(c, p, v))
}

// listVersions pages newest first, with GitHub's defaults (page 1, 30 per
// page, at most 100) and Link headers in GitHub's form. Listing deleted
// versions needs delete:packages as well as read:packages.
func (s *Server) listVersions(c *call) reply {
	p := s.activePackage(c, false)
	if p == nil {
		return errReply(http.StatusNotFound, msgPackageNotFound, docsPackages)
	}
	if rep, ok := c.needScopes(msgScopesRead, "read:packages"); !ok {
		return rep
	}
	q := c.r.URL.Query()
	deletedOnly := q.Get("state") == "deleted"
	if deletedOnly {
		if rep, ok := c.needScopes(msgScopesDeleted, "delete:packages", "read:packages"); !ok {
			return rep
		}
		if !c.canAdmin() {
			// Another user's deleted versions: unconfirmed, answered as
			// a package the token cannot see.
			return errReply(http.StatusNotFound, msgPackageNotFound, docsPackages)
		}
	}
	page, perPage := pageParams(q)
	now := s.clock.Now()
	// One pass, newest first, keeping only the requested page: listing
	// 100,000 versions page by page must not copy them all per page.
	from := (page - 1) * perPage
	out := make([]map[string]any, 0, perPage)
	total := 0
	for _, v := range slices.Backward(p.versions) {
		if deletedOnly != (v.DeletedAt != nil) || expired(v.DeletedAt, now) {
			continue
		}
		if total >= from && total < from+perPage {
			out = append(out, s.versionJSON(c, p, v))
		}
		total++
	}
	last := max((total+perPage-1)/perPage, 1)
	rep := jsonReply(http.StatusOK, out)
	base := s.linkBase(c.r) + c.ownerLinkPath() + "/packages/" + string(p.typ) + "/" + url.PathEscape(p.name) + "/versions"
	if l := linkHeader(base, c.r, page, last, perPage); l != "" && !s.noVersionLinks {
		rep.header.Set("Link", l)
	}
	return rep
}

// ownerPath is the owner's path in API URLs and on github.com:
// /orgs/{org} or /users/{login} (also for the authenticated user).
func (c *call) ownerPath() string {
	if c.acct.kind == api.OwnerOrg {
		return "/orgs/" + url.PathEscape(c.acct.login)
	}
	return "/users/" + url.PathEscape(c.acct.login)
}

// versionJSON is a package-version as GitHub writes it: URLs escape `/` in
// the name as %2F; a deleted version has deleted_at and no html_url; empty
// fields are omitted; container and docker versions carry their tags (a
// deleted container version keeps them).
func (s *Server) versionJSON(c *call, p *pkgState, v *VersionState) map[string]any {
	owner := c.ownerPath()
	name := url.PathEscape(p.name)
	id := strconv.FormatInt(v.ID, 10)
	m := map[string]any{
		"id":               v.ID,
		"name":             v.Name,
		"url":              s.linkBase(c.r) + owner + "/packages/" + string(p.typ) + "/" + name + "/versions/" + id,
		"package_html_url": "https://github.com" + owner + "/packages/" + string(p.typ) + "/package/" + name,
		"created_at":       v.CreatedAt.Format(time.RFC3339),
		"updated_at":       v.UpdatedAt.Format(time.RFC3339),
	}
	meta := map[string]any{"package_type": string(p.typ)}
	if v.DeletedAt != nil {
		m["deleted_at"] = v.DeletedAt.Format(time.RFC3339)
	} else {
		m["html_url"] = "https://github.com" + owner + "/packages/" + string(p.typ) + "/" + name + "/" + id
	}
	tags := v.Tags
	if tags == nil {
		tags = []string{}
	}
	switch p.typ {
	case api.PackageTypeContainer:
		meta["container"] = map[string]any{"tags": tags}
	case api.PackageTypeDocker:
		meta["docker"] = map[string]any{"tags": tags}
	}
	m["metadata"] = meta
	return m
}

// rateLimit answers GET /rate_limit: `resources` always, and `rate` (a copy
// of resources.core) only for API version 2022-11-28; 2026-03-10 drops it.
func (s *Server) rateLimit(c *call) reply {
	t := c.token
	reset := t.windowStart.Add(time.Hour).Unix()
	core := map[string]any{"limit": t.Budget, "remaining": max(t.Budget-t.used, 0), "used": t.used, "reset": reset}
	body := map[string]any{
		"resources": map[string]any{"core": core, "search": map[string]any{"limit": 30, "remaining": 30, "used": 0, "reset": reset}},
	}
	if c.apiVersion != apiV2026 {
		body["rate"] = core
	}
	return jsonReply(http.StatusOK, body)
}
