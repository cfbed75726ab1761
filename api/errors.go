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
	// ErrNamespaceReused matches GitHub's 400 answer to a version restore
	// whose name is taken by an active version ("Active package version
	// already exists with given name.").
	ErrNamespaceReused = errors.New("package namespace reused")
	// ErrNameInUse matches GitHub's 409 answer to a package restore when an
	// active package, or an active version, already holds the name ("An
	// active package already exists with given name.", "Active package
	// version already exists with given name.").
	ErrNameInUse = errors.New("package name in use")
	// ErrRestoreTokenRequired matches GitHub's 409 answer to a package
	// restore when several deleted packages have the name ("Multiple deleted
	// packages match given name, specify a package by providing a restore
	// token"): pass the restore token of the one to restore.
	ErrRestoreTokenRequired = errors.New("several deleted packages match: a restore token is required")
	// ErrNameRetired matches GitHub's 422 answer to a package restore whose
	// name has been retired ("... has been retired and cannot restored.").
	ErrNameRetired = errors.New("package name retired")
	// ErrOutcomeUnknown matches *OutcomeUnknownError: a restore may have
	// taken effect, and the client could not find out.
	ErrOutcomeUnknown = errors.New("outcome unknown")
	// ErrUnexpectedStatus matches *UnexpectedStatusError: a success status
	// other than the one GitHub documents (for example a 200 page from an
	// intercepting proxy where a restore answers 204).
	ErrUnexpectedStatus = errors.New("unexpected success status")
	// ErrRedirect matches *RedirectError: a redirect the client does not
	// follow.
	ErrRedirect = errors.New("redirect not followed")
	// ErrSSORequired matches GitHub's 403 for an organization that enforces
	// SAML single sign-on, when the token is not authorized for it
	// ("Resource protected by organization SAML enforcement. ...", with the
	// header X-GitHub-SSO: required; url=...): *Error.SSOURL is the page
	// where the token's user authorizes it.
	ErrSSORequired = errors.New("the organization requires SAML SSO authorization of the token")
	// ErrPackagesDisabled matches GitHub Enterprise Server's 404 when GitHub
	// Packages is not enabled ("GitHub Packages has not been enabled.
	// Contact your Enterprise Administrator to enable GitHub Packages.").
	ErrPackagesDisabled = errors.New("GitHub Packages is not enabled")
	// ErrLockedOut matches GitHub's 403 after several bad credentials in a
	// short time ("Maximum number of login attempts exceeded. Please try
	// again later."): every request of the user is refused for a while.
	// It is never retried: wait, and check the token.
	ErrLockedOut = errors.New("locked out after bad credentials")
	// ErrListingCapped matches *ListingCapError, and GitHub's 400 answer
	// to a page past its cap ("The per_page and page parameters are
	// invalid. The value of per_page multipled by page cannot be greater
	// than 10000."): a listing shows at most MaxListed results.
	ErrListingCapped = errors.New("listing capped at 10000 results")
	// ErrAttemptTimeout matches an attempt that ran past the bound set by
	// WithAttemptTimeout (headers and body together).
	ErrAttemptTimeout = errors.New("attempt timed out")
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
	return fmt.Sprintf("invalid %s %q: %s", e.Field, e.Value, e.Reason)
}

// Is reports whether target is ErrInvalidInput.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidInput }

// Error is a non-2xx answer from GitHub. The status is always kept, whatever
// the body was (JSON, HTML, malformed, empty or too large). Text that comes
// from the server (Message, RequestID, DocumentationURL, and Path, which a
// redirect's Location may have chosen) has the client's token and anything
// shaped like a GitHub token masked.
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
	// SSOURL is where the token's user authorizes the token for an
	// organization that enforces SAML single sign-on: the url of GitHub's
	// X-GitHub-SSO header ("required; url=..."), set with ErrSSORequired.
	SSOURL string
	// Hint says what is most likely wrong and how to fix it, for 401, 403 and
	// 404 answers. A 403 hint names the scopes the call needs that the token
	// lacks.
	Hint string

	rateLimited bool // part of a *RateLimitError: not ErrForbidden
}

// Error reads "METHOD PATH: STATUS MESSAGE (request ID): HINT".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	fmt.Fprintf(&b, ": %d", e.StatusCode)
	if e.Message != "" {
		b.WriteString(" ")
		b.WriteString(e.Message)
	}
	writeRequestID(&b, e.RequestID)
	if e.Hint != "" {
		b.WriteString(": ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

func writeRequestID(b *strings.Builder, id string) {
	if id != "" {
		b.WriteString(" (request ")
		b.WriteString(id)
		b.WriteByte(')')
	}
}

// Is matches the sentinel of the error's status, and for 400, 409 and 422
// the sentinel of GitHub's message.
func (e *Error) Is(target error) bool {
	m := strings.ToLower(e.Message)
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == 401
	case ErrForbidden:
		return e.StatusCode == 403 && !e.rateLimited
	case ErrNotFound:
		return e.StatusCode == 404
	case ErrNamespaceReused:
		return e.StatusCode == 400 && strings.Contains(m, "already exists")
	case ErrNameInUse:
		return e.StatusCode == 409 && strings.Contains(m, "already exists")
	case ErrRestoreTokenRequired:
		return e.StatusCode == 409 && strings.Contains(m, "multiple deleted packages")
	case ErrNameRetired:
		return e.StatusCode == 422 && strings.Contains(m, "retired")
	case ErrSSORequired:
		return e.StatusCode == 403 && (e.SSOURL != "" || strings.Contains(m, "saml enforcement"))
	case ErrPackagesDisabled:
		return e.StatusCode == 404 && strings.Contains(m, "github packages has not been enabled")
	case ErrLockedOut:
		return e.StatusCode == 403 && strings.Contains(m, "maximum number of login attempts exceeded")
	case ErrListingCapped:
		return e.StatusCode == 400 && strings.Contains(m, "cannot be greater than 10000")
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
	// retry-after, else x-ratelimit-reset, else one minute for a secondary
	// limit. A header value beyond any sane bound is clamped to a far time
	// (never "now"), which is always longer than RetryPolicy.MaxWait.
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
	b.WriteString(kind)
	if e.Local {
		b.WriteString(" exhausted: not sent")
	} else if e.Response != nil {
		fmt.Fprintf(&b, ": %s %s: %d", e.Response.Method, e.Response.Path, e.Response.StatusCode)
		writeRequestID(&b, e.Response.RequestID)
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

// OutcomeUnknownError reports a restore that may have taken effect: an
// attempt got no clear answer (a dropped connection or a 5xx), the next one
// got a 400 or 404 (Answer), and the look-up that would have told whether
// the target is active failed (Check); or the next one was refused by a
// rate limit (Answer, and Check is the *RateLimitError: no look-up is sent
// under a limit). It matches ErrOutcomeUnknown, and
// through Check what made the look-up fail (a rate limit, a network error),
// but never the cause Answer would suggest (ErrNamespaceReused, ErrNotFound):
// that cause is not known.
type OutcomeUnknownError struct {
	Op     string
	Method string
	Path   string
	Answer *Error // GitHub's answer to the last attempt; not unwrapped
	Check  error  // why the look-up failed
}

// Error says that the restore may have taken effect and why it is not known.
func (e *OutcomeUnknownError) Error() string {
	var b strings.Builder
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	b.WriteString(": outcome unknown: the restore may have taken effect (an attempt got no clear answer")
	if e.Answer != nil {
		fmt.Fprintf(&b, ", the next answered %d", e.Answer.StatusCode)
		if e.Answer.Message != "" {
			b.WriteByte(' ')
			b.WriteString(e.Answer.Message)
		}
		writeRequestID(&b, e.Answer.RequestID)
	}
	b.WriteString(", and checking failed")
	if e.Check != nil {
		b.WriteString(": ")
		b.WriteString(e.Check.Error())
	}
	b.WriteByte(')')
	return b.String()
}

// Is matches ErrOutcomeUnknown.
func (e *OutcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

// Unwrap returns the look-up's error.
func (e *OutcomeUnknownError) Unwrap() error { return e.Check }

// UnexpectedStatusError is a success status that is not the one GitHub
// documents for the call (a restore answers 204 No Content). It is not a
// success: the answer most likely came from something between the client
// and GitHub, such as an intercepting proxy's 200 page.
type UnexpectedStatusError struct {
	Op          string
	Method      string
	Path        string
	StatusCode  int
	ContentType string
	RequestID   string
}

// Error names the status and what was expected.
func (e *UnexpectedStatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: unexpected %d answer", e.Method, e.Path, e.StatusCode)
	if e.ContentType != "" {
		b.WriteString(" (")
		b.WriteString(e.ContentType)
		b.WriteByte(')')
	}
	writeRequestID(&b, e.RequestID)
	b.WriteString(": GitHub answers 204 to a restore; this answer did not come from GitHub's API as expected and is not a restore")
	return b.String()
}

// Is matches ErrUnexpectedStatus.
func (e *UnexpectedStatusError) Is(target error) bool { return target == ErrUnexpectedStatus }

// RedirectError is a redirect the client did not follow: to another origin
// (scheme, host and port), of a kind GitHub does not use (303), without a
// usable Location, or one too many. Nothing was sent to Location, and the
// token never is.
type RedirectError struct {
	Method     string
	Path       string // the escaped path of the request that was redirected, tokens masked
	StatusCode int
	// Location is the scheme and host of the Location header (no path or
	// query, which may carry secrets), or "" when it had none or it did not
	// parse.
	Location string
	Reason   string
}

// Error names the redirect and why it was not followed.
func (e *RedirectError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d redirect", e.Method, e.Path, e.StatusCode)
	if e.Location != "" {
		b.WriteString(" to ")
		b.WriteString(e.Location)
	}
	b.WriteString(" not followed: ")
	b.WriteString(e.Reason)
	return b.String()
}

// Is matches ErrRedirect.
func (e *RedirectError) Is(target error) bool { return target == ErrRedirect }

// attemptTimeoutError is one attempt that ran past its bound. It is a
// net.Error whose Timeout is true.
type attemptTimeoutError struct{ after time.Duration }

func (e *attemptTimeoutError) Error() string {
	return fmt.Sprintf("no complete answer within %v (WithAttemptTimeout)", e.after)
}
func (e *attemptTimeoutError) Is(target error) bool { return target == ErrAttemptTimeout }
func (e *attemptTimeoutError) Timeout() bool        { return true }
func (e *attemptTimeoutError) Temporary() bool      { return true }

// MaxListed is the most results GitHub shows of one listing: it answers
// 400 to a page whose page × per_page is above it.
const MaxListed = 10000

// ListingCapError ends a listing that reached GitHub's cap of MaxListed
// results with more to come (a full last page): the rest cannot be listed
// through this route. Nothing past the cap was sent.
type ListingCapError struct {
	Op      string // GitHub's operationId
	Listed  int    // the results listed (pages × per_page)
	PerPage int
}

// Error says that the listing stopped at the cap.
func (e *ListingCapError) Error() string {
	return fmt.Sprintf("%s: GitHub lists at most %d results (page × per_page), and %d were listed with more to come: the rest cannot be listed through this route", e.Op, MaxListed, e.Listed)
}

// Is matches ErrListingCapped.
func (e *ListingCapError) Is(target error) bool { return target == ErrListingCapped }
