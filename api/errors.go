package api

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors for errors.Is. An *Error matches the sentinel of its
// status class; rate-limit errors also match ErrRateLimited. Message text is
// not part of the contract: match with errors.Is and errors.As.
var (
	// ErrInvalidInput matches every *ValidationError: nothing was sent.
	ErrInvalidInput = errors.New("invalid input")
	// ErrUnauthorized matches a 401 answer: the token is missing, wrong,
	// expired or revoked.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden matches a 403 answer that is not a rate limit.
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound matches a 404 answer. GitHub also answers 404 when the token
	// cannot see a private organization or package.
	ErrNotFound = errors.New("not found")
	// ErrRateLimited matches *RateLimitError (primary and secondary limits),
	// whether GitHub answered with a limit or the client refused locally.
	ErrRateLimited = errors.New("rate limited")
	// ErrNamespaceReused matches GitHub's 400 answer to a restore whose name is
	// taken by an active version ("Active package version already exists with
	// given name.").
	ErrNamespaceReused = errors.New("package namespace reused")
)

// ValidationError reports a bad argument. It is returned before any request
// is sent.
type ValidationError struct {
	Field  string // the parameter, by GitHub's name: "org", "package_type", "package_name", "package_version_id", ...
	Value  string // the offending value, quoted as given (never a secret)
	Reason string
}

// Error names the field, the value and what is wrong with it.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("restore: invalid %s %q: %s", e.Field, e.Value, e.Reason)
}

// Is reports whether target is ErrInvalidInput.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidInput }

// TokenKind is the kind of GitHub token, told by its prefix.
type TokenKind string

// Token kinds. Only classic personal access tokens, OAuth tokens and, in
// GitHub Actions, GITHUB_TOKEN work with GitHub Packages' REST API.
const (
	TokenNone        TokenKind = "none"
	TokenClassic     TokenKind = "classic personal access token"      // ghp_
	TokenOAuth       TokenKind = "OAuth token"                        // gho_
	TokenFineGrained TokenKind = "fine-grained personal access token" // github_pat_
	TokenApp         TokenKind = "GitHub App installation token"      // ghs_ (also GITHUB_TOKEN in Actions)
	TokenAppUser     TokenKind = "GitHub App user token"              // ghu_
	TokenRefresh     TokenKind = "refresh token"                      // ghr_
	TokenUnknown     TokenKind = "token of unknown kind"
)

// KindOf tells a token's kind from its prefix. It never returns the token.
func KindOf(token string) TokenKind {
	switch {
	case token == "":
		return TokenNone
	case strings.HasPrefix(token, "ghp_"):
		return TokenClassic
	case strings.HasPrefix(token, "gho_"):
		return TokenOAuth
	case strings.HasPrefix(token, "github_pat_"):
		return TokenFineGrained
	case strings.HasPrefix(token, "ghs_"):
		return TokenApp
	case strings.HasPrefix(token, "ghu_"):
		return TokenAppUser
	case strings.HasPrefix(token, "ghr_"):
		return TokenRefresh
	}
	return TokenUnknown
}

// Error is a non-2xx answer from GitHub. The status is always kept, whatever
// the body was (JSON, HTML, malformed, empty or too large).
type Error struct {
	Op               string // GitHub's operationId, e.g. "packages/restore-package-version-for-org"
	Method           string
	Path             string // the escaped request path, e.g. /orgs/o/packages/container/a%2Fb/versions/1/restore
	StatusCode       int
	Message          string // GitHub's "message", if the body had one
	DocumentationURL string // GitHub's "documentation_url", if the body had one
	RequestID        string // X-GitHub-Request-Id
	// Scopes are the token's scopes (X-OAuth-Scopes) and AcceptedScopes what
	// the action checks (X-Accepted-OAuth-Scopes); both are empty for tokens
	// that are not classic.
	Scopes         []string
	AcceptedScopes []string
	TokenKind      TokenKind
	// Hint says what is most likely wrong and how to fix it, for 401, 403 and
	// 404 answers.
	Hint string

	rateLimited bool // part of a *RateLimitError: not ErrForbidden
}

// Error reads "restore: METHOD PATH: STATUS MESSAGE (request ID): HINT".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("restore: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	fmt.Fprintf(&b, ": %d", e.StatusCode)
	if e.Message != "" {
		b.WriteString(" ")
		b.WriteString(e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request ")
		b.WriteString(e.RequestID)
		b.WriteByte(')')
	}
	if e.Hint != "" {
		b.WriteString(": ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Is matches the sentinel of the error's status.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == 401
	case ErrForbidden:
		return e.StatusCode == 403 && !e.rateLimited
	case ErrNotFound:
		return e.StatusCode == 404
	case ErrNamespaceReused:
		return e.StatusCode == 400 && strings.Contains(e.Message, "already exists")
	}
	return false
}

// RateLimitError is a primary or secondary rate limit, either answered by
// GitHub (Response is set) or known locally from an earlier answer (Local):
// then nothing was sent. RetryAt says when to send again.
type RateLimitError struct {
	// Secondary is true for GitHub's secondary (abuse) limits, false for the
	// primary hourly budget.
	Secondary bool
	// Local is true when the client refused to send because it knows the
	// primary limit is exhausted until RetryAt.
	Local bool
	// RetryAt is the earliest time GitHub allows the next request: from
	// retry-after, else x-ratelimit-reset, else one minute for a secondary limit.
	RetryAt time.Time
	// Limit, Remaining and Resource come from the x-ratelimit-* headers when
	// GitHub sent them.
	Limit, Remaining int
	Resource         string
	// Response is GitHub's answer; nil when Local.
	Response *Error

	told bool // RetryAt came from retry-after or x-ratelimit-reset
}

// Error says which limit, what was sent, and when to retry.
func (e *RateLimitError) Error() string {
	kind := "primary rate limit"
	if e.Secondary {
		kind = "secondary rate limit"
	}
	var b strings.Builder
	b.WriteString("restore: ")
	b.WriteString(kind)
	if e.Local {
		b.WriteString(" exhausted: not sent")
	} else if e.Response != nil {
		fmt.Fprintf(&b, ": %s %s: %d", e.Response.Method, e.Response.Path, e.Response.StatusCode)
		if e.Response.RequestID != "" {
			b.WriteString(" (request ")
			b.WriteString(e.Response.RequestID)
			b.WriteByte(')')
		}
	}
	if !e.RetryAt.IsZero() {
		b.WriteString("; retry at ")
		b.WriteString(e.RetryAt.UTC().Format(time.RFC3339))
	}
	return b.String()
}

// Is matches ErrRateLimited (and never ErrForbidden, even for a 403 answer).
func (e *RateLimitError) Is(target error) bool {
	return target == ErrRateLimited
}

// Unwrap returns GitHub's answer, so errors.As(err, **Error) finds it.
func (e *RateLimitError) Unwrap() error {
	if e.Response == nil {
		return nil
	}
	return e.Response
}
