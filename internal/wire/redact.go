package wire

import (
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
)

// Redacted replaces a secret in text.
const Redacted = "[REDACTED]"

// TokenPrefixes are the prefixes of GitHub's tokens.
var TokenPrefixes = [...]string{"ghp_", "gho_", "github_pat_", "ghs_", "ghu_", "ghr_"}

// maxSeen bounds the tokens a Secrets remembers beyond its static ones: a
// registry client gets one bearer token per repository scope.
const maxSeen = 16

// Secrets are the tokens a client knows: the ones it was given, and the
// ones it saw later (a token source's answers, a registry's bearer tokens).
// Text the client reports has them masked. A nil *Secrets masks only what
// Redact masks without known tokens. Its methods are safe for concurrent
// use.
type Secrets struct {
	mu     sync.RWMutex
	static []string
	seen   []string // the most recent last
}

// NewSecrets returns Secrets that know the given tokens (empty ones are
// skipped).
func NewSecrets(static ...string) *Secrets {
	s := &Secrets{}
	for _, t := range static {
		if t != "" {
			s.static = append(s.static, t)
		}
	}
	return s
}

// Format keeps the tokens out of every form of %v.
func (s *Secrets) Format(f fmt.State, _ rune) { fmt.Fprint(f, "wire.Secrets{}") }

// Saw remembers a token the client got after it was made. Only the most
// recent few are kept.
func (s *Secrets) Saw(tok string) {
	if s == nil || len(tok) < 4 {
		return
	}
	s.mu.RLock()
	known := false
	for _, k := range s.static {
		known = known || k == tok
	}
	for _, k := range s.seen {
		known = known || k == tok
	}
	s.mu.RUnlock()
	if known {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) == maxSeen {
		s.seen = append(s.seen[:0], s.seen[1:]...)
	}
	s.seen = append(s.seen, tok)
}

// SawAuthorization remembers the credentials of an Authorization header
// value: a Bearer token, or the password of Basic credentials.
func (s *Secrets) SawAuthorization(v string) {
	if s == nil || v == "" {
		return
	}
	scheme, cred, ok := strings.Cut(v, " ")
	if !ok {
		return
	}
	switch strings.ToLower(scheme) {
	case "bearer", "token":
		s.Saw(strings.TrimSpace(cred))
	case "basic":
		if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred)); err == nil {
			if _, pass, ok := strings.Cut(string(b), ":"); ok {
				s.Saw(pass)
			}
		}
		s.Saw(strings.TrimSpace(cred))
	}
}

// Redact masks the known tokens, anything shaped like a GitHub token, and
// Bearer and Basic credentials in text.
func (s *Secrets) Redact(text string) string {
	if s == nil {
		return Redact(text)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, k := range s.seen {
		text = mask(text, k)
	}
	return Redact(text, s.static...)
}

// RedactError masks secrets in err's text (see Redact); err is returned as
// it is when its text holds none.
func (s *Secrets) RedactError(err error) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	if masked := s.Redact(text); masked != text {
		return &redactedError{text: masked, err: err}
	}
	return err
}

func mask(text, k string) string {
	if len(k) >= 4 && strings.Contains(text, k) {
		return strings.ReplaceAll(text, k, Redacted)
	}
	return text
}

// Redact masks, in text, each of the known tokens and every string shaped
// like a GitHub token: one of GitHub's prefixes followed by letters, digits
// or underscores ("ghp_[REDACTED]"), and the credentials of "Bearer X" and
// "Basic BASE64(user:password)". Text without any is returned as it is,
// without allocating.
func Redact(text string, known ...string) string {
	for _, k := range known {
		text = mask(text, k)
	}
	text = redactSchemes(text)
	if !strings.Contains(text, "gh") && !strings.Contains(text, "github_pat_") {
		return text
	}
	var b strings.Builder
	last := 0 // text[:last] is written (or not yet needed)
	for i := 0; i < len(text); {
		j := strings.IndexByte(text[i:], 'g') // every prefix starts with "g"
		if j < 0 {
			break
		}
		i += j
		n := tokenPrefixAt(text, i)
		if n == 0 {
			i++
			continue
		}
		end := i + n
		for end < len(text) && isTokenByte(text[end]) {
			end++
		}
		if end == i+n { // a bare prefix ("ghp_" alone) is not a token
			i = end
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(text))
		}
		b.WriteString(text[last : i+n])
		b.WriteString(Redacted)
		last, i = end, end
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// tokenPrefixAt returns the length of the GitHub token prefix at text[i:],
// or 0. A prefix counts only at the start of a word.
func tokenPrefixAt(text string, i int) int {
	if i > 0 && isTokenByte(text[i-1]) {
		return 0
	}
	for _, p := range TokenPrefixes {
		if strings.HasPrefix(text[i:], p) {
			return len(p)
		}
	}
	return 0
}

func isTokenByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// isCredByte reports whether c may be part of a Bearer token (RFC 6750's
// b64token) or of Basic's base64.
func isCredByte(c byte) bool {
	return isTokenByte(c) || c == '-' || c == '.' || c == '~' || c == '+' || c == '/' || c == '='
}

// redactSchemes masks the credentials after "Bearer " (8 characters or
// more, so that "Bearer realm=…" stays) and after "Basic " (base64 that
// decodes to user:password).
func redactSchemes(text string) string {
	if !containsFold(text, "bearer ") && !containsFold(text, "basic ") {
		return text
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(text); i++ {
		var n int
		switch {
		case hasPrefixFold(text[i:], "bearer "):
			n = len("bearer ")
		case hasPrefixFold(text[i:], "basic "):
			n = len("basic ")
		default:
			continue
		}
		if i > 0 && isTokenByte(text[i-1]) {
			continue
		}
		start := i + n
		for start < len(text) && text[start] == ' ' {
			start++
		}
		end := start
		for end < len(text) && isCredByte(text[end]) {
			end++
		}
		cred := text[start:end]
		secret := false
		if n == len("bearer ") {
			secret = len(cred) >= 8 && !strings.Contains(cred, "=\"")
		} else if d, err := base64.StdEncoding.DecodeString(cred); err == nil {
			secret = strings.Contains(string(d), ":")
		}
		if !secret {
			continue
		}
		b.WriteString(text[last:start])
		b.WriteString(Redacted)
		last, i = end, end-1
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func hasPrefixFold(s, p string) bool { return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) }

// redactedError is an error whose text had secrets masked. It unwraps to
// the original error, for errors.Is and errors.As; only its text changes.
type redactedError struct {
	text string
	err  error
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }

// RedactError masks secrets in err's text (see Redact); err is returned as
// it is when its text holds none.
func RedactError(err error, known ...string) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	if masked := Redact(text, known...); masked != text {
		return &redactedError{text: masked, err: err}
	}
	return err
}
