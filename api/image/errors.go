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
	// ErrRegistryRateLimited matches *RateLimitError: the registry kept
	// answering 429 after the retries.
	ErrRegistryRateLimited = errors.New("registry rate limited")
	// ErrToken matches a failure to get the GitHub token for the exchange.
	ErrToken = errors.New("no GitHub token for the registry")
	// ErrUnsupportedManifest matches a manifest of a media type that is
	// neither an image manifest nor an index.
	ErrUnsupportedManifest = errors.New("unsupported manifest media type")
)

// Error is a failed registry operation. Err matches the sentinels above,
// *ResponseError, *ForeignHostError or *RateLimitError.
type Error struct {
	Op  string // what was done: "resolve OWNER/NAME:TAG", "read …", "referrers of …"
	Err error
}

// Error reads "OP: ERR".
func (e *Error) Error() string { return e.Op + ": " + e.Err.Error() }

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// ResponseError is an error answer of the registry, with the distribution
// spec's error codes (MANIFEST_UNKNOWN, DENIED, UNAUTHORIZED, ...).
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

// RateLimitError is the registry still answering 429 after the client's
// retries.
type RateLimitError struct {
	RetryAfter time.Duration // the last Retry-After, 0 if none
	Attempts   int
}

// Error says how often the client tried and what the registry asked for.
func (e *RateLimitError) Error() string {
	s := fmt.Sprintf("registry rate limit (429) after %d attempts", e.Attempts)
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(", retry after %s", e.RetryAfter)
	}
	return s
}

// Is matches ErrRegistryRateLimited.
func (e *RateLimitError) Is(target error) bool { return target == ErrRegistryRateLimited }

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
