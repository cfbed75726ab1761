package api

import "strings"

// ResolveBaseURL returns the REST API's base URL as New resolves it, without
// building a client: baseURL when it is not blank (what WithBaseURL would
// get), else GITHUB_API_URL from getenv (nil means no environment), else
// DefaultBaseURL; then ParseBaseURL's rules (a GitHub Enterprise Server host
// gains /api/v3, a GHE.com subdomain its api. host, plain http only for
// loopback). The result has no trailing slash, as Client.BaseURL.
func ResolveBaseURL(baseURL string, getenv func(string) string) (string, error) {
	raw := strings.TrimSpace(baseURL)
	if raw == "" && getenv != nil {
		raw = strings.TrimSpace(getenv("GITHUB_API_URL"))
	}
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := ParseBaseURL(raw)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}
