package apitest

import (
	"net/http"
	"time"
)

// maxConcurrent is GitHub's secondary limit on concurrent requests: "no
// more than 100 concurrent requests" (GitHub's REST docs, rate limits).
const maxConcurrent = 100

// WithPointsPerMinute answers GitHub's secondary rate limit when an
// operation's points within a minute of the server's clock would exceed n:
// a GET costs 1 point and a POST 5. GitHub's limit is 900 points a minute
// per endpoint; 0 (the default) turns the rule off, so that tests may send
// many requests without moving the clock.
func WithPointsPerMinute(n int) Option { return func(s *Server) { s.pointsPerMinute = n } }

// pointsLog is one request's cost, for the points rule.
type pointsLog struct {
	at     time.Time
	points int
}

// secondaryLimited applies GitHub's secondary limits to an authenticated
// request: more than maxConcurrent requests in flight at its arrival, more
// than WithSecondaryLimit writes a minute, or more than WithPointsPerMinute
// points a minute on its operation. s.mu is held.
func (s *Server) secondaryLimited(c *call, now time.Time) bool {
	if i, ok := infoOf(c.r); ok && i.inFlight > maxConcurrent {
		return true
	}
	if c.r.Method != http.MethodGet && s.secondaryPerMinute > 0 {
		s.writes = withinMinute(s.writes, now, func(t time.Time) time.Time { return t })
		if len(s.writes) >= s.secondaryPerMinute {
			return true
		}
		s.writes = append(s.writes, now)
	}
	if s.pointsPerMinute > 0 {
		cost := 1
		if c.r.Method != http.MethodGet {
			cost = 5
		}
		log := withinMinute(s.points[c.op], now, func(p pointsLog) time.Time { return p.at })
		used := 0
		for _, p := range log {
			used += p.points
		}
		if used+cost > s.pointsPerMinute {
			s.points[c.op] = log
			return true
		}
		s.points[c.op] = append(log, pointsLog{now, cost})
	}
	return false
}

// withinMinute keeps the entries of the last minute before now, in place.
func withinMinute[T any](list []T, now time.Time, at func(T) time.Time) []T {
	kept := list[:0]
	for _, e := range list {
		if now.Sub(at(e)) < time.Minute {
			kept = append(kept, e)
		}
	}
	return kept
}

// secondaryLimitReply is GitHub's secondary-limit answer as seen on the
// packages routes: 403, no retry-after (the rate-limit headers added later
// show a positive remaining). s.mu is held.
func (s *Server) secondaryLimitReply() reply {
	return errReply(http.StatusForbidden, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID "+s.requestID()+".", docsRateLimits+"#about-secondary-rate-limits")
}
