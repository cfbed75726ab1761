package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// RateLimitStatus is one resource's budget.
type RateLimitStatus struct {
	Limit     int       `json:"limit"`
	Remaining int       `json:"remaining"`
	Used      int       `json:"used"`
	Reset     time.Time `json:"reset"`
}

// Permission says whether the token can do one thing, as far as its kind
// and scopes tell.
type Permission struct {
	// Known is false when the token's scopes are not reported (tokens that
	// are not classic personal access or OAuth tokens): then Allowed is
	// false and only trying tells.
	Known bool `json:"known"`
	// Allowed is true when the token has every scope in Needs.
	Allowed bool `json:"allowed"`
	// Needs are the scopes a classic token needs for it.
	Needs []string `json:"needs"`
	// Missing are the scopes of Needs the token lacks, when Known.
	Missing []string `json:"missing,omitempty"`
}

// PreflightReport says whether the token can use this API.
type PreflightReport struct {
	TokenKind TokenKind `json:"token_kind"`
	// Scopes are the token's OAuth scopes; ScopesKnown is false when GitHub
	// sent no X-OAuth-Scopes (tokens that are not classic).
	Scopes      []string `json:"scopes"`
	ScopesKnown bool     `json:"scopes_known"`
	// ListDeleted is whether the token can list deleted versions
	// (read:packages and delete:packages), which finding what to restore
	// needs.
	ListDeleted Permission `json:"list_deleted"`
	// Restore is whether the token can restore (read:packages and
	// write:packages).
	Restore Permission `json:"restore"`
	// Missing are the scopes restoring needs that the token lacks (the same
	// as Restore.Missing).
	Missing []string `json:"missing,omitempty"`
	// Core is the primary rate limit of REST calls.
	Core RateLimitStatus `json:"core"`
	// Problems are what stands in the way, in words; empty when none is known.
	Problems []string `json:"problems,omitempty"`
}

// OK reports whether no problem is known. Organization and package admin
// rights cannot be checked in advance.
func (r PreflightReport) OK() bool { return len(r.Problems) == 0 }

// rateLimitAnswer is the part of GET /rate_limit the client reads. API
// version 2022-11-28 sends both rate and resources.core; 2026-03-10 drops
// rate. resources.core is read, and rate only when core is absent.
type rateLimitAnswer struct {
	Rate      *rateLimitJSON `json:"rate"`
	Resources struct {
		Core *rateLimitJSON `json:"core"`
	} `json:"resources"`
}

type rateLimitJSON struct {
	Limit     int   `json:"limit"`
	Remaining int   `json:"remaining"`
	Used      int   `json:"used"`
	Reset     int64 `json:"reset"`
}

// Preflight checks the token without spending rate limit: GET /rate_limit
// reports the token's scopes (X-OAuth-Scopes, for classic tokens) and
// budget. It reports separately whether the token can list deleted versions
// and whether it can restore. It reads the core budget from resources.core,
// which every API version sends (2026-03-10 no longer sends rate).
//
// GET /rate_limit
// (https://docs.github.com/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user)
func (c *Client) Preflight(ctx context.Context) (PreflightReport, error) {
	op := OpRateLimit.ID("")
	cctx, st := newCall(ctx)
	resp, err := c.send(cctx, http.MethodGet, c.rateLimitURL())
	if err != nil {
		return PreflightReport{}, c.sendError(op, err)
	}
	if resp.StatusCode != http.StatusOK {
		return PreflightReport{}, c.errorFrom(OpRateLimit, "", resp, st, "")
	}
	r := PreflightReport{TokenKind: st.tokenKind}
	r.Scopes, r.ScopesKnown = splitScopes(resp.Header, "X-Oauth-Scopes")
	var answer rateLimitAnswer
	if err := c.decode(op, resp, &answer); err != nil {
		return PreflightReport{}, err
	}
	core := answer.Resources.Core
	if core == nil {
		core = answer.Rate
	}
	if core == nil {
		return PreflightReport{}, fmt.Errorf("%s: the answer has neither resources.core nor rate", op)
	}
	r.Core = RateLimitStatus{Limit: core.Limit, Remaining: core.Remaining, Used: core.Used, Reset: time.Unix(core.Reset, 0).UTC()}
	if p := tokenKindProblem(r.TokenKind); p != "" {
		r.Problems = append(r.Problems, p)
	}
	r.ListDeleted = r.permission(listDeletedScopes)
	r.Restore = r.permission(restoreScopes)
	r.Missing = r.Restore.Missing
	if m := r.ListDeleted.Missing; len(m) > 0 {
		r.Problems = append(r.Problems, "the token lacks the "+scopeList(m)+" "+plural(len(m))+" that listing deleted versions needs")
	}
	if m := r.Restore.Missing; len(m) > 0 {
		r.Problems = append(r.Problems, "the token lacks the "+scopeList(m)+" "+plural(len(m))+" that restoring needs")
	}
	if r.Core.Remaining == 0 && r.Core.Limit > 0 {
		r.Problems = append(r.Problems, "the primary rate limit is exhausted until "+r.Core.Reset.Format(time.RFC3339))
	}
	return r, nil
}

// permission is what the token's kind and scopes say about needing need.
func (r *PreflightReport) permission(need []string) Permission {
	p := Permission{Needs: slices.Clone(need)} // the caller's to keep
	switch {
	case r.TokenKind == TokenNone || r.TokenKind == TokenFineGrained:
		p.Known = true // GitHub Packages refuses these, whatever their scopes
	case r.ScopesKnown:
		p.Known = true
		p.Missing = missingScopes(need, r.Scopes)
		p.Allowed = len(p.Missing) == 0
	}
	return p
}
