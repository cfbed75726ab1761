package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ghpackages/restore/api"
)

// selection turns the flags into the package and the selector.
func (c *cli) selection(now time.Time) (api.Package, api.Selector, error) {
	pkg := api.Package{Owner: c.owner(), Type: api.PackageType(c.typ), Name: c.pkg}
	sel := api.Selector{Names: c.names, Tags: c.tags, All: c.all}
	for _, s := range c.ids {
		for _, part := range strings.Split(s, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
			if err != nil || id <= 0 {
				return pkg, sel, usageErr("--version-id %q: not a positive integer", part)
			}
			sel.IDs = append(sel.IDs, id)
		}
	}
	if c.idsFrom != "" {
		found, err := openIDs(c.idsFrom, c.stdin)
		if err != nil {
			return pkg, sel, err
		}
		if len(found.ids) == 0 && len(found.digests) == 0 {
			return pkg, sel, usageErr("--ids-from %s: found no version id (a token of digits only) and no sha256: digest", c.idsFrom)
		}
		if c.mode != modeJSON {
			fmt.Fprintf(c.stderr, "--ids-from %s: read %s.\n", c.idsFrom, found)
		}
		sel.IDs = append(sel.IDs, found.ids...)
		sel.Names = append(sel.Names, found.digests...)
	}
	var err error
	if c.since != "" {
		if sel.DeletedSince, err = parseTime(c.since, now); err != nil {
			return pkg, sel, usageErr("--deleted-since: %w", err)
		}
	}
	if c.until != "" {
		if c.since == "" {
			return pkg, sel, usageErr("--deleted-until needs --deleted-since")
		}
		if sel.DeletedUntil, err = parseTime(c.until, now); err != nil {
			return pkg, sel, usageErr("--deleted-until: %w", err)
		}
	}
	if !sel.All && len(sel.IDs) == 0 && len(sel.Names) == 0 && len(sel.Tags) == 0 && sel.DeletedSince.IsZero() {
		return pkg, sel, usageErr("no selection: give --version-id, --version-name, --tag, --ids-from, --deleted-since or --all-deleted")
	}
	if isGlob(c.pkg) && !c.sweep() {
		return pkg, sel, usageErr("--package %q is a glob: a sweep across packages takes a deletion window (--deleted-since, --deleted-until) and no other selection", c.pkg)
	}
	return pkg, sel, nil
}

// sweep reports whether the flags ask for a sweep across packages: a
// deletion window as the only selection, and --package a glob or absent.
func (c *cli) sweep() bool {
	window := c.since != "" || c.until != ""
	other := len(c.ids) > 0 || len(c.names) > 0 || len(c.tags) > 0 || c.idsFrom != "" || c.all
	return window && !other && (c.pkg == "" || isGlob(c.pkg))
}

func isGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

// maxAgeDays bounds an age in days (a time.Duration holds about 106751).
const maxAgeDays = 36500

// parseTime reads RFC 3339, a date (UTC), or an age such as 36h or 7d.
func parseTime(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days >= 0 {
			if days > maxAgeDays { // and a duration of so many days would wrap
				return time.Time{}, fmt.Errorf("%q is more than %d days ago: GitHub keeps a deleted version for 30 days", s, maxAgeDays)
			}
			return now.Add(-time.Duration(days) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, errors.New(strconv.Quote(s) + " is not RFC 3339, a date (2006-01-02) or an age (36h, 7d)")
}
