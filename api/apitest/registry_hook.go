package apitest

import "slices"

// registryTokenOK is the fake registry's view of the fake GitHub's tokens
// (registry.go): the token exchange accepts a GitHub token with
// read:packages, as ghcr.io does. It is the only place the registry reads
// the Server's internals; versions are read through Version.
func (s *Server) registryTokenOK(value string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tokens[value]
	return t != nil && slices.Contains(t.Scopes, "read:packages")
}
