package apitest

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ghpackages/restore/api"
)

const (
	msgActivePackage    = "An active package already exists with given name."
	msgMultipleDeleted  = "Multiple deleted packages match given name, specify a package by providing a restore token"
	msgPaginationLimit  = "The per_page and page parameters are invalid. The value of per_page multipled by page cannot be greater than 10000."
	maxPaginatedResults = 10000
)

func msgRetired(name string) string {
	return "Package restore was not successful. The package name " + name + " has been retired and cannot restored."
}

// restorePackage restores a package deleted as a whole, with the versions
// deleted along with it (README.md, behaviour table): 204; 404
// when no deleted package of that name is within the window (or the token
// matches none); 409 when an active package holds the name, or when several
// deleted packages match and no restore token picks one; 422 when the name
// is retired.
func (s *Server) restorePackage(c *call) reply {
	notFound := errReply(http.StatusNotFound, msgPackageNotFound, docsPackages)
	if !c.canAdmin() {
		return notFound
	}
	k := pkgKey{api.PackageType(c.params["package_type"]), c.params["package_name"]}
	gens := c.acct.packages[k]
	token := c.r.URL.Query().Get("token")
	now := s.clock.Now()
	var cands []*pkgState
	active := false
	for _, p := range gens {
		switch {
		case p.deletedAt == nil:
			active = true
		case !expired(p.deletedAt, now) && (token == "" || token == p.token):
			cands = append(cands, p)
		}
	}
	if len(cands) == 0 {
		return notFound
	}
	if rep, ok := c.needScopes(msgScopesRestorePackage, "read:packages", "write:packages"); !ok {
		return rep
	}
	switch {
	case c.acct.retired[k]:
		return errReply(http.StatusUnprocessableEntity, msgRetired(k.name), docsPackages)
	case active:
		return errReply(http.StatusConflict, msgActivePackage, docsPackages)
	case len(cands) > 1:
		return errReply(http.StatusConflict, msgMultipleDeleted, docsPackages)
	}
	p := cands[0]
	at := now.UTC()
	p.deletedAt, p.token = nil, ""
	for _, v := range p.deletedWith {
		v.DeletedAt = nil
		v.UpdatedAt = at
	}
	p.deletedWith = nil
	// The restored generation becomes the package's current one.
	c.acct.packages[k] = append(slices.DeleteFunc(gens, func(g *pkgState) bool { return g == p }), p)
	return reply{status: http.StatusNoContent, header: http.Header{}}
}

// listPackages lists the owner's packages of one type that the token sees,
// oldest first: packages deleted whole are not listed; a user's private
// packages are listed to that user only. It sends no Link header, as GitHub
// often does although more pages exist, unless WithPackageListLinks: then
// Link headers name the owner by id and echo the query.
func (s *Server) listPackages(c *call) reply {
	if rep, ok := c.needScopes(msgScopesRead, "read:packages"); !ok {
		return rep
	}
	q := c.r.URL.Query()
	typ := api.PackageType(q.Get("package_type"))
	visibility := q.Get("visibility")
	page, perPage := pageParams(q)
	if page*perPage > maxPaginatedResults {
		return errReply(http.StatusBadRequest, msgPaginationLimit, docsPackages)
	}
	var list []*pkgState
	for k, gens := range c.acct.packages {
		if k.typ != typ {
			continue
		}
		p := gens[len(gens)-1]
		if p.deletedAt != nil || !c.canSee(p) || !visibilityMatches(visibility, p) {
			continue
		}
		list = append(list, p)
	}
	slices.SortFunc(list, func(a, b *pkgState) int { return cmp.Compare(a.id, b.id) })
	from := min((page-1)*perPage, len(list))
	to := min(from+perPage, len(list))
	out := make([]map[string]any, 0, to-from)
	for _, p := range list[from:to] {
		out = append(out, s.packageJSON(c, p))
	}
	rep := jsonReply(http.StatusOK, out)
	if !s.packageLinks {
		return rep // GitHub often sends no Link here, with more pages or not
	}
	last := max((len(list)+perPage-1)/perPage, 1)
	if l := linkHeader(s.linkBase(c.r)+c.ownerLinkPath()+"/packages", c.r, page, last, perPage); l != "" {
		rep.header.Set("Link", l)
	}
	return rep
}

// visibilityMatches applies the visibility filter; "internal" means private
// for registries without granular permissions (Maven, Docker) and matches
// nothing else here, since the fake has no internal packages.
func visibilityMatches(filter string, p *pkgState) bool {
	switch filter {
	case "":
		return true
	case "internal":
		return p.visibility == "private" && (p.typ == api.PackageTypeMaven || p.typ == api.PackageTypeDocker)
	}
	return p.visibility == filter
}

// packageJSON is a package as GitHub lists it.
func (s *Server) packageJSON(c *call, p *pkgState) map[string]any {
	owner := c.ownerPath()
	name := url.PathEscape(p.name)
	updated := p.createdAt
	for _, v := range p.versions {
		if v.UpdatedAt.After(updated) {
			updated = v.UpdatedAt
		}
	}
	m := map[string]any{
		"id":            p.id,
		"name":          p.name,
		"package_type":  string(p.typ),
		"visibility":    p.visibility,
		"url":           s.linkBase(c.r) + owner + "/packages/" + string(p.typ) + "/" + name,
		"html_url":      "https://github.com" + owner + "/packages/" + string(p.typ) + "/package/" + name,
		"version_count": p.activeCount(),
		"created_at":    p.createdAt.Format(time.RFC3339),
		"updated_at":    updated.Format(time.RFC3339),
		"owner":         s.ownerJSON(c),
	}
	if p.repository != "" {
		m["repository"] = s.repositoryJSON(c, p)
	}
	return m
}

// repositoryJSON is the package's repository as a minimal-repository: the
// fields the description requires, the URL templates built from its
// list of required fields, and has_downloads except under API version
// 2026-03-10, which removes it (changeset remove_has_downloads).
func (s *Server) repositoryJSON(c *call, p *pkgState) map[string]any {
	ownerLogin, name, _ := strings.Cut(p.repository, "/")
	base := s.linkBase(c.r) + "/repos/" + p.repository
	m := map[string]any{
		"id":          p.id + 500000,
		"node_id":     "R_" + strconv.FormatInt(p.id, 36),
		"name":        name,
		"full_name":   p.repository,
		"private":     p.visibility != "public",
		"description": nil,
		"fork":        false,
		"url":         base,
		"html_url":    "https://github.com/" + p.repository,
		"owner":       s.userJSON(c, ownerLogin),
	}
	if c.apiVersion != apiV2026 {
		m["has_downloads"] = true // API version 2026-03-10 drops it
	}
	for _, field := range s.doc.Components.Schemas["nullable-minimal-repository"].Value.Required {
		if _, set := m[field]; !set && strings.HasSuffix(field, "_url") {
			m[field] = base + "/" + strings.TrimSuffix(field, "_url")
		}
	}
	return m
}

// ownerJSON is the package's owner as a simple-user.
func (s *Server) ownerJSON(c *call) map[string]any { return s.userJSON(c, c.acct.login) }

// userJSON is an account as a simple-user; s.mu is held.
func (s *Server) userJSON(c *call, login string) map[string]any {
	var id int64
	typ := "User"
	if a := s.accounts[strings.ToLower(login)]; a != nil {
		login, id = a.login, a.id
		if a.kind == api.OwnerOrg {
			typ = "Organization"
		}
	}
	base := s.linkBase(c.r) + "/users/" + url.PathEscape(login)
	return map[string]any{
		"login":               login,
		"id":                  id,
		"node_id":             "U_" + strconv.FormatInt(id, 36),
		"avatar_url":          "https://avatars.githubusercontent.com/u/" + strconv.FormatInt(id, 10) + "?v=4",
		"gravatar_id":         "",
		"url":                 base,
		"html_url":            "https://github.com/" + url.PathEscape(login),
		"followers_url":       base + "/followers",
		"following_url":       base + "/following{/other_user}",
		"gists_url":           base + "/gists{/gist_id}",
		"starred_url":         base + "/starred{/owner}{/repo}",
		"subscriptions_url":   base + "/subscriptions",
		"organizations_url":   base + "/orgs",
		"repos_url":           base + "/repos",
		"events_url":          base + "/events{/privacy}",
		"received_events_url": base + "/received_events",
		"type":                typ,
		"site_admin":          false,
	}
}
