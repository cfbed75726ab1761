package wire

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Limits on the wire: writes one at a time and paced, reads under a budget.

func attemptOf(f func(*http.Request) int, req *http.Request) int {
	if f == nil {
		return 0
	}
	return f(req)
}

// Pacer sends mutating requests one at a time, at least interval apart
// (from the answer to one to the start of the next). It sits below the
// retry layer, so that the gap holds between the attempts of one call too.
// Reads pass through.
type Pacer struct {
	next     http.RoundTripper
	interval time.Duration
	W        *Waiter
	Attempt  func(*http.Request) int // the attempt a request is on, for WaitEvent (nil: 0)
	sem      chan struct{}
	last     time.Time // guarded by sem
}

// NewPacer paces next's writes interval apart (0: no pacing).
func NewPacer(next http.RoundTripper, interval time.Duration, w *Waiter, attempt func(*http.Request) int) *Pacer {
	return &Pacer{next: next, interval: interval, W: w, Attempt: attempt, sem: make(chan struct{}, 1)}
}

// Format keeps the fields, and below them the token, out of %v.
func (p *Pacer) Format(f fmt.State, _ rune) { fmt.Fprint(f, "wire.Pacer{}") }

// RoundTrip paces mutating requests and passes reads through.
func (p *Pacer) RoundTrip(req *http.Request) (*http.Response, error) {
	if p.interval <= 0 || !IsMutating(req.Method) {
		return p.next.RoundTrip(req)
	}
	ctx := req.Context()
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		closeBody(req)
		return nil, ctx.Err()
	}
	defer func() { <-p.sem }()
	if !p.last.IsZero() {
		if wait := p.last.Add(p.interval).Sub(p.W.Clock.Now()); wait > 0 {
			ev := WaitEvent{Method: req.Method, Path: req.URL.EscapedPath(), Attempt: attemptOf(p.Attempt, req), Reason: ReasonPacing, Wait: wait}
			if err := p.W.Wait(ctx, ev); err != nil {
				closeBody(req)
				return nil, err
			}
		}
	}
	resp, err := p.next.RoundTrip(req)
	p.last = p.W.Clock.Now()
	return resp, err
}

// ReadBudget bounds reads: at most cap(slots) in flight (until the body is
// closed), and at most perMin started in any minute on the Clock. A read
// that must wait for the minute's budget first lets the reads already
// started reach the server, so that the server, too, never counts more than
// perMin in a minute of the clock. Writes pass through.
type ReadBudget struct {
	next    http.RoundTripper
	W       *Waiter
	Attempt func(*http.Request) int // the attempt a request is on, for WaitEvent (nil: 0)
	slots   chan struct{}

	mu      sync.Mutex
	perMin  int
	starts  []time.Time // a ring of the last perMin starts, oldest at head
	head    int
	transit int           // reads started whose answer has not come yet
	landed  chan struct{} // made for a waiting read, closed when transit drops to 0
}

// NewReadBudget bounds next's reads to inFlight at once and perMin started
// in any minute of w's clock.
func NewReadBudget(next http.RoundTripper, w *Waiter, inFlight, perMin int, attempt func(*http.Request) int) *ReadBudget {
	return &ReadBudget{next: next, W: w, Attempt: attempt, slots: make(chan struct{}, inFlight), perMin: perMin}
}

// Format keeps the fields out of %v.
func (b *ReadBudget) Format(f fmt.State, _ rune) { fmt.Fprint(f, "wire.ReadBudget{}") }

// RoundTrip waits for a slot and the per-minute budget, then sends.
func (b *ReadBudget) RoundTrip(req *http.Request) (*http.Response, error) {
	if IsMutating(req.Method) {
		return b.next.RoundTrip(req)
	}
	ctx := req.Context()
	select {
	case b.slots <- struct{}{}:
	case <-ctx.Done():
		closeBody(req)
		return nil, ctx.Err()
	}
	for {
		wait, landed := b.take()
		if wait <= 0 {
			break
		}
		var err error
		if landed != nil {
			// Reads are on their way: let them arrive, then look again.
			select {
			case <-landed:
			case <-ctx.Done():
				err = ctx.Err()
			}
		} else {
			ev := WaitEvent{Method: req.Method, Path: req.URL.EscapedPath(), Attempt: attemptOf(b.Attempt, req), Reason: ReasonReadBudget, Wait: wait}
			err = b.W.Wait(ctx, ev)
		}
		if err != nil {
			<-b.slots
			closeBody(req)
			return nil, err
		}
	}
	resp, err := b.next.RoundTrip(req)
	b.arrived()
	if err != nil {
		<-b.slots
		return nil, err
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		<-b.slots
		return resp, nil
	}
	resp.Body = &releaseBody{ReadCloser: resp.Body, release: func() { <-b.slots }}
	return resp, nil
}

// take records a start now and returns 0, or returns how long to wait for
// the oldest start of the last minute to leave the window, and while reads
// are in transit a channel closed when they have all been answered.
func (b *ReadBudget) take() (time.Duration, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.W.Clock.Now()
	if len(b.starts) < b.perMin {
		b.starts = append(b.starts, now)
		b.depart()
		return 0, nil
	}
	oldest := b.starts[b.head]
	if wait := oldest.Add(time.Minute).Sub(now); wait > 0 {
		if b.transit > 0 && b.landed == nil {
			b.landed = make(chan struct{})
		}
		return wait, b.landed
	}
	b.starts[b.head] = now
	b.head = (b.head + 1) % b.perMin
	b.depart()
	return 0, nil
}

// depart counts a read in transit; b.mu is held.
func (b *ReadBudget) depart() { b.transit++ }

// arrived counts a read answered (or failed).
func (b *ReadBudget) arrived() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.transit--; b.transit == 0 && b.landed != nil {
		close(b.landed)
		b.landed = nil
	}
}

// releaseBody calls release once, when the body is closed.
type releaseBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

// Close closes the body and releases its slot.
func (r *releaseBody) Close() error {
	err := r.ReadCloser.Close()
	r.once.Do(r.release)
	return err
}
