package api

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Selector chooses deleted versions of a package. A version is selected when
// it matches any of IDs, Names or Tags (or All is set), and it was deleted
// within [DeletedSince, DeletedUntil) when those are set. A selector with
// only a time window selects every version deleted in it.
type Selector struct {
	IDs []int64 `json:"ids,omitempty"`
	// Names are version names; for containers the name is the manifest
	// digest ("sha256:…").
	Names []string `json:"names,omitempty"`
	// Tags are glob patterns (path.Match: *, ?, [a-z]) on container and
	// docker tags. Whether GitHub keeps the tags of deleted versions is not
	// confirmed: when no selected version matches a tag pattern, the plan
	// says so, and says too when no deleted version lists any tag at all.
	Tags         []string  `json:"tags,omitempty"`
	DeletedSince time.Time `json:"deleted_since,omitzero"`
	DeletedUntil time.Time `json:"deleted_until,omitzero"`
	All          bool      `json:"all,omitempty"`
}

// Validate checks the selector before anything is sent.
func (s Selector) Validate() error {
	if !s.All && len(s.IDs) == 0 && len(s.Names) == 0 && len(s.Tags) == 0 && s.DeletedSince.IsZero() && s.DeletedUntil.IsZero() {
		return &ValidationError{Field: "selector", Reason: "selects nothing: give ids, names, tags, a deletion window, or all"}
	}
	for _, id := range s.IDs {
		if err := validateVersionID(id); err != nil {
			return err
		}
	}
	for _, n := range s.Names {
		if strings.TrimSpace(n) == "" {
			return &ValidationError{Field: "name", Value: n, Reason: "must not be blank"}
		}
	}
	for _, t := range s.Tags {
		if t == "" {
			return &ValidationError{Field: "tag", Value: t, Reason: "must not be empty"}
		}
		if _, err := path.Match(t, ""); err != nil {
			return &ValidationError{Field: "tag", Value: t, Reason: "is not a valid glob pattern"}
		}
	}
	if !s.DeletedSince.IsZero() && !s.DeletedUntil.IsZero() && !s.DeletedSince.Before(s.DeletedUntil) {
		return &ValidationError{Field: "deleted_until", Value: s.DeletedUntil.Format(time.RFC3339), Reason: "must be after deleted_since"}
	}
	return nil
}

// selectorSets are a selector's ids and names as sets: matching a version
// is then constant work however many ids a log gave (--ids-from).
type selectorSets struct {
	ids   map[int64]bool
	names map[string]bool
}

func (s Selector) sets() selectorSets {
	ss := selectorSets{ids: make(map[int64]bool, len(s.IDs)), names: make(map[string]bool, len(s.Names))}
	for _, id := range s.IDs {
		ss.ids[id] = true
	}
	for _, n := range s.Names {
		ss.names[n] = true
	}
	return ss
}

// match returns why v is selected, or nil.
func (s Selector) match(v Version, ss selectorSets) []string {
	if v.DeletedAt == nil {
		return nil
	}
	inWindow := (s.DeletedSince.IsZero() || !v.DeletedAt.Before(s.DeletedSince)) &&
		(s.DeletedUntil.IsZero() || v.DeletedAt.Before(s.DeletedUntil))
	if !inWindow {
		return nil
	}
	var why []string
	if s.All {
		why = append(why, "all deleted versions")
	}
	if ss.ids[v.ID] {
		why = append(why, "id "+strconv.FormatInt(v.ID, 10))
	}
	if ss.names[v.Name] {
		why = append(why, "name "+v.Name)
	}
	for _, pat := range s.Tags {
		for _, tag := range v.Tags {
			if ok, _ := path.Match(pat, tag); ok {
				why = append(why, fmt.Sprintf("tag %s matches %s", tag, pat))
			}
		}
	}
	if len(why) == 0 && len(s.IDs) == 0 && len(s.Names) == 0 && len(s.Tags) == 0 {
		why = append(why, "deleted "+windowText(s))
	}
	return why
}

// matchesTag reports whether any of tags matches one of the selector's tag
// patterns.
func (s Selector) matchesTag(tags []string) bool {
	for _, pat := range s.Tags {
		for _, tag := range tags {
			if ok, _ := path.Match(pat, tag); ok {
				return true
			}
		}
	}
	return false
}

func windowText(s Selector) string {
	switch {
	case !s.DeletedSince.IsZero() && !s.DeletedUntil.IsZero():
		return "between " + s.DeletedSince.UTC().Format(time.RFC3339) + " and " + s.DeletedUntil.UTC().Format(time.RFC3339)
	case !s.DeletedSince.IsZero():
		return "since " + s.DeletedSince.UTC().Format(time.RFC3339)
	}
	return "before " + s.DeletedUntil.UTC().Format(time.RFC3339)
}

// Select streams the deleted versions of pkg that sel chooses, listing all
// pages of state=deleted with constant memory. Versions whose restore window
// has passed are skipped.
func (c *Client) Select(ctx context.Context, pkg Package, sel Selector) iter.Seq2[PlanItem, error] {
	return c.selectDeleted(ctx, pkg, sel, nil)
}

// deletedSeen is what a deleted listing showed besides the selected items:
// what the plan's notes need, so that they never rely on GET (which answers
// 404 for a deleted version).
type deletedSeen struct {
	ids    map[int64]Version // versions the selector named by id
	tagged bool              // some deleted version lists a tag
}

// selectDeleted is Select, recording into seen (when not nil) what the
// listing showed.
func (c *Client) selectDeleted(ctx context.Context, pkg Package, sel Selector, seen *deletedSeen) iter.Seq2[PlanItem, error] {
	return func(yield func(PlanItem, error) bool) {
		if err := sel.Validate(); err != nil {
			yield(PlanItem{}, err)
			return
		}
		now := c.clock.Now()
		ss := sel.sets()
		for v, err := range c.Versions(ctx, pkg, &ListOptions{State: StateDeleted}) {
			if err != nil {
				yield(PlanItem{}, err)
				return
			}
			if seen != nil {
				seen.tagged = seen.tagged || len(v.Tags) > 0
				if ss.ids[v.ID] {
					seen.ids[v.ID] = v
				}
			}
			why := sel.match(v, ss)
			if why == nil || v.DaysLeft(now) < 0 {
				continue
			}
			item := PlanItem{Package: pkg, ID: v.ID, Name: v.Name, Digest: v.Digest, Tags: v.Tags, DeletedAt: *v.DeletedAt, DaysLeft: v.DaysLeft(now), Reasons: why}
			if !yield(item, nil) {
				return
			}
		}
	}
}

// MakePlan selects the deleted versions of pkg to restore. When GitHub
// answers 404 "Package not found." to the listing, the package was deleted
// as a whole or does not exist (a typo in its name or type): the plan lists
// it in RestorePackages, and Apply tries the package restore first.
//
// Listing deleted versions needs delete:packages; restoring does not (it
// needs read:packages and write:packages). When the listing answers 403
// for want of delete:packages and sel names version ids, the plan restores
// those ids without the listing: each is looked up first (GET answers 200
// for an active version, which is left out with a note, and 404 for a
// deleted one), the items carry only their id (no name, tags or deletion
// time: DeletedAt is zero), and a note says what could not be listed and
// why. Names, tags and deletion windows cannot be selected that way: a
// note names them.
func (c *Client) MakePlan(ctx context.Context, pkg Package, sel Selector) (Plan, error) {
	if err := pkg.Validate(); err != nil {
		return Plan{}, err
	}
	p := Plan{Schema: PlanSchema, BaseURL: c.BaseURL(), Selector: sel, MadeAt: c.clock.Now().UTC(), Items: []PlanItem{}}
	seen := deletedSeen{ids: map[int64]Version{}}
	for item, err := range c.selectDeleted(ctx, pkg, sel, &seen) {
		if err != nil {
			if IsPackageNotFound(err) {
				p.RestorePackages = append(p.RestorePackages, pkg)
				return p, nil
			}
			if len(sel.IDs) > 0 && lacksDeleteScope(err) {
				return c.planUnlisted(ctx, p, pkg, sel, err)
			}
			return Plan{}, err
		}
		p.Items = append(p.Items, item)
	}
	p.Sort()
	p.Notes = append(p.Notes, c.selectionNotes(ctx, pkg, sel, p.Items, seen)...)
	return p, nil
}

// IsPackageNotFound reports whether err is GitHub's 404 "Package not
// found.": the package was deleted as a whole, or no package of that owner,
// type and name exists (a typo). GitHub gives the same answer for both.
func IsPackageNotFound(err error) bool {
	var apiErr *Error
	return errors.As(err, &apiErr) && apiErr.StatusCode == 404 && apiErr.Message == "Package not found."
}

// selectionNotes says which ids, names and tags found nothing. What the
// deleted listing showed decides; GET only tells an active version (200)
// from one GitHub does not know (404), since a deleted version answers 404.
func (c *Client) selectionNotes(ctx context.Context, pkg Package, sel Selector, items []PlanItem, seen deletedSeen) []string {
	var notes []string
	now := c.clock.Now()
	planned := make(map[int64]bool, len(items))
	named := make(map[string]bool, len(items))
	for _, it := range items {
		planned[it.ID], named[it.Name] = true, true
	}
	for _, id := range sel.IDs {
		if planned[id] {
			continue
		}
		planned[id] = true // one note per id, however often it was given
		if v, ok := seen.ids[id]; ok {
			if v.DaysLeft(now) < 0 {
				notes = append(notes, fmt.Sprintf("version %d was deleted more than 30 days ago: past GitHub's 30-day window, it can no longer be restored", id))
			} else {
				notes = append(notes, fmt.Sprintf("version %d is deleted but outside the deletion window", id))
			}
			continue
		}
		_, err := c.GetVersion(ctx, pkg, id)
		switch {
		case err == nil:
			notes = append(notes, fmt.Sprintf("version %d is active: nothing to restore", id))
		case errors.Is(err, ErrNotFound):
			notes = append(notes, fmt.Sprintf("version %d was not found among deleted versions (past GitHub's 30-day window, or never existed)", id))
		default:
			notes = append(notes, fmt.Sprintf("version %d is not among the deleted versions, and looking it up failed: %v", id, err))
		}
	}
	for _, n := range sel.Names {
		if !named[n] {
			notes = append(notes, fmt.Sprintf("no deleted version is named %s", n))
		}
	}
	if len(sel.Tags) > 0 && !slices.ContainsFunc(items, func(it PlanItem) bool { return sel.matchesTag(it.Tags) }) {
		note := "no deleted version carries a tag matching " + strings.Join(sel.Tags, ", ")
		if !seen.tagged {
			note += ": no deleted version of this package lists any tag (GitHub may not keep the tags of deleted versions); select by digest (name) or deletion time instead"
		}
		notes = append(notes, note)
	}
	return notes
}

// lacksDeleteScope reports whether err is GitHub's 403 to a deleted
// listing for want of delete:packages ("You need at least delete:packages
// and read:packages scopes to get a package's deleted versions."), told by
// the message or by the token's scopes.
func lacksDeleteScope(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 403 || e.rateLimited || errors.Is(e, ErrSSORequired) || errors.Is(e, ErrLockedOut) {
		return false
	}
	return strings.Contains(e.Message, "delete:packages") || (e.Scopes != nil && !hasScope(e.Scopes, "delete:packages"))
}

// planUnlisted plans the ids of sel without the deleted listing, which
// listErr refused: each id is looked up, and those GitHub does not show as
// active are restored directly.
func (c *Client) planUnlisted(ctx context.Context, p Plan, pkg Package, sel Selector, listErr error) (Plan, error) {
	var e *Error
	errors.As(listErr, &e)
	why := "the token lacks delete:packages"
	if e.Message != "" {
		why += " (GitHub: " + strconv.Quote(e.Message) + ")"
	}
	seen := make(map[int64]bool, len(sel.IDs))
	var active []int64
	for _, id := range sel.IDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		v, err := c.getVersion(ctx, pkg, id)
		switch {
		case err == nil && !v.Deleted():
			active = append(active, id)
			continue
		case err != nil && !errors.Is(err, ErrNotFound):
			return Plan{}, err
		}
		p.Items = append(p.Items, PlanItem{Package: pkg, ID: id, Reasons: []string{"id " + strconv.FormatInt(id, 10) + " (not listed)"}})
	}
	p.Sort()
	p.Notes = append(p.Notes, fmt.Sprintf("the deleted versions could not be listed: %s; restoring needs only read:packages and write:packages, so the version ids given that are not active (%d) are restored directly, unchecked: their names, tags and deletion times are not known, and an id GitHub does not know fails", why, len(p.Items)))
	for _, id := range active {
		p.Notes = append(p.Notes, fmt.Sprintf("version %d is active: nothing to restore", id))
	}
	var unselected []string
	if len(sel.Names) > 0 {
		unselected = append(unselected, "names ("+strings.Join(sel.Names, ", ")+")")
	}
	if len(sel.Tags) > 0 {
		unselected = append(unselected, "tags ("+strings.Join(sel.Tags, ", ")+")")
	}
	if !sel.DeletedSince.IsZero() || !sel.DeletedUntil.IsZero() {
		unselected = append(unselected, "the deletion window (deleted "+windowText(sel)+")")
	}
	if sel.All {
		unselected = append(unselected, "all deleted versions")
	}
	if len(unselected) > 0 {
		p.Notes = append(p.Notes, "not selected, since that needs the deleted listing (add delete:packages to the token): "+strings.Join(unselected, "; "))
	}
	return p, nil
}
