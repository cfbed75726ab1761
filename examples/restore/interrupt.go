package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// stopGrace is how long the first Ctrl-C lets a restore in flight finish,
// so that its outcome is known, before the tool abandons it.
const stopGrace = 10 * time.Second

// stopper turns the first Ctrl-C into "stop after the restore in flight"
// when a restore is on the wire, and into "stop now" otherwise.
type stopper struct {
	mu        sync.Mutex
	requested bool
	cancel    context.CancelFunc
}

// stopRequested reports whether the user asked to stop after the restore in
// flight.
func (s *stopper) stopRequested() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requested
}

func (s *stopper) request() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requested = true
}

// watchInterrupts handles Ctrl-C. During a restore on the wire the first
// one lets it finish (up to stopGrace) and then stops; a second one, or one
// at any other moment (planning, a wait), stops at once: the request in
// flight is abandoned and reported with an unknown outcome. After that,
// Ctrl-C has its default action again.
func (c *cli) watchInterrupts(ctx context.Context) {
	if c.interrupts == nil {
		return
	}
	select {
	case <-ctx.Done():
		return
	case <-c.interrupts:
	}
	if c.rep != nil && c.rep.onTheWire() {
		c.stop.request()
		// On stderr, with --json too (stdout holds only events).
		c.rep.note(fmt.Sprintf("Stopping after the restore in flight (up to %s; Ctrl-C again to abandon it)…", stopGrace))
		t := time.NewTimer(stopGrace)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-c.interrupts:
		case <-t.C:
		}
	}
	c.stop.cancel()
	if c.stopSignals != nil {
		c.stopSignals()
	}
}
