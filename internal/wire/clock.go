package wire

import (
	"context"
	"time"
)

// Clock is the source of time behind every wait of a client: retries,
// rate-limit waits, pacing and the read budget. Tests inject a fake one so
// that nothing sleeps for real.
type Clock interface {
	Now() time.Time
	// Sleep waits for d, or until ctx is done, when it returns ctx.Err().
	Sleep(ctx context.Context, d time.Duration) error
}

// TimerClock is a Clock that can also run a function after a duration, like
// time.AfterFunc. The attempt bound runs on a client's Clock when it is a
// TimerClock, so that with a fake clock the bound fires only when the fake
// time passes it. With a Clock that is not a TimerClock the bound runs on
// Go's own timers, in real time.
type TimerClock interface {
	Clock
	// AfterFunc calls f in its own goroutine once d has passed on the
	// clock. stop cancels it, and reports whether it had not run yet.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now is time.Now.
func (SystemClock) Now() time.Time { return time.Now() }

// Sleep waits for d on a timer, or until ctx is done.
func (SystemClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
