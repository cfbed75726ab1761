package api

import (
	"strings"
	"testing"
)

// FuzzRedact: a known token never survives in any text, and neither does
// the secret part of anything shaped like a GitHub token.
func FuzzRedact(f *testing.F) {
	f.Add("Bearer ", "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB", " was rejected", "ghs_16C7e42F292c6912E7710c838347Ae178B4a")
	f.Add("", "tok", "", "github_pat_11ABC_def")
	f.Add("xghp_", "abcd", "ghp_", "gho_x")
	f.Fuzz(func(t *testing.T, before, token, after, foreign string) {
		if len(token) < 4 || strings.Trim(token, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" {
			return // tokens are words of at least 4 characters
		}
		text := before + token + after + " " + foreign
		got := redact(text, token)
		if strings.Contains(got, token) {
			t.Fatalf("redact(%q) = %q keeps the token", text, got)
		}
		if KindOf(foreign) != TokenUnknown && KindOf(foreign) != TokenNone {
			secret, prefix := foreign, ""
			for _, p := range tokenPrefixes {
				if strings.HasPrefix(foreign, p.prefix) {
					secret, prefix = foreign[len(p.prefix):], p.prefix
					break
				}
			}
			if end := strings.IndexFunc(secret, func(r rune) bool { return !isTokenByte(byte(r)) || r > 127 }); end >= 0 {
				secret = secret[:end]
			}
			if out := redact(" "+foreign, "none"); secret != "" && !strings.HasPrefix(out[1+len(prefix):], "[REDACTED]") {
				t.Fatalf("redact(%q) = %q keeps the secret part %q", " "+foreign, out, secret)
			}
		}
		if clean := "no secrets here: 1234 gh ghx_"; redact(clean, token) != clean && !strings.Contains(clean, token) {
			t.Fatalf("redact changed %q", clean)
		}
	})
}

func isTokenByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
