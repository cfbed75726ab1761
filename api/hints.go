package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/ghpackages/restore/internal/wire"
)

// This file turns answers into the client's typed errors, with hints that
// say what the token lacks.

// The scopes a classic token needs, by what it does.
var (
	// readScopes are what reading packages needs.
	readScopes = []string{"read:packages"}
	// restoreScopes are what restoring needs.
	restoreScopes = []string{"read:packages", "write:packages"}
	// listDeletedScopes are what listing deleted versions needs ("You need
	// at least delete:packages and read:packages scopes to get a package's
	// deleted versions.").
	listDeletedScopes = []string{"read:packages", "delete:packages"}
)

// scopesNeeded are the scopes a classic token needs for op: listing deleted
// versions (deleted) needs delete:packages, restoring write:packages, and
// repository-scoped registries (maven) need repo as well.
func scopesNeeded(op Operation, deleted bool, typ PackageType) []string {
	need := readScopes
	switch {
	case op == OpRestoreVersion || op == OpRestorePackage:
		need = restoreScopes
	case op == OpListVersions && deleted:
		need = listDeletedScopes
	}
	if typ == PackageTypeMaven {
		need = append(slices.Clone(need), "repo")
	}
	return need
}

// doing names what op does, for hints.
func doing(op Operation, deleted bool) string {
	switch {
	case op == OpRestoreVersion || op == OpRestorePackage:
		return "restoring"
	case op == OpListVersions && deleted:
		return "listing deleted versions"
	}
	return "reading packages"
}

// decode reads a JSON success body, bounded by the client's limit.
func (c *Client) decode(op string, resp *http.Response, v any) error {
	defer drainClose(resp.Body)
	var b []byte
	if bb, ok := resp.Body.(*wire.BufferedBody); ok && bb.Off == 0 {
		b = bb.Buf // read within its attempt (wire.BufferBody, up to the client's limit)
	} else {
		var err error
		if b, err = io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1)); err != nil {
			return fmt.Errorf("%s: reading the answer: %w", op, c.secrets.redactError(err))
		}
	}
	if int64(len(b)) > c.maxBody {
		return fmt.Errorf("%s: the answer is larger than %d bytes", op, c.maxBody)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: decoding the answer (request %s): %w", op, c.secrets.redact(resp.Header.Get("X-Github-Request-Id")), err)
	}
	return nil
}

// sendError reports a call that got no answer: a local rate-limit refusal
// and a redirect not followed are returned as they are; anything else is
// wrapped with the operation, its text masked.
func (c *Client) sendError(op string, err error) error {
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return rl
	}
	var re *RedirectError
	if errors.As(err, &re) {
		return re
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its text repeats the URL; the op names the call
	}
	return fmt.Errorf("%s: %w", op, c.secrets.redactError(err))
}

// errorFrom turns a non-2xx answer into *Error or *RateLimitError. The body is
// read up to 1 MiB, whatever it holds; the status is always kept. Text from
// the server has the token masked.
func (c *Client) errorFrom(op Operation, kind OwnerKind, resp *http.Response, st *callState, typ PackageType) error {
	defer drainClose(resp.Body)
	g := parseGitHubError(peekBody(resp))
	e := &Error{
		Op:               op.ID(kind),
		StatusCode:       resp.StatusCode,
		Message:          c.secrets.redact(g.Message),
		DocumentationURL: c.secrets.redact(g.DocumentationURL),
		RequestID:        c.secrets.redact(resp.Header.Get("X-Github-Request-Id")),
		TokenKind:        st.tokenKind,
	}
	deleted := false
	if req := resp.Request; req != nil {
		// After a redirect the path is the server's Location: masked too.
		e.Method, e.Path = req.Method, c.secrets.redact(req.URL.EscapedPath())
		deleted = req.URL.Query().Get("state") == string(StateDeleted)
	}
	e.SSOURL = c.secrets.redact(ssoURL(resp.Header))
	e.Scopes, _ = splitScopes(resp.Header, "X-Oauth-Scopes")
	e.AcceptedScopes, _ = splitScopes(resp.Header, "X-Accepted-Oauth-Scopes")
	for _, list := range [][]string{e.Scopes, e.AcceptedScopes} {
		for i, s := range list {
			list[i] = c.secrets.redact(s)
		}
	}
	if !isTransientRestore(resp.StatusCode, g) {
		if rl := rateLimitFrom(resp, g, c.clock.Now()); rl != nil {
			e.rateLimited = true
			rl.Response = e
			rl.Resource = c.secrets.redact(rl.Resource)
			return rl
		}
	}
	e.Hint = hint(e, kind, doing(op, deleted), scopesNeeded(op, deleted, typ))
	return e
}

// unexpectedStatus reports a success status a call does not expect (a
// restore answers 204) as *UnexpectedStatusError, and drains the body.
func (c *Client) unexpectedStatus(op Operation, kind OwnerKind, resp *http.Response) error {
	drainClose(resp.Body)
	e := &UnexpectedStatusError{
		Op:          op.ID(kind),
		StatusCode:  resp.StatusCode,
		ContentType: c.secrets.redact(resp.Header.Get("Content-Type")),
		RequestID:   c.secrets.redact(resp.Header.Get("X-Github-Request-Id")),
	}
	if req := resp.Request; req != nil {
		e.Method, e.Path = req.Method, c.secrets.redact(req.URL.EscapedPath())
	}
	return e
}

func splitScopes(h http.Header, key string) ([]string, bool) {
	vals, ok := h[key]
	if !ok {
		return nil, false
	}
	scopes := []string{}
	for _, v := range vals {
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				scopes = append(scopes, s)
			}
		}
	}
	return scopes, true
}

// missingScopes are the scopes of need that have does not grant.
func missingScopes(need, have []string) []string {
	var missing []string
	for _, n := range need {
		if !hasScope(have, n) {
			missing = append(missing, n)
		}
	}
	return missing
}

// hasScope reports whether have grants s: s itself, or for read:packages
// write:packages too. GitHub nests read:packages under write:packages, and
// a classic token's X-OAuth-Scopes then lists write:packages alone.
func hasScope(have []string, s string) bool {
	return slices.Contains(have, s) || s == "read:packages" && slices.Contains(have, "write:packages")
}

func tokenKindProblem(k TokenKind) string {
	switch k {
	case TokenNone:
		return "no token is configured: set GH_TOKEN or GITHUB_TOKEN, or use WithToken"
	case TokenFineGrained:
		return "GitHub Packages' REST API does not accept fine-grained personal access tokens (github_pat_): use a classic personal access token (ghp_) or an OAuth token with read:packages and write:packages"
	case TokenApp:
		return "GitHub Packages' REST API does not accept GitHub App installation tokens (ghs_), except GitHub Actions' GITHUB_TOKEN with packages: write: use a classic personal access token (ghp_) or an OAuth token with read:packages and write:packages"
	}
	return ""
}

// scopeList joins scopes for a sentence: "a", "a and b", "a, b and c".
func scopeList(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// plural is "scope" or "scopes".
func plural(n int) string {
	if n == 1 {
		return "scope"
	}
	return "scopes"
}

// ssoURL is the authorize URL of GitHub's X-GitHub-SSO header
// ("required; url=https://github.com/orgs/ORG/sso?authorization_request=..."),
// or "" when there is none. Only an absolute http(s) URL is taken.
func ssoURL(h http.Header) string {
	v := h.Get("X-Github-Sso")
	if v == "" {
		return ""
	}
	for part := range strings.SplitSeq(v, ";") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "url") {
			continue
		}
		u, err := url.Parse(strings.TrimSpace(val))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return ""
		}
		return u.String()
	}
	return ""
}

// answerHint is the hint of an answer GitHub gives whatever the token's
// scopes, told by its words: "" when e is none of them.
func answerHint(e *Error) string {
	switch {
	case errors.Is(e, ErrSSORequired):
		if e.SSOURL == "" {
			return "the organization enforces SAML single sign-on and the token is not authorized for it: authorize it in the token's settings (Configure SSO), then run again"
		}
		return "the organization enforces SAML single sign-on and the token is not authorized for it: open " + e.SSOURL + " to authorize it, then run again"
	case errors.Is(e, ErrPackagesDisabled):
		return "GitHub Packages is not enabled on this GitHub Enterprise Server: its administrator must enable it; nothing can be restored until then"
	case errors.Is(e, ErrLockedOut):
		return "GitHub refuses every request of this user for a while after several bad credentials: do not retry now; wait (some minutes), and check that the token is right before the next run"
	}
	return ""
}

// hint explains a 401, 403 or 404 from the token's kind and scopes: what
// the call does (action) needs the need scopes, and a 403 names those the
// token lacks. kind is the package owner's kind: an organization's packages
// need an admin of the organization, a user's packages that user.
func hint(e *Error, kind OwnerKind, action string, need []string) string {
	if e.StatusCode != 401 && e.StatusCode != 403 && e.StatusCode != 404 {
		return ""
	}
	if h := answerHint(e); h != "" {
		return h
	}
	if p := tokenKindProblem(e.TokenKind); p != "" && e.TokenKind != TokenNone {
		return p
	}
	if e.StatusCode == 401 {
		if e.TokenKind == TokenNone {
			return "no token was sent: set GH_TOKEN or GITHUB_TOKEN, or use WithToken"
		}
		return "GitHub rejected the token: it is wrong, expired or revoked; do not try it again and again: after several bad credentials GitHub refuses every request of the user for a while"
	}
	needs := action + " needs the " + scopeList(need) + " " + plural(len(need))
	if e.Scopes != nil {
		if missing := missingScopes(need, e.Scopes); len(missing) > 0 {
			has := "it has none"
			if len(e.Scopes) > 0 {
				has = "it has " + strings.Join(e.Scopes, ", ")
			}
			h := "the token lacks the " + scopeList(missing) + " " + plural(len(missing)) + " (" + has + "); " + needs
			if slices.Equal(missing, []string{"delete:packages"}) {
				h += "; restoring needs only read:packages and write:packages: given version ids are restored without the listing (MakePlan)"
			}
			return h
		}
	}
	if e.StatusCode == 403 {
		admin := "the token's user must be an admin of the organization, and of the package for container, npm, NuGet and RubyGems packages"
		switch kind {
		case OwnerUser:
			admin = "the token's user must be that user, or an admin of the package"
		case OwnerMe:
			admin = "the token's user must be an admin of the package"
		}
		if e.Scopes == nil {
			// The token's scopes are not known: say what is needed.
			return needs + ", and " + admin
		}
		return admin
	}
	if e.TokenKind == TokenNone {
		return "no token was sent; GitHub answers 404 for what an anonymous caller cannot see"
	}
	return "check the owner, package type, name and version id; GitHub also answers 404 when the token's user cannot see the package"
}
