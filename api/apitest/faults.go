package apitest

import (
	"net/http"
	"strconv"
	"time"

	"github.com/ghpackages/restore/api"
)

// Fault is one scripted answer for a route, used in place of the model for
// one request. Faults are deliberate departures (5xx, rate limits, HTML,
// broken JSON), so their answers are not validated against the description.
type Fault struct {
	// Status, Header and Body make the answer. With Status 0 the model
	// answers (after Delay, or around a dropped connection).
	Status int
	Header http.Header
	Body   string
	// DropBefore closes the connection without answering and without
	// performing the action; DropAfter performs the action, then closes the
	// connection without answering.
	DropBefore, DropAfter bool
	// Delay holds the answer back (real time, ended early if the client
	// goes away).
	Delay time.Duration
}

// Canned faults GitHub is known to answer.
var (
	// BadGateway is a 502 with GitHub's HTML error page.
	BadGateway = Fault{Status: 502, Header: http.Header{"Content-Type": {"text/html"}}, Body: "<html><body><h1>502 Bad Gateway</h1></body></html>"}
	// ServiceUnavailable is a 503 with an empty body.
	ServiceUnavailable = Fault{Status: 503}
	// ServerError is GitHub's 500.
	ServerError = Fault{Status: 500, Header: jsonHeader(), Body: `{"message":"Internal server error.","documentation_url":"https://docs.github.com/rest"}`}
	// RestoreNotAllowed is GitHub's transient 422 answer to a restore.
	RestoreNotAllowed = Fault{Status: 422, Header: jsonHeader(), Body: `{"message":"Restore not allowed at the moment, please try after some time.","documentation_url":"https://docs.github.com/rest/packages/packages"}`}
	// OngoingMigration is GitHub's transient 403 answer to a restore.
	OngoingMigration = Fault{Status: 403, Header: jsonHeader(), Body: `{"message":"This version cannot be restored due to an ongoing migration. Please try again later","documentation_url":"https://docs.github.com/rest/packages/packages"}`}
)

func jsonHeader() http.Header {
	return http.Header{"Content-Type": {"application/json; charset=utf-8"}}
}

// SecondaryLimit is GitHub's secondary rate-limit answer: 403 (or 429) with
// its message, and retry-after when retryAfter is not empty.
func SecondaryLimit(status int, retryAfter string) Fault {
	h := jsonHeader()
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return Fault{Status: status, Header: h, Body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID C0DE:1234.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`}
}

// PrimaryLimit is GitHub's primary rate-limit answer: 403 with
// x-ratelimit-remaining: 0 and the reset time.
func PrimaryLimit(reset time.Time) Fault {
	h := jsonHeader()
	h.Set("X-Ratelimit-Limit", "5000")
	h.Set("X-Ratelimit-Remaining", "0")
	h.Set("X-Ratelimit-Used", "5000")
	h.Set("X-Ratelimit-Resource", "core")
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	return Fault{Status: 403, Header: h, Body: `{"message":"API rate limit exceeded for user ID 1.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit"}`}
}

// Script queues faults for an operation (api.OpRestoreVersion, ...), for
// every owner kind: each request to the operation takes the next one; when
// they run out the model answers.
func (s *Server) Script(op api.Operation, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[op] = append(s.faults[op], faults...)
}

func (s *Server) nextFault(op api.Operation) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[op]
	if len(q) == 0 {
		return Fault{}, false
	}
	s.faults[op] = q[1:]
	return q[0], true
}

func (s *Server) applyFault(w http.ResponseWriter, c *call, f Fault, fn func(*call) reply) {
	if f.Delay > 0 {
		if (api.SystemClock{}).Sleep(c.r.Context(), f.Delay) != nil {
			s.log(c, 0)
			return
		}
	}
	if f.DropBefore {
		s.log(c, 0)
		drop(w)
		return
	}
	if f.DropAfter {
		s.respond(c, fn) // performed, never answered
		s.log(c, 0)
		drop(w)
		return
	}
	if f.Status == 0 {
		rep := s.withStdHeaders(c, s.respond(c, fn))
		s.validateReply(c, rep)
		s.log(c, rep.status)
		s.write(w, rep)
		return
	}
	rep := reply{status: f.Status, header: f.Header.Clone(), body: []byte(f.Body)}
	rep = s.withStdHeaders(c, rep)
	s.log(c, rep.status)
	s.write(w, rep)
}

func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}
