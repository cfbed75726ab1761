package apitest

import (
	"slices"
	"sync"
	"time"

	"github.com/ghpackages/restore/api"
)

// loadMeter counts the requests being served at once.
type loadMeter struct {
	mu       sync.Mutex
	inFlight int
	peak     int
}

// enter counts a request in and returns the count with it; the returned
// func counts it out.
func (m *loadMeter) enter() (int, func()) {
	m.mu.Lock()
	m.inFlight++
	n := m.inFlight
	m.peak = max(m.peak, n)
	m.mu.Unlock()
	return n, func() {
		m.mu.Lock()
		m.inFlight--
		m.mu.Unlock()
	}
}

// MaxInFlight returns the most requests the server was serving at once
// (answering or held back by WithLatency), since it started or since
// ResetLoad. GitHub's secondary limits allow no more than 100.
func (s *Server) MaxInFlight() int {
	s.load.mu.Lock()
	defer s.load.mu.Unlock()
	return s.load.peak
}

// ResetLoad forgets the peak of MaxInFlight (the request log, which
// PeakRate reads, is cleared by ResetRequests).
func (s *Server) ResetLoad() {
	s.load.mu.Lock()
	defer s.load.mu.Unlock()
	s.load.peak = s.load.inFlight
}

// PeakRate returns the most requests of op (every owner kind; 0 for every
// operation) that arrived within any span of length window, by the
// server's clock, over the request log. With window = time.Minute it is
// the figure GitHub's secondary limit of 900 points a minute per endpoint
// bounds (a GET costs 1 point, a POST 5).
func (s *Server) PeakRate(op api.Operation, window time.Duration) int {
	var at []time.Time
	for _, r := range s.Requests() {
		if op == 0 || r.Op == op {
			at = append(at, r.At)
		}
	}
	// Arrivals are logged when answered, so sort them first.
	slices.SortFunc(at, time.Time.Compare)
	peak, lo := 0, 0
	for hi := range at {
		for at[hi].Sub(at[lo]) >= window {
			lo++
		}
		peak = max(peak, hi-lo+1)
	}
	return peak
}
