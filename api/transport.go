package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/ghpackages/restore/internal/wire"
)

// The client's transport is a stack of small RoundTrippers, from the top:
//
//	wire.Retry        retries and waits, with GitHub's classifier and the gate (githubRetry: retry.go, ratelimit.go);
//	                  reads a GET's body within its attempt
//	redirectTransport GitHub's redirect rules on the API's own origin only (redirect.go)
//	wire.ReadBudget   reads: a few in flight, a bounded number a minute (WithReadBudget; none with WithoutReadBudget)
//	wire.Pacer        writes: one at a time, a least gap apart (WithWritePacing)
//	wire.Timeout      bounds each attempt, headers and body, on the Clock (WithAttemptTimeout)
//	headerTransport   GitHub's headers, and the token for the API's origin only (this file); wire.NoteSent
//	(the caller's transport, or a tuned http.Transport)
//
// The parts named wire.* are internal/wire's, shared with the registry
// client of api/image, which is a stack of the same parts.

// callState is what the layers of one call tell the facade: set in the
// request context by the facade, absent when the transport is used alone.
type callState struct {
	uncertain bool // an attempt may have taken effect without a clear answer
	tokenKind TokenKind
	attempt   int // the attempt being sent, from 1
}

type callStateKey struct{}

// callContext carries a callState: one allocation per call instead of a
// context.WithValue and a state.
type callContext struct {
	context.Context
	st callState
}

// Value returns the call state for callStateKey, else asks the parent.
func (c *callContext) Value(key any) any {
	if key == (callStateKey{}) {
		return &c.st
	}
	return c.Context.Value(key)
}

// newCall returns a context for one facade call and its state.
func newCall(ctx context.Context) (context.Context, *callState) {
	c := &callContext{Context: ctx}
	return c, &c.st
}

func callStateFrom(ctx context.Context) *callState {
	st, _ := ctx.Value(callStateKey{}).(*callState)
	return st
}

// secrets are the tokens the client knows: the static one, and those a
// token source gave (wire.Secrets). Text the client reports has them masked,
// with anything shaped like a GitHub token and Bearer and Basic
// credentials. They sit behind a pointer, so that no formatting of the
// client reaches them.
type secrets struct{ w *wire.Secrets }

func newSecrets(static string) *secrets { return &secrets{w: wire.NewSecrets(static)} }

// Format keeps the tokens out of every form of %v.
func (s *secrets) Format(f fmt.State, _ rune) { fmt.Fprint(f, "api.secrets{}") }

// sawToken remembers a token a token source gave.
func (s *secrets) sawToken(tok string) { s.w.Saw(tok) }

// redact masks the known tokens and anything shaped like a GitHub token or
// credentials.
func (s *secrets) redact(text string) string {
	if s == nil {
		return wire.Redact(text)
	}
	return s.w.Redact(text)
}

// redactError masks the known tokens in err's text.
func (s *secrets) redactError(err error) error {
	if s == nil {
		return wire.RedactError(err)
	}
	return s.w.RedactError(err)
}

var errTokenSource = errors.New("the token source failed")

// headerTransport sets GitHub's headers on every request, and the token only
// on requests to the configured scheme and host (with its port).
type headerTransport struct {
	next        http.RoundTripper
	scheme      string
	host        string
	accept      []string
	apiVersion  []string
	userAgent   []string
	auth        []string // "Bearer …" for a static token; nil otherwise
	kind        TokenKind
	tokenSource oauth2.TokenSource
	secrets     *secrets
}

// Format keeps the token out of every form of %v.
func (t *headerTransport) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "api.headerTransport{host: %s, token: %s}", t.host, t.kind)
}

// RoundTrip sets the headers and, for the API's origin only, the token.
func (t *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	st := callStateFrom(req.Context())
	r := req
	if st == nil {
		// Someone else's request: a shallow copy with a fresh header map, so
		// that it is not modified (http.RoundTripper's contract). The
		// facade's own requests (st != nil) are built for this call and
		// set in place.
		r = new(http.Request)
		*r = *req
		r.Header = make(http.Header, len(req.Header)+4)
		for k, v := range req.Header {
			r.Header[k] = v
		}
	}
	r.Header["Accept"] = t.accept
	r.Header["X-Github-Api-Version"] = t.apiVersion
	if _, ok := r.Header["User-Agent"]; !ok {
		r.Header["User-Agent"] = t.userAgent
	}
	delete(r.Header, "Authorization")
	kind := TokenNone
	if req.URL.Scheme == t.scheme && req.URL.Host == t.host {
		switch {
		case t.auth != nil:
			r.Header["Authorization"] = t.auth
			kind = t.kind
		case t.tokenSource != nil:
			tok, err := t.tokenSource.Token()
			if err != nil {
				closeBody(req)
				// The source's error may quote the token: mask it.
				return nil, fmt.Errorf("%w: %w", errTokenSource, t.secrets.redactError(err))
			}
			if tok.AccessToken != "" {
				t.secrets.sawToken(tok.AccessToken)
				r.Header["Authorization"] = []string{"Bearer " + tok.AccessToken}
				kind = KindOf(tok.AccessToken)
			}
		}
	}
	if st != nil {
		st.tokenKind = kind
	}
	// Past pacing, the gate and the read budget: the request leaves now.
	wire.NoteSent(r.Context())
	return t.next.RoundTrip(r)
}

func closeBody(req *http.Request) { wire.CloseBody(req) }

// drainClose reads a little of what is left of a body, so that the
// connection can be reused, and closes it.
func drainClose(body io.ReadCloser) { wire.DrainClose(body) }
