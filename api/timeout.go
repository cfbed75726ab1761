package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// TimerClock is a Clock that can also run a function after a duration, like
// time.AfterFunc. The attempt bound (WithAttemptTimeout) runs on the
// client's Clock when it is a TimerClock, so that with a fake clock the
// bound fires only when the fake time passes it: a fake clock whose Sleep
// returns at once should be one. With a Clock that is not a TimerClock the
// bound runs on Go's own timers, in real time.
type TimerClock interface {
	Clock
	// AfterFunc calls f in its own goroutine once d has passed on the
	// clock. stop cancels it, and reports whether it had not run yet.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// timeoutTransport bounds each attempt, from sending to closing the body.
type timeoutTransport struct {
	next  http.RoundTripper
	after time.Duration
	clock Clock
	err   *attemptTimeoutError // the cause of a timed-out attempt's context
}

// Format keeps the fields out of %v.
func (t *timeoutTransport) Format(f fmt.State, _ rune) { fmt.Fprint(f, "api.timeoutTransport{}") }

// start returns the attempt's context, which is cancelled with t.err once
// t.after has passed on the clock, and the function that ends the attempt.
func (t *timeoutTransport) start(parent context.Context) (context.Context, context.CancelFunc) {
	clk, ok := t.clock.(TimerClock)
	if !ok {
		// SystemClock, or a clock that cannot schedule: Go's timers.
		return context.WithTimeoutCause(parent, t.after, t.err)
	}
	ctx, cancel := context.WithCancelCause(parent)
	stop := clk.AfterFunc(t.after, func() { cancel(t.err) })
	return ctx, func() { stop(); cancel(context.Canceled) }
}

// RoundTrip sends req under the attempt's bound; the body stays under it
// until it is closed.
func (t *timeoutTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, stop := t.start(req.Context())
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		timedOut := context.Cause(ctx) == error(t.err)
		stop()
		if timedOut {
			return nil, t.err
		}
		return nil, err
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		stop()
		return resp, nil
	}
	resp.Body = &timedBody{rc: resp.Body, ctx: ctx, stop: stop, err: t.err}
	return resp, nil
}

// timedBody reports a read cut by the attempt's bound as the bound's error,
// and ends the attempt when closed.
type timedBody struct {
	rc   io.ReadCloser
	ctx  context.Context
	stop context.CancelFunc
	err  *attemptTimeoutError
}

// Read reads the body; a read cut by the attempt's bound fails with
// ErrAttemptTimeout.
func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF && context.Cause(b.ctx) == error(b.err) {
		err = b.err
	}
	return n, err
}

// Close closes the body and ends the attempt.
func (b *timedBody) Close() error {
	err := b.rc.Close()
	b.stop()
	return err
}
