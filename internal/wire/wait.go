package wire

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// WaitReason says why a client waits.
type WaitReason string

// Reasons for a wait.
const (
	ReasonServerError      WaitReason = "server error"             // 500, 502, 503, 504: backoff, then retry
	ReasonNetwork          WaitReason = "network error"            // connection refused, reset, dropped: backoff, then retry
	ReasonTimeout          WaitReason = "attempt timed out"        // no complete answer within the attempt bound: backoff, then retry
	ReasonSecondaryLimit   WaitReason = "secondary rate limit"     // 403/429 with GitHub's secondary-limit answer
	ReasonPrimaryLimit     WaitReason = "primary rate limit"       // x-ratelimit-remaining: 0, until x-ratelimit-reset
	ReasonTransientRestore WaitReason = "transient restore answer" // GitHub's "try again later" answers to a restore
	ReasonGate             WaitReason = "primary limit gate"       // a call waits at the local gate for the primary limit's reset
	ReasonPacing           WaitReason = "write pacing"             // the least gap between two writes
	ReasonReadBudget       WaitReason = "read budget"              // the per-minute read budget is spent
	ReasonRegistryLimit    WaitReason = "registry rate limit"      // a container registry answered 429 (Retry-After, or its body's retry-after)
)

// WaitEvent describes one wait, before it starts, for a wait hook and logs.
type WaitEvent struct {
	Method string
	Path   string // escaped request path
	// Attempt is the attempt the wait comes before, from 1: 2 for the wait
	// after a first attempt failed, 1 for a first attempt held back by the
	// gate, pacing or the read budget; 0 when nothing counts the request's
	// attempts.
	Attempt int
	Reason  WaitReason
	Status  int // the server's status that caused the wait; 0 for a network error, a timeout, the gate, pacing and the read budget
	Wait    time.Duration
	// Until is when the wait ends, on the client's Clock.
	Until     time.Time
	RequestID string // the server's request id of the answer that caused the wait (X-GitHub-Request-Id)
	Err       error  // the network error or timeout, if any, its text masked
}

// Waiter makes a client's waits: it reports each one (Hook, Logger) before
// it starts, its text masked by Secrets, then sleeps on Clock.
type Waiter struct {
	Clock   Clock
	Hook    func(WaitEvent)
	Logger  *slog.Logger // nil: no log
	Secrets *Secrets
}

// Format keeps the fields out of %v.
func (w *Waiter) Format(f fmt.State, _ rune) { fmt.Fprint(f, "wire.Waiter{}") }

// Wait reports ev and sleeps ev.Wait, or until ctx is done.
func (w *Waiter) Wait(ctx context.Context, ev WaitEvent) error {
	ev.Until = w.Clock.Now().Add(ev.Wait)
	ev.Path = w.Secrets.Redact(ev.Path) // a redirect's Location may have chosen it
	ev.RequestID = w.Secrets.Redact(ev.RequestID)
	if ev.Err != nil {
		ev.Err = w.Secrets.RedactError(ev.Err)
	}
	if w.Hook != nil {
		w.Hook(ev)
	}
	if w.Logger != nil {
		logWait(ctx, w.Logger, ev)
	}
	return w.Clock.Sleep(ctx, ev.Wait)
}

// logWait logs a wait at Info, before it starts.
func logWait(ctx context.Context, l *slog.Logger, ev WaitEvent) {
	if !l.Enabled(ctx, slog.LevelInfo) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", ev.Method), slog.String("path", ev.Path),
		slog.Int("attempt", ev.Attempt), slog.String("reason", string(ev.Reason)),
		slog.Duration("wait", ev.Wait),
	}
	if ev.Status != 0 {
		attrs = append(attrs, slog.Int("status", ev.Status))
	}
	if ev.RequestID != "" {
		attrs = append(attrs, slog.String("request_id", ev.RequestID))
	}
	if ev.Err != nil {
		attrs = append(attrs, slog.String("error", ev.Err.Error()))
	}
	l.LogAttrs(ctx, slog.LevelInfo, "waiting", attrs...)
}
