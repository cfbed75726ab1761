package apitest

import "net/http"

// Registry discovery: GET /packages/container-registry-url, the
// undocumented route GitHub answers with the URL of its container registry
// ({"url": …}); GitHub's own actions/publish-immutable-action reads it. The
// fake answers it with the URL of the fake registry started beside it
// (StartRegistry, NewRegistry; the first one, unless SetContainerRegistryURL
// chose another), and 404 when it knows none or WithoutContainerRegistryURL
// says so, as a GitHub Enterprise Server that does not serve the route.

// discovery is what the route answers; the Server's mu guards it.
type discovery struct {
	url string
	set bool // chosen by SetContainerRegistryURL: a registry started later does not replace it
	off bool // WithoutContainerRegistryURL: always 404
}

// WithoutContainerRegistryURL makes GET /packages/container-registry-url
// answer 404, as a GitHub Enterprise Server that does not serve the
// undocumented route, whatever registry is started beside the server.
func WithoutContainerRegistryURL() Option {
	return func(s *Server) { s.discovery.off = true }
}

// SetContainerRegistryURL sets the URL that GET
// /packages/container-registry-url answers, in place of the fake
// registry's; "" makes the route answer 404.
func (s *Server) SetContainerRegistryURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.discovery.url, s.discovery.set = u, true
}

// registryStarted makes a fake registry's URL the route's answer, unless
// one was chosen already.
func (s *Server) registryStarted(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.discovery.set && s.discovery.url == "" {
		s.discovery.url = u
	}
}

// containerRegistryURL answers GET /packages/container-registry-url; s.mu
// is held.
func (s *Server) containerRegistryURL(c *call) reply {
	if s.discovery.off || s.discovery.url == "" {
		return errReply(http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
	}
	return jsonReply(http.StatusOK, map[string]string{"url": s.discovery.url})
}
