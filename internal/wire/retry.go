package wire

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"
)

// RetryPolicy bounds how a client retries. The client's classifier decides
// what is retried and how long to wait; the policy bounds how often and how
// long.
type RetryPolicy struct {
	// MaxAttempts is the most requests one call may send, the first included
	// (1 turns retries off).
	MaxAttempts int
	// MaxWait is the longest single wait the client accepts. A wait the
	// server asks for that is longer, or that would outlast the context's
	// deadline, ends the call at once with the server's answer or a typed
	// error that says when to retry. 0 means never wait.
	MaxWait time.Duration
	// BaseDelay is the first backoff after a 5xx answer, a network error or
	// a timed-out attempt; it doubles each time, with up to 50% jitter
	// added, and is capped by MaxDelay.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// NoWaitForPrimaryLimit makes a call fail at once with a rate-limit
	// error when GitHub's primary limit is exhausted, instead of waiting for
	// its reset (when that is within MaxWait). Later calls are refused
	// locally, without sending, until the reset. The registry client has no
	// primary limit and ignores it.
	NoWaitForPrimaryLimit bool
}

// Validate reports the first field out of range, naming it.
func (p RetryPolicy) Validate() error {
	switch {
	case p.MaxAttempts < 1:
		return fmt.Errorf("RetryPolicy.MaxAttempts is %d; at least 1 (no retries)", p.MaxAttempts)
	case p.MaxAttempts > 100:
		return fmt.Errorf("RetryPolicy.MaxAttempts is %d; at most 100", p.MaxAttempts)
	case p.MaxWait < 0:
		return fmt.Errorf("RetryPolicy.MaxWait is negative")
	case p.BaseDelay <= 0:
		return fmt.Errorf("RetryPolicy.BaseDelay must be positive")
	case p.MaxDelay < p.BaseDelay:
		return fmt.Errorf("RetryPolicy.MaxDelay is below BaseDelay")
	}
	return nil
}

// Backoff is the jittered exponential delay before retry n (n >= 1): the
// base doubled n-1 times, capped by MaxDelay, plus up to half of it again,
// so that concurrent callers do not retry in lockstep.
func (p RetryPolicy) Backoff(n int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	return d + Jitter(d/2)
}

// Jitter is a random duration in [0, d].
func Jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d + 1)
}

// IsMutating reports whether the method writes (POST, PUT, PATCH, DELETE).
func IsMutating(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// Transient tells a network error worth retrying from one that can never
// succeed by retrying: a host name that does not exist (DNS "no such
// host"), a certificate the client does not trust (unknown authority,
// wrong host name, failed verification), a scheme mismatch (an https
// request to a plain http server), a body larger than the client's bound,
// and a cancelled or expired context.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return false
	}
	var cert *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	var tooLarge *TooLargeError
	if errors.As(err, &cert) || errors.As(err, &unknownCA) || errors.As(err, &host) || errors.As(err, &invalid) ||
		errors.As(err, &record) || errors.As(err, &tooLarge) {
		return false
	}
	// net/http reports a plain http answer to an https request as a string.
	msg := err.Error()
	return !strings.Contains(msg, "server gave HTTP response to HTTPS client") &&
		!strings.Contains(msg, "first record does not look like a TLS handshake")
}

// Answer is what a client's classifier makes of one attempt's outcome.
type Answer struct {
	Reason    WaitReason    // "" when the outcome is final
	Wait      time.Duration // how long to wait before the next attempt
	Uncertain bool          // the request may have taken effect
	Escalate  bool          // counted for the call's later answers (see Retry.Classify)
}

// Retry is the top of a client's stack: it sends a request, asks the
// client's classifier what the outcome calls for, and waits (on Waiter's
// clock, reported through its hook) and retries within Policy's bounds. A
// successful GET's or HEAD's body is read within its attempt (up to
// MaxBody), so that a body that stalls or breaks is retried like any
// network error, under the same attempt bound as the headers.
type Retry struct {
	Next    http.RoundTripper
	Policy  RetryPolicy
	Waiter  *Waiter
	MaxBody int64
	// Classify decides what one attempt's outcome asks for. escalated is
	// how many earlier answers of the call had Escalate set (GitHub's
	// secondary limits double their wait each time). Required.
	Classify func(ctx context.Context, req *http.Request, resp *http.Response, err error, attempt, escalated int) Answer
	// Buffer reads a successful read's body within its attempt (default
	// BufferBody).
	Buffer func(resp *http.Response, limit int64) error
	// Before runs before each attempt (a gate); an error ends the call.
	Before func(ctx context.Context, req *http.Request, attempt int) error
	// After runs after each attempt (a log line).
	After func(ctx context.Context, req *http.Request, attempt int, resp *http.Response, err error)
	// GiveUp turns the last outcome of a call that wanted another attempt
	// but may not have one into what the call returns (default: the
	// outcome as it is).
	GiveUp func(req *http.Request, resp *http.Response, err error, a Answer, attempt int) (*http.Response, error)
	// RequestIDHeader names the header whose value WaitEvent.RequestID takes.
	RequestIDHeader string
}

// Format keeps the fields out of %v.
func (t *Retry) Format(f fmt.State, _ rune) { fmt.Fprint(f, "wire.Retry{}") }

// RoundTrip sends req, retrying and waiting as the classifier and the
// policy say.
func (t *Retry) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	escalated := 0
	for attempt := 1; ; attempt++ {
		if t.Before != nil {
			if err := t.Before(ctx, req, attempt); err != nil {
				closeBody(req)
				return nil, err
			}
		}
		resp, err := t.send(ctx, req, attempt)
		a := t.Classify(ctx, req, resp, err, attempt, escalated)
		if a.Escalate {
			escalated++
		}
		if a.Reason == "" {
			return resp, err
		}
		if !t.mayWait(ctx, a, attempt) {
			if t.GiveUp != nil {
				return t.GiveUp(req, resp, err, a, attempt)
			}
			return resp, err
		}
		NoteAnswered(ctx, a.Uncertain)
		ev := WaitEvent{Method: req.Method, Path: req.URL.EscapedPath(), Attempt: attempt + 1, Reason: a.Reason, Wait: a.Wait, Err: err}
		if resp != nil {
			ev.Status = resp.StatusCode
			if t.RequestIDHeader != "" {
				ev.RequestID = resp.Header.Get(t.RequestIDHeader)
			}
			DrainClose(resp.Body)
		}
		if err := t.Waiter.Wait(ctx, ev); err != nil {
			closeBody(req)
			return nil, err
		}
	}
}

// send makes one attempt. A successful read's body is read within it.
func (t *Retry) send(ctx context.Context, req *http.Request, attempt int) (*http.Response, error) {
	r := req
	if attempt > 1 && req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return nil, errors.New("the request's body cannot be sent again")
		}
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r = req.Clone(ctx)
		r.Body = body
	}
	resp, err := t.Next.RoundTrip(r)
	if t.After != nil {
		t.After(ctx, req, attempt, resp, err)
	}
	if err != nil {
		return nil, err
	}
	if (req.Method == http.MethodGet || req.Method == http.MethodHead) && resp.StatusCode/100 == 2 {
		buffer := t.Buffer
		if buffer == nil {
			buffer = BufferBody
		}
		if err := buffer(resp, t.MaxBody); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// mayWait applies the policy's bounds to a wait the classifier asks for.
func (t *Retry) mayWait(ctx context.Context, a Answer, attempt int) bool {
	if attempt >= t.Policy.MaxAttempts || a.Wait > t.Policy.MaxWait {
		return false
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < a.Wait {
		return false // the context is a real-time bound
	}
	return true
}

// NetAnswer is the answer to a network error (or a timed-out attempt):
// a backoff, then another attempt, unless the error can never succeed
// (Transient) or the call's context is done.
func NetAnswer(ctx context.Context, p RetryPolicy, req *http.Request, err error, attempt int, timeout error) Answer {
	if ctx.Err() != nil || !Transient(err) {
		return Answer{}
	}
	reason := ReasonNetwork
	if timeout != nil && errors.Is(err, timeout) {
		reason = ReasonTimeout
	}
	return Answer{Reason: reason, Wait: p.Backoff(attempt), Uncertain: IsMutating(req.Method)}
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// CloseBody closes a request's body, if any, as a RoundTripper must when it
// does not send it.
func CloseBody(req *http.Request) { closeBody(req) }
