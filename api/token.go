package api

import "strings"

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

// tokenPrefixes are the prefixes of GitHub's tokens, by kind.
var tokenPrefixes = [...]struct {
	prefix string
	kind   TokenKind
}{
	{"ghp_", TokenClassic},
	{"gho_", TokenOAuth},
	{"github_pat_", TokenFineGrained},
	{"ghs_", TokenApp},
	{"ghu_", TokenAppUser},
	{"ghr_", TokenRefresh},
}

// KindOf tells a token's kind from its prefix. It never returns the token.
func KindOf(token string) TokenKind {
	if token == "" {
		return TokenNone
	}
	for _, p := range tokenPrefixes {
		if strings.HasPrefix(token, p.prefix) {
			return p.kind
		}
	}
	return TokenUnknown
}

// redacted replaces a secret in text.
const redacted = "[REDACTED]"

// redact masks, in text, each of the known tokens (the client's own) and
// every string shaped like a GitHub token: one of GitHub's prefixes followed
// by letters, digits or underscores ("ghp_[REDACTED]"). Text without either
// is returned as it is, without allocating.
func redact(text string, known ...string) string {
	for _, k := range known {
		if len(k) >= 4 && strings.Contains(text, k) {
			text = strings.ReplaceAll(text, k, redacted)
		}
	}
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
		b.WriteString(redacted)
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
	for _, p := range tokenPrefixes {
		if strings.HasPrefix(text[i:], p.prefix) {
			return len(p.prefix)
		}
	}
	return 0
}

func isTokenByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// redactedError is an error whose text had secrets masked. It unwraps to
// the original error, for errors.Is and errors.As; only its text changes.
type redactedError struct {
	text string
	err  error
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }

// redactError masks secrets in err's text (see redact); err is returned as
// it is when its text holds none.
func redactError(err error, known ...string) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	if masked := redact(text, known...); masked != text {
		return &redactedError{text: masked, err: err}
	}
	return err
}
