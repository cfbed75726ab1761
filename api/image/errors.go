package image

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/ghpackages/restore/api"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrManifestUnknown matches a manifest the registry does not serve
	// (404 MANIFEST_UNKNOWN): on GitHub, a deleted package version.
	ErrManifestUnknown = errors.New("manifest unknown")
	// ErrDigestMismatch matches a manifest whose body does not hash to the
	// digest it was asked for or named with.
	ErrDigestMismatch = errors.New("manifest digest mismatch")
	// ErrForeignHost matches *ForeignHostError: a request the client refused
	// to send because it would leave the registry's host.
	ErrForeignHost = errors.New("request to a host other than the registry refused")
	// ErrRegistryRateLimited matches *RegistryRateLimitError: the registry
	// kept answering 429 after the retries (which api.ErrRateLimited
	// matches too).
	ErrRegistryRateLimited = errors.New("registry rate limited")
	// ErrToken matches a failure to get the GitHub token for the exchange.
	ErrToken = errors.New("no GitHub token for the registry")
	// ErrUnsupportedManifest matches a manifest of a media type that is
	// neither an image manifest nor an index.
	ErrUnsupportedManifest = errors.New("unsupported manifest media type")
)

// RegistryError is a failed registry operation. Err matches the sentinels
// above, *ResponseError, *ForeignHostError, *RegistryRateLimitError or
// api.ErrAttemptTimeout. Its text, and the Message of a *ResponseError in
// it, never hold a token the client knows (the GitHub token, the registry's
// bearer tokens) nor anything shaped like a GitHub token or credentials:
// they are masked as "[REDACTED]". Other text from the registry is kept as
// it came, control characters included, as the REST client's errors keep
// GitHub's: a program that prints it to a terminal escapes it (%q, or the
// CLI's escaping).
type RegistryError struct {
	Op  string // what was done: "resolve OWNER/NAME:TAG", "read …", "referrers of …"
	Err error
}

// Error reads "OP: ERR".
func (e *RegistryError) Error() string { return e.Op + ": " + e.Err.Error() }

// Unwrap returns Err.
func (e *RegistryError) Unwrap() error { return e.Err }

// ResponseError is an error answer of the registry, with the distribution
// spec's error codes (MANIFEST_UNKNOWN, DENIED, UNAUTHORIZED, ...). Message
// is the registry's first error message, tokens masked.
type ResponseError struct {
	Status  int
	Codes   []string
	Message string
}

// Error reads "registry answered STATUS CODES: MESSAGE".
func (e *ResponseError) Error() string {
	s := fmt.Sprintf("registry answered %d", e.Status)
	if len(e.Codes) > 0 {
		s += " " + strings.Join(e.Codes, ",")
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is matches api.ErrUnauthorized for 401, api.ErrForbidden for 403 and
// ErrManifestUnknown for 404 MANIFEST_UNKNOWN.
func (e *ResponseError) Is(target error) bool {
	switch target {
	case api.ErrUnauthorized:
		return e.Status == 401
	case api.ErrForbidden:
		return e.Status == 403
	case ErrManifestUnknown:
		return e.Status == 404
	}
	return false
}

// ForeignHostError is a request the client refused to send because it
// would have left the registry's host: a token realm or a redirect on
// another host. Nothing was sent to Host.
type ForeignHostError struct {
	Host string
	Why  string // "token exchange" (a realm elsewhere), "redirect", "request"
}

// Error names the host and why it was refused.
func (e *ForeignHostError) Error() string {
	return fmt.Sprintf("refused to send a %s to %s: only the registry's own host receives requests", e.Why, e.Host)
}

// Is matches ErrForeignHost.
func (e *ForeignHostError) Is(target error) bool { return target == ErrForeignHost }

// RegistryRateLimitError is the registry still answering 429 after the
// client's retries, or asking for a wait longer than the retry policy's
// MaxWait. It matches ErrRegistryRateLimited and api.ErrRateLimited.
type RegistryRateLimitError struct {
	RetryAfter time.Duration // the last wait the registry asked for (Retry-After or its body), 0 if none
	Attempts   int
}

// Error says how often the client tried and what the registry asked for.
func (e *RegistryRateLimitError) Error() string {
	s := fmt.Sprintf("registry rate limit (429) after %d attempts", e.Attempts)
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(", retry after %s", e.RetryAfter)
	}
	return s
}

// Is matches ErrRegistryRateLimited and api.ErrRateLimited.
func (e *RegistryRateLimitError) Is(target error) bool {
	return target == ErrRegistryRateLimited || target == api.ErrRateLimited
}

// attemptTimeoutError is one registry attempt that ran past its bound
// (WithAttemptTimeout). It matches api.ErrAttemptTimeout.
type attemptTimeoutError struct{ after time.Duration }

func (e *attemptTimeoutError) Error() string {
	return fmt.Sprintf("no complete answer from the registry within %s (attempt timed out)", e.after)
}
func (e *attemptTimeoutError) Is(target error) bool { return target == api.ErrAttemptTimeout }
func (e *attemptTimeoutError) Timeout() bool        { return true }

var (
	digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	// tagRE is the distribution spec's tag grammar.
	tagRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)
	// repoRE is a lower-case repository path (OWNER/NAME, NAME may hold "/").
	repoRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+$`)
)

// IsDigest reports whether s is "sha256:" and 64 lower-case hex digits.
func IsDigest(s string) bool { return digestRE.MatchString(s) }

// IsTag reports whether s is a valid tag.
func IsTag(s string) bool { return tagRE.MatchString(s) }

func validDigest(field, s string) error {
	if !IsDigest(s) {
		return invalid(field, s, `must be "sha256:" and 64 lower-case hex digits`)
	}
	return nil
}

// validRef checks an image reference: a tag or a digest.
func validRef(s string) error {
	if IsDigest(s) || IsTag(s) {
		return nil
	}
	return invalid("image", s, `is neither a tag nor "sha256:" and 64 hex digits`)
}

func validRepo(s string) error {
	if !repoRE.MatchString(s) {
		return invalid("repository", s, "must be OWNER/NAME in lower case")
	}
	return nil
}
