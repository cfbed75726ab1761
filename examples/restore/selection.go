package main

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ghpackages/restore/api"
)

// selection is what the selectors choose. The rule: every selector given
// applies (a version must match them all); the values of one selector are
// alternatives, and the versions named by id or name (--version-id,
// --version-name, --ids-from) are one list; all means no filter and comes
// alone (the flag table says so).
type selection struct {
	ids          []int64
	names        []string // version names and digests
	tags         []string // globs
	since, until time.Time
	all          bool
}

// selector is the selection as the SDK records it in a plan file.
func (s selection) selector() api.Selector {
	return api.Selector{IDs: s.ids, Names: s.names, Tags: s.tags, DeletedSince: s.since, DeletedUntil: s.until, All: s.all}
}

// checks are the selectors given, each a test with its words.
type check struct {
	words string // "tag v1.*", "deleted since …"
	ok    func(v api.Version) bool
	// names is set for the ids and names: a version left out for not
	// being named needs no note.
	names bool
}

func (s selection) checks() []check {
	var out []check
	// Ids and names (--version-id, --version-name, --ids-from) name
	// versions: one list, whose entries are alternatives.
	if len(s.ids) > 0 || len(s.names) > 0 {
		var words []string
		if len(s.ids) > 0 {
			words = append(words, "id "+joinInts(s.ids))
		}
		if len(s.names) > 0 {
			words = append(words, "name "+strings.Join(s.names, " or "))
		}
		out = append(out, check{strings.Join(words, " or "), func(v api.Version) bool {
			return slices.Contains(s.ids, v.ID) || slices.Contains(s.names, v.Name)
		}, true})
	}
	if len(s.tags) > 0 {
		out = append(out, check{"tag " + strings.Join(s.tags, " or "), func(v api.Version) bool { return matchesTag(s.tags, v.Tags) }, false})
	}
	if !s.since.IsZero() || !s.until.IsZero() {
		out = append(out, check{"deleted " + windowWords(s.since, s.until), func(v api.Version) bool {
			return v.DeletedAt != nil && (s.since.IsZero() || !v.DeletedAt.Before(s.since)) && (s.until.IsZero() || v.DeletedAt.Before(s.until))
		}, false})
	}
	return out
}

// text states the selection once, for the plan's head.
func (s selection) text() string {
	if s.all {
		return "every deleted version"
	}
	var parts []string
	for _, c := range s.checks() {
		parts = append(parts, c.words)
	}
	return strings.Join(parts, ", and ")
}

// choose applies the selection to the deleted versions: the items, and
// notes that say exactly why versions that match some selectors were left
// out ("3 versions match tag v1.* but not deleted since …").
func (s selection) choose(pkg api.Package, deleted []api.Version, now time.Time) (items []api.PlanItem, notes []string) {
	checks := s.checks()
	missed := make([]int, len(checks)) // versions that fail only check i
	gone := 0
	for _, v := range deleted {
		if v.DeletedAt == nil {
			continue
		}
		fails := -1
		nfail := 0
		for i, c := range checks {
			if !c.ok(v) {
				fails, nfail = i, nfail+1
			}
		}
		switch {
		case nfail == 1 && len(checks) > 1:
			missed[fails]++
			continue
		case nfail > 0:
			continue
		}
		if v.DaysLeft(now) < 0 {
			gone++
			continue
		}
		why := s.text()
		items = append(items, api.PlanItem{Package: pkg, ID: v.ID, Name: v.Name, Digest: v.Digest, Tags: v.Tags,
			DeletedAt: *v.DeletedAt, DaysLeft: v.DaysLeft(now), Reasons: []string{why}})
	}
	for i, n := range missed {
		if n == 0 || checks[i].names {
			continue
		}
		var others []string
		for j, c := range checks {
			if j != i {
				others = append(others, c.words)
			}
		}
		notes = append(notes, fmt.Sprintf("%s %s %s but not %s", plural(n, "version"), verb(n, "matches", "match"), strings.Join(others, ", "), checks[i].words))
	}
	if gone > 0 {
		notes = append(notes, fmt.Sprintf("%s %s deleted more than 30 days ago: past GitHub's window", plural(gone, "selected version"), verb(gone, "was", "were")))
	}
	return items, notes
}

func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func matchesTag(globs, tags []string) bool {
	for _, g := range globs {
		for _, t := range tags {
			if ok, _ := path.Match(g, t); ok {
				return true
			}
		}
	}
	return false
}

func joinInts(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = itoa64(id)
	}
	return strings.Join(s, " or ")
}

// windowWords is "since T", "before T" or "between A and B".
func windowWords(since, until time.Time) string {
	f := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") }
	switch {
	case !since.IsZero() && !until.IsZero():
		return "between " + f(since) + " and " + f(until)
	case !since.IsZero():
		return "since " + f(since)
	}
	return "before " + f(until)
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

// window reads --deleted-since and --deleted-until.
func (o *options) window(now time.Time) (since, until time.Time, err error) {
	if o.since != "" {
		if since, err = parseTime(o.since, now); err != nil {
			return since, until, usageErr("--deleted-since: %w", err)
		}
	}
	if o.until != "" {
		if o.since == "" {
			return since, until, usageErr("--deleted-until needs --deleted-since")
		}
		if until, err = parseTime(o.until, now); err != nil {
			return since, until, usageErr("--deleted-until: %w", err)
		}
	}
	return since, until, nil
}
