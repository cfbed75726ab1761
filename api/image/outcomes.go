package image

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Outcomes that are not a plan: the registry looks wrong, or an image the
// caller named is not in the package.

var (
	// ErrWrongRegistry matches *WrongRegistryError.
	ErrWrongRegistry = errors.New("the registry looks wrong")
	// ErrImageNotFound matches *ImageNotFoundError.
	ErrImageNotFound = errors.New("no version of the package has this image")
)

// WrongRegistryError is a plan whose registry served none of the manifests
// that active versions of the package hold: it is not the package's
// registry (or it lost the package), so every image would look broken.
// Give the package's registry explicitly (WithRegistry, the CLI's
// --registry), or let DiscoverRegistry find it.
type WrongRegistryError struct {
	// Host is the registry's host[:port], "" when the Reader does not say.
	Host string
	// Package is the registry's name of the package (OWNER/NAME).
	Package string
	// Asked is how many manifests that active versions hold were read.
	Asked int
}

// Error names the registry and what to do.
func (e *WrongRegistryError) Error() string {
	host := e.Host
	if host == "" {
		host = "the registry"
	}
	return fmt.Sprintf("%s serves none of the %d manifests that active versions of %s hold: it looks like the wrong registry; give the package's registry explicitly", host, e.Asked, e.Package)
}

// Is matches ErrWrongRegistry.
func (e *WrongRegistryError) Is(target error) bool { return target == ErrWrongRegistry }

// ImageNotFoundError is a tag or digest that no version of the package has,
// active or deleted within GitHub's window: a typo, another package, or
// deleted longer ago. Plan returns it beside the plan of the other images.
// It matches ErrImageNotFound and api.ErrNotFound.
type ImageNotFoundError struct {
	// Package is the registry's name of the package (OWNER/NAME).
	Package string
	// Refs are the tags and digests not found, as given.
	Refs []string
	// Suggestions are, per tag of Refs, up to three of the package's tags
	// nearest to it (by edit distance, then common prefix).
	Suggestions map[string][]string
}

// Error names what was not found and the nearest tags.
func (e *ImageNotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no version of %s has %s", e.Package, strings.Join(e.Refs, ", "))
	for _, ref := range e.Refs {
		if s := e.Suggestions[ref]; len(s) > 0 {
			fmt.Fprintf(&b, "; for %s, did you mean %s?", ref, strings.Join(s, ", "))
		}
	}
	return b.String()
}

// Is matches ErrImageNotFound.
func (e *ImageNotFoundError) Is(target error) bool { return target == ErrImageNotFound }

// maxSuggestions is how many tags a not-found error suggests.
const maxSuggestions = 3

// nearestTags returns up to maxSuggestions of tags nearest to ref: the
// smallest edit distance first, then the longest common prefix, then by
// name. Tags of the referrers schema (sha256-…) are not images.
func nearestTags(ref string, tags []string) []string {
	type cand struct {
		tag          string
		dist, prefix int
	}
	var cs []cand
	for _, t := range tags {
		if strings.HasPrefix(t, "sha256-") || t == ref {
			continue
		}
		cs = append(cs, cand{t, editDistance(ref, t), commonPrefix(ref, t)})
	}
	slices.SortFunc(cs, func(a, b cand) int {
		switch {
		case a.dist != b.dist:
			return a.dist - b.dist
		case a.prefix != b.prefix:
			return b.prefix - a.prefix
		}
		return strings.Compare(a.tag, b.tag)
	})
	var out []string
	for _, c := range cs[:min(len(cs), maxSuggestions)] {
		out = append(out, c.tag)
	}
	return out
}

// editDistance is the Levenshtein distance of two tags (at most 128 bytes
// each, so the quadratic cost is small).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// Cause is the error behind Err, for errors.Is and errors.As: a read error
// of the registry, ErrTooDeep, ErrMediaTypeMismatch, ErrDigestMismatch. It
// is nil when Err is empty, and for an image read back from JSON, which
// keeps the text only.
func (i Image) Cause() error { return i.err }
