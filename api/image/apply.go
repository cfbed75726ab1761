package image

import (
	"context"
	"errors"
	"fmt"

	"github.com/ghpackages/restore/api"
)

// Restored is the outcome of one version restore of Apply.
type Restored struct {
	VersionID int64       `json:"version_id"`
	Digest    string      `json:"digest"`
	Role      Role        `json:"role"`
	Platform  string      `json:"platform,omitempty"`
	Outcome   api.Outcome `json:"outcome"`
	Err       error       `json:"-"`
	Error     string      `json:"error,omitempty"`
}

// Result is what Apply did: every restore, and the images as it left them
// (restored manifests in StateRestored, deleted roots walked on).
type Result struct {
	Plan     Plan       `json:"plan"`
	Restores []Restored `json:"restores"`
}

// Failed counts the restores that failed.
func (r Result) Failed() int {
	n := 0
	for _, x := range r.Restores {
		if x.Err != nil {
			n++
		}
	}
	return n
}

// maxRounds bounds how deep Apply walks on through deleted indexes.
const maxRounds = 8

// Apply restores what the plan says is deleted, each version once, through
// the api client's restore (paced, retried, idempotent: a version already
// active is OutcomeAlreadyActive). A deleted root is restored first; then
// its manifests are walked and what of them is deleted is restored in turn,
// until nothing new is found. A version whose digest an active version
// holds (api.ErrNamespaceReused) counts as satisfied. progress, if not nil,
// is called after each restore. The error is the context's, if it ended the
// run; failed restores are in Result.
func (r *Restorer) Apply(ctx context.Context, p Plan, progress func(Restored)) (Result, error) {
	w, err := r.planner(ctx)
	if err != nil {
		return Result{Plan: p}, err
	}
	w.poll, w.restored = r.poll, map[string]bool{}
	res := Result{}
	done := map[int64]*Restored{}
	cur := p
	for range maxRounds {
		todo := cur.Restores()
		n := 0
		for _, e := range todo {
			if done[e.VersionID] != nil {
				continue
			}
			n++
			x := Restored{VersionID: e.VersionID, Digest: e.Digest, Role: e.Role, Platform: e.Platform}
			out, err := r.gh.RestoreVersion(ctx, r.pkg, e.VersionID)
			x.Outcome = out
			switch {
			case err == nil:
				w.versions.restored(e.VersionID)
				w.restored[e.Digest] = true
			case errors.Is(err, api.ErrNamespaceReused):
				x.Outcome = api.OutcomeAlreadyActive
			default:
				x.Err, x.Error, x.Outcome = err, err.Error(), api.OutcomeFailed
			}
			res.Restores = append(res.Restores, x)
			done[e.VersionID] = &res.Restores[len(res.Restores)-1]
			if progress != nil {
				progress(x)
			}
			if ctx.Err() != nil {
				res.Plan = mark(cur, done)
				return res, ctx.Err()
			}
		}
		if n == 0 {
			break
		}
		// Walk on through what the restores made readable.
		next := Plan{Package: cur.Package, Scanned: cur.Scanned}
		for _, img := range cur.Images {
			if img.Pending || restoredIndex(img, done) {
				walked := w.plan(ctx, img.Root)
				if len(img.Tags) > len(walked.Tags) {
					walked.Tags = img.Tags
				}
				img = walked
			}
			next.Images = append(next.Images, img)
		}
		cur = next
	}
	res.Plan = mark(cur, done)
	return res, ctx.Err()
}

// restoredIndex reports whether a restore of this round made an index of
// img readable, whose children the plan could not know.
func restoredIndex(img Image, done map[int64]*Restored) bool {
	for _, e := range img.Manifests {
		if d := done[e.VersionID]; d != nil && d.Err == nil && e.State == StateDeleted && (e.Role == RoleIndex || e.Role == RoleImage || e.MediaType == MediaTypeOCIIndex) {
			return true
		}
	}
	return false
}

// mark sets the state of the entries Apply restored or failed to restore.
func mark(p Plan, done map[int64]*Restored) Plan {
	out := Plan{Package: p.Package, Scanned: p.Scanned}
	for _, img := range p.Images {
		ms := make([]Entry, len(img.Manifests))
		for k, e := range img.Manifests {
			if d := done[e.VersionID]; d != nil && e.VersionID != 0 && (e.State == StateDeleted || e.State == StatePresent) {
				if d.Err != nil {
					e.State, e.Err = StateFailed, d.Error
				} else {
					e.State, e.Why = StateRestored, fmt.Sprintf("version %d restored", e.VersionID)
					if d.Outcome != api.OutcomeRestored {
						e.Why = fmt.Sprintf("version %d: %s", e.VersionID, d.Outcome)
					}
				}
			}
			ms[k] = e
		}
		img.Manifests = ms
		out.Images = append(out.Images, img)
	}
	return out
}
