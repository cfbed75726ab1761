package image

import (
	"errors"
	"fmt"
	"sync/atomic"
)

// The walk's limits and checks: how deep indexes nest, what a manifest is
// against what it is listed as, and whether the registry serves the
// package at all.

// MaxDepth bounds how deeply a walk follows indexes nested in indexes: a
// manifest MaxDepth levels below the root is recorded, but what it lists is
// not walked, and the image is reported not whole with the reason
// (Image.Err, an error matching ErrTooDeep), never a crash. Real images nest
// one or two levels; a deeper chain is a registry that looks wrong. Apply
// walks on through deleted nested indexes (whose children are known only
// once they are restored) at most MaxDepth rounds.
const MaxDepth = 32

// ErrTooDeep matches the reason of an image whose indexes nest deeper than
// MaxDepth.
var ErrTooDeep = errors.New("indexes nested deeper than image.MaxDepth")

// node is one manifest the walk visits: its descriptor, what it is to the
// image, and where it hangs.
type node struct {
	d        Descriptor
	role     Role
	platform string
	parent   string
	depth    int
	// listed: d.MediaType is what the index listing it says, to be checked
	// against what the manifest is.
	listed bool
}

// servedCount is how many manifests that active versions hold a walk asked
// the registry for, and how many it served (answered other than "manifest
// unknown"). A registry that serves none of them is the wrong one.
type servedCount struct {
	asked, served atomic.Int64
}

// contradicts returns an error matching ErrMediaTypeMismatch when the index
// that lists a manifest says it is an index and it is an image manifest, or
// the other way round.
func contradicts(n node, got string) error {
	if !n.listed {
		return nil
	}
	listed, is := kindOf(n.d.MediaType), kindOf(got)
	if listed == kindUnknown || is == kindUnknown || listed == is {
		return nil
	}
	return fmt.Errorf("%w: %s is listed by %s as %q, but it is %q", ErrMediaTypeMismatch, n.d.Digest, n.parent, n.d.MediaType, got)
}
