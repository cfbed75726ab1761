package wire

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Timeout bounds each attempt, from sending to closing the body: headers
// and body together. The bound runs on Clock when it is a TimerClock (so
// that a fake clock decides when it fires), else on Go's timers. An attempt
// cut by it fails with Err, which the client's classifier retries like a
// network error.
type Timeout struct {
	Next  http.RoundTripper
	After time.Duration
	Clock Clock
	Err   error // the error of a timed-out attempt (matches the client's sentinel)
}

// Format keeps the fields out of %v.
func (t *Timeout) Format(f fmt.State, _ rune) { fmt.Fprint(f, "wire.Timeout{}") }

// start returns the attempt's context, which is cancelled with t.Err once
// t.After has passed on the clock, and the function that ends the attempt.
func (t *Timeout) start(parent context.Context) (context.Context, context.CancelFunc) {
	clk, ok := t.Clock.(TimerClock)
	if !ok {
		return context.WithTimeoutCause(parent, t.After, t.Err)
	}
	ctx, cancel := context.WithCancelCause(parent)
	stop := clk.AfterFunc(t.After, func() { cancel(t.Err) })
	return ctx, func() { stop(); cancel(context.Canceled) }
}

// RoundTrip sends req under the attempt's bound; the body stays under it
// until it is closed.
func (t *Timeout) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, stop := t.start(req.Context())
	resp, err := t.Next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		timedOut := context.Cause(ctx) == t.Err
		stop()
		if timedOut {
			return nil, t.Err
		}
		return nil, err
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		stop()
		return resp, nil
	}
	resp.Body = &timedBody{rc: resp.Body, ctx: ctx, stop: stop, err: t.Err}
	return resp, nil
}

// timedBody reports a read cut by the attempt's bound as the bound's error,
// and ends the attempt when closed.
type timedBody struct {
	rc   io.ReadCloser
	ctx  context.Context
	stop context.CancelFunc
	err  error
}

// Read reads the body; a read cut by the attempt's bound fails with the
// bound's error.
func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF && context.Cause(b.ctx) == b.err {
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
