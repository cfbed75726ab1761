package api

import "net/http"

// Limits on the wire, internal/wire's Pacer and ReadBudget: writes one at a
// time and paced (WithWritePacing), reads under a budget (WithReadBudget,
// WithoutReadBudget).

// attemptOf is the attempt a facade request is on, 0 for another request.
func attemptOf(req *http.Request) int {
	if st := callStateFrom(req.Context()); st != nil {
		return st.attempt
	}
	return 0
}
