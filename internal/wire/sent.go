// Package wire is the toolkit both of the module's HTTP clients are built
// from: the REST client of package api and the registry client of package
// api/image are stacks of its parts, so that a promise one keeps the other
// keeps by construction.
package wire

import "context"

type sentKey struct{}

// WithSent returns a context whose requests call fn when they really leave
// the client: at the bottom of the stack, after pacing, the rate-limit gate
// and the read budget let them through, once per attempt. A caller that
// must tell "sent, outcome unknown" from "never sent" (an apply
// interrupted while a restore waited for pacing) sets it.
func WithSent(ctx context.Context, fn func()) context.Context {
	if fn == nil {
		return ctx
	}
	return context.WithValue(ctx, sentKey{}, fn)
}

// NoteSent calls the function WithSent set on ctx, if any. The bottom layer
// of each client's stack calls it just before handing a request to the
// caller's transport.
func NoteSent(ctx context.Context) {
	if fn, ok := ctx.Value(sentKey{}).(func()); ok {
		fn()
	}
}

type answeredKey struct{}

// WithAnswered returns a context whose requests call fn each time an
// attempt was answered and the retry loop is about to wait and send again:
// uncertain says whether that attempt may have taken effect (a dropped
// connection, a 5xx to a write) or surely did not (a rate limit refused
// it). With WithSent, a caller can tell a restore that may have taken
// effect from one that was refused and then waited when its context ended.
func WithAnswered(ctx context.Context, fn func(uncertain bool)) context.Context {
	if fn == nil {
		return ctx
	}
	return context.WithValue(ctx, answeredKey{}, fn)
}

// NoteAnswered calls the function WithAnswered set on ctx, if any. The
// retry loop calls it after classifying an attempt that will be retried.
func NoteAnswered(ctx context.Context, uncertain bool) {
	if fn, ok := ctx.Value(answeredKey{}).(func(bool)); ok {
		fn(uncertain)
	}
}
