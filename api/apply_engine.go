package api

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/ghpackages/restore/internal/wire"
)

// OutcomeNotTried is what a journal records for a restore that Apply was
// about to send when its context ended while the request still waited (for
// pacing, the rate-limit gate or the read budget): it never left the
// client. It is not done, and a later run sends it as for the first time.
const OutcomeNotTried Outcome = "not_tried"

// ApplyItems restores items, one at a time through the client's pacing and
// retries, with the engine Apply uses for a Plan (journal, resume, report):
// it is how api/image applies an image plan, whose manifests are versions
// too. Each item names its package and version id; Reasons say why it is
// restored. Items are sent in order, each (package, id) once.
//
// When the items run out, opts.More (if set) is asked for further items
// given this round's results: a caller that learns what to restore next
// only from what was restored (the children of a deleted index) walks on
// that way. Apply stops when More returns nothing new.
//
// The error is non-nil when an item is invalid (nothing is sent), when the
// journal cannot be written, when More fails, or when ctx ends: the report
// then names the restore that had been sent (InFlight) and those that were
// not (NotTried), including one that was still waiting for pacing or a
// rate-limit gate.
func (c *Client) ApplyItems(ctx context.Context, items []PlanItem, opts *ApplyOptions) (Report, error) {
	for _, it := range items {
		if err := it.Package.Validate(); err != nil {
			return Report{}, err
		}
		if err := validateVersionID(it.ID); err != nil {
			return Report{}, err
		}
	}
	e := newEngine(c, opts)
	first := make([]target, len(items))
	for i, it := range items {
		first[i] = target{item: it}
	}
	return e.run(ctx, first, e.publicMore())
}

// target is one restore the engine sends: a version, or (whole) the
// package itself.
type target struct {
	item  PlanItem
	whole bool
}

func (t target) key() journalKey {
	if t.whole {
		return journalKey{t.item.Package, 0}
	}
	return journalKey{t.item.Package, t.item.ID}
}

// engine is one Apply: its options, its report and what it has queued.
type engine struct {
	c     *Client
	o     ApplyOptions
	rep   Report
	queue []target
	seen  map[journalKey]bool
	// round is where this round's results start in rep.Results.
	round int
	// done and total count the versions, for Progress.
	done, total int
}

func newEngine(c *Client, opts *ApplyOptions) *engine {
	e := &engine{c: c, seen: map[journalKey]bool{}, rep: Report{Results: []Result{}}}
	if opts != nil {
		e.o = *opts
	}
	return e
}

// publicMore asks ApplyOptions.More for the next round.
func (e *engine) publicMore() func(context.Context) ([]target, error) {
	if e.o.More == nil {
		return nil
	}
	return func(ctx context.Context) ([]target, error) {
		items, err := e.o.More(ctx, slices.Clone(e.rep.Results[e.round:]))
		if err != nil {
			return nil, err
		}
		out := make([]target, 0, len(items))
		for _, it := range items {
			if err := it.Package.Validate(); err != nil {
				return nil, err
			}
			if err := validateVersionID(it.ID); err != nil {
				return nil, err
			}
			out = append(out, target{item: it})
		}
		return out, nil
	}
}

// add queues the targets not queued before.
func (e *engine) add(ts []target) int {
	n := 0
	for _, t := range ts {
		if e.seen[t.key()] {
			continue
		}
		e.seen[t.key()] = true
		e.queue = append(e.queue, t)
		if !t.whole {
			e.total++
		}
		n++
	}
	return n
}

// run sends the queue, asking more for further targets when it runs out.
func (e *engine) run(ctx context.Context, first []target, more func(context.Context) ([]target, error)) (Report, error) {
	e.add(first)
	for i := 0; ; i++ {
		if i == len(e.queue) {
			if more == nil || ctx.Err() != nil {
				break
			}
			next, err := more(ctx)
			if err != nil {
				return e.rep, err
			}
			e.round = len(e.rep.Results)
			if e.add(next) == 0 {
				break
			}
		}
		t := e.queue[i]
		if err := ctx.Err(); err != nil {
			e.rep.NotTried = e.left(e.queue[i:])
			return e.rep, err
		}
		r, sent, err := e.one(ctx, t)
		if err != nil {
			switch {
			case r.Outcome != "":
				// GitHub answered; only the journal failed to record it.
				e.count(t, r)
				e.rep.NotTried = e.left(e.queue[i+1:])
			case ctx.Err() != nil && sent:
				e.rep.InFlight = []PlanItem{t.item}
				e.rep.NotTried = e.left(e.queue[i+1:])
			default:
				// Never sent: ctx ended while it waited (pacing, a gate),
				// or the journal failed before it was sent.
				e.rep.NotTried = e.left(e.queue[i:])
			}
			return e.rep, err
		}
		e.count(t, r)
	}
	return e.rep, ctx.Err()
}

// count adds a result to the report and tells Progress.
func (e *engine) count(t target, r Result) {
	if t.whole {
		return // restorePackage reported it
	}
	e.rep.Results = append(e.rep.Results, r)
	e.done++
	if e.o.Progress != nil {
		e.o.Progress(Progress{Done: e.done, Total: e.total, Result: r})
	}
}

// left is what of ts is still to do: what the journal does not record as
// done (or what was deleted again since).
func (e *engine) left(ts []target) []PlanItem {
	var out []PlanItem
	for _, t := range ts {
		if _, skip, _ := e.lookup(t); !skip {
			out = append(out, t.item)
		}
	}
	return out
}

// lookup says what the journal knows of t: skip when it records t as done
// and t was not deleted again after that entry (redeleted), and whether an
// earlier run sent t without hearing back (sentBefore).
func (e *engine) lookup(t target) (entry JournalEntry, skip, sentBefore bool) {
	if e.o.Journal == nil {
		return JournalEntry{}, false, false
	}
	k := t.key()
	entry, ok := e.o.Journal.Lookup(k.pkg, k.id)
	if !ok {
		return entry, false, false
	}
	return entry, done(entry.Outcome) && !redeleted(t.item, entry), entry.Outcome == OutcomeUnknown
}

// redeleted reports whether the item was deleted after the journal entry
// that recorded it done: a new deletion (a cleanup ran again).
func redeleted(it PlanItem, entry JournalEntry) bool {
	return done(entry.Outcome) && !it.DeletedAt.IsZero() && !entry.At.IsZero() && it.DeletedAt.After(entry.At)
}

func (e *engine) record(k journalKey, out Outcome, err error) error {
	if e.o.Journal == nil {
		return nil
	}
	entry := JournalEntry{Package: k.pkg, ID: k.id, Outcome: out, At: e.c.clock.Now().UTC()}
	if err != nil {
		entry.Error = err.Error()
	}
	return e.o.Journal.Record(entry)
}

// one sends one restore. sent says whether its request left the client.
// The error is non-nil only when ctx ended before an answer (the Result is
// zero), or the journal failed: before sending (the Result is zero) or
// after the answer (the Result has it).
func (e *engine) one(ctx context.Context, t target) (Result, bool, error) {
	entry, skip, sentBefore := e.lookup(t)
	if skip {
		if t.whole {
			e.rep.Packages = append(e.rep.Packages, PackageResult{Package: t.item.Package, Outcome: entry.Outcome, Resumed: true})
			return Result{Item: t.item, Outcome: entry.Outcome, Resumed: true}, false, nil
		}
		e.rep.Skipped++
		return Result{Item: t.item, Outcome: entry.Outcome, Resumed: true}, false, nil
	}
	k := t.key()
	if sentBefore && !t.whole {
		// An earlier run sent this restore and never heard back: if the
		// version is active now, that restore took effect, and sending it
		// again would only be answered "already active".
		if v, err := e.c.GetVersion(ctx, t.item.Package, t.item.ID); err == nil {
			r := Result{Item: t.item, Outcome: OutcomeAlreadyActive}
			if r.Item.Name == "" {
				r.Item = named(r.Item, v)
			}
			e.rep.AlreadyActive++
			return r, false, e.record(k, r.Outcome, nil)
		} else if ctx.Err() != nil {
			return Result{}, false, ctx.Err()
		}
	}
	if err := e.record(k, OutcomeUnknown, nil); err != nil {
		return Result{}, false, err
	}
	sent := &attempts{}
	sctx := wire.WithSent(ctx, func() {
		if sent.left() && e.o.Sending != nil && !t.whole {
			e.o.Sending(Progress{Done: e.done, Total: e.total, Result: Result{Item: t.item}})
		}
	})
	sctx = wire.WithAnswered(sctx, sent.answered)
	if t.whole {
		return e.restorePackage(ctx, sctx, t, sentBefore, sent)
	}
	out, err := e.c.RestoreVersion(sctx, t.item.Package, t.item.ID)
	if err != nil && ctx.Err() != nil {
		return Result{}, e.interrupted(k, sent), ctx.Err()
	}
	r := Result{Item: t.item, Outcome: out, Err: err, Redeleted: done(entry.Outcome)}
	switch {
	case errors.Is(err, ErrOutcomeUnknown):
		r.Outcome = OutcomeUnknown
		e.rep.Unknown++
	case errors.Is(err, ErrNamespaceReused) && e.o.NameTakenIsDone:
		r.Outcome, r.Err = OutcomeAlreadyActive, nil
		e.rep.AlreadyActive++
	case err != nil:
		r.Outcome = OutcomeFailed
		e.rep.Failed++
	case out == OutcomeAlreadyActive:
		e.rep.AlreadyActive++
	default:
		e.rep.Restored++
	}
	if r.Err == nil && r.Item.Name == "" {
		r.Item = e.name(ctx, r.Item)
	}
	return r, true, e.record(k, r.Outcome, r.Err)
}

// name fills in the name, digest and tags of an item planned from an id
// that could not be listed (MakePlan without delete:packages), by looking
// the version up once it is active again, so that reports name what came
// back. A failed look-up leaves the item as it is: the restore stands.
func (e *engine) name(ctx context.Context, it PlanItem) PlanItem {
	v, err := e.c.getVersion(ctx, it.Package, it.ID)
	if err != nil {
		return it
	}
	return named(it, v)
}

// named is it with v's name, digest and tags.
func named(it PlanItem, v Version) PlanItem {
	it.Name, it.Digest, it.Tags = v.Name, v.Digest, slices.Clone(v.Tags)
	return it
}

// attempts follows the attempts of one restore, for an interruption: it
// may have taken effect when an attempt left and no answer came yet, or
// when an answer left the effect uncertain (a dropped connection, a 5xx).
// A restore whose every answer refused it (a rate limit) and that was
// waiting to be sent again did not take effect: it is not tried.
type attempts struct {
	mu                   sync.Mutex
	sent, pending, maybe bool
}

// left notes an attempt leaving the client; it reports whether it is the
// first.
func (a *attempts) left() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	first := !a.sent
	a.sent, a.pending = true, true
	return first
}

// answered notes an answer after which the restore is sent again.
func (a *attempts) answered(uncertain bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pending = false
	a.maybe = a.maybe || uncertain
}

// mayHaveTakenEffect reports whether the restore may have taken effect.
func (a *attempts) mayHaveTakenEffect() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pending || a.maybe
}

// interrupted records, for a restore whose ctx ended before a final
// answer, whether it may have taken effect (an attempt in flight, or an
// uncertain answer): if not, the journal says not tried (best effort:
// "unknown", recorded before, is safe too).
func (e *engine) interrupted(k journalKey, sent *attempts) bool {
	if sent.mayHaveTakenEffect() {
		return true
	}
	_ = e.record(k, OutcomeNotTried, nil)
	return false
}

// restorePackage restores a package deleted whole and records it in the
// report. A failure is in the report; the error is non-nil only when ctx
// ended or the journal failed.
func (e *engine) restorePackage(ctx, sctx context.Context, t target, sentBefore bool, sent *attempts) (Result, bool, error) {
	pkg := t.item.Package
	out, err := e.c.RestorePackage(sctx, pkg, nil)
	if err != nil && ctx.Err() != nil {
		return Result{}, e.interrupted(t.key(), sent), ctx.Err()
	}
	pr := PackageResult{Package: pkg, Outcome: out, Err: err}
	switch {
	case errors.Is(err, ErrNameInUse) && sentBefore:
		// An earlier run sent this restore and never heard back: the
		// package GitHub says is active is the one it restored.
		pr.Outcome, pr.Err = OutcomeAlreadyActive, nil
	case errors.Is(err, ErrOutcomeUnknown):
		pr.Outcome = OutcomeUnknown
	case errors.Is(err, ErrNotFound):
		pr.Outcome = OutcomeFailed
		pr.Err = fmt.Errorf("%s: no such package, or deleted more than 30 days ago: %w", pkg, err)
	case err != nil:
		pr.Outcome = OutcomeFailed
	}
	e.rep.Packages = append(e.rep.Packages, pr)
	return Result{Item: t.item, Outcome: pr.Outcome, Err: pr.Err}, true, e.record(t.key(), pr.Outcome, pr.Err)
}
