package api

import (
	"strings"

	"github.com/ghpackages/restore/internal/wire"
)

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

// redact masks, in text, each of the known tokens (the client's own),
// every string shaped like a GitHub token ("ghp_[REDACTED]") and Bearer and
// Basic credentials (wire.Redact). Text without any is returned as it is,
// without allocating.
func redact(text string, known ...string) string { return wire.Redact(text, known...) }
