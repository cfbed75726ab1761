package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Limits on the wire: writes one at a time and paced, reads under a budget.

// waiter makes the client's waits: it reports each one (WithWaitHook, the
// logger) before it starts, then sleeps on the Clock.
type waiter struct {
	clock   Clock
	hook    func(WaitEvent)
	logger  *slog.Logger
	secrets *secrets
}

// Format keeps the fields out of %v.
func (w *waiter) Format(f fmt.State, _ rune) { fmt.Fprint(f, "api.waiter{}") }

// wait reports ev and sleeps ev.Wait, or until ctx is done.
func (w *waiter) wait(ctx context.Context, ev WaitEvent) error {
	ev.Until = w.clock.Now().Add(ev.Wait)
	ev.Path = w.secrets.redact(ev.Path) // a redirect's Location may have chosen it
	ev.RequestID = w.secrets.redact(ev.RequestID)
	if ev.Err != nil {
		ev.Err = w.secrets.redactError(ev.Err)
	}
	if w.hook != nil {
		w.hook(ev)
	}
	logWait(ctx, w.logger, ev)
	return w.clock.Sleep(ctx, ev.Wait)
}

// attemptOf is the attempt a facade request is on, 0 for another request.
func attemptOf(req *http.Request) int {
	if st := callStateFrom(req.Context()); st != nil {
		return st.attempt
	}
	return 0
}

// pacer sends mutating requests one at a time, at least interval apart
// (from the answer to one to the start of the next). It sits below the
// retry layer, so that the gap holds between the attempts of one call too.
// Reads pass through.
type pacer struct {
	next     http.RoundTripper
	interval time.Duration
	w        *waiter
	sem      chan struct{}
	last     time.Time // guarded by sem
}

// Format keeps the fields, and below them the token, out of %v.
func (p *pacer) Format(f fmt.State, _ rune) { fmt.Fprint(f, "api.pacer{}") }

// RoundTrip paces mutating requests and passes reads through.
func (p *pacer) RoundTrip(req *http.Request) (*http.Response, error) {
	if p.interval <= 0 || !isMutating(req.Method) {
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
		if wait := p.last.Add(p.interval).Sub(p.w.clock.Now()); wait > 0 {
			ev := WaitEvent{Method: req.Method, Path: req.URL.EscapedPath(), Attempt: attemptOf(req), Reason: ReasonPacing, Wait: wait}
			if err := p.w.wait(ctx, ev); err != nil {
				closeBody(req)
				return nil, err
			}
		}
	}
	resp, err := p.next.RoundTrip(req)
	p.last = p.w.clock.Now()
	return resp, err
}

// readBudget bounds reads: at most cap(slots) in flight (until the body is
// closed), and at most perMin started in any minute on the Clock. A read
// that must wait for the minute's budget first lets the reads already
// started reach the server, so that the server, too, never counts more than
// perMin in a minute of the clock. Writes pass through.
type readBudget struct {
	next  http.RoundTripper
	w     *waiter
	slots chan struct{}

	mu      sync.Mutex
	perMin  int
	starts  []time.Time // a ring of the last perMin starts, oldest at head
	head    int
	transit int           // reads started whose answer has not come yet
	landed  chan struct{} // made for a waiting read, closed when transit drops to 0
}

// Format keeps the fields out of %v.
func (b *readBudget) Format(f fmt.State, _ rune) { fmt.Fprint(f, "api.readBudget{}") }

// RoundTrip waits for a slot and the per-minute budget, then sends.
func (b *readBudget) RoundTrip(req *http.Request) (*http.Response, error) {
	if isMutating(req.Method) {
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
			ev := WaitEvent{Method: req.Method, Path: req.URL.EscapedPath(), Attempt: attemptOf(req), Reason: ReasonReadBudget, Wait: wait}
			err = b.w.wait(ctx, ev)
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
func (b *readBudget) take() (time.Duration, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.w.clock.Now()
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
func (b *readBudget) depart() { b.transit++ }

// arrived counts a read answered (or failed).
func (b *readBudget) arrived() {
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
