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
