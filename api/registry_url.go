package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/ghpackages/restore/gen"
)

// ContainerRegistryURL asks GitHub for the URL of the container registry
// that belongs to the client's API host, such as "https://ghcr.io" for
// github.com or "https://containers.HOST" for GitHub Enterprise Server.
//
// GET /packages/container-registry-url. The route is undocumented (it is
// not in GitHub's OpenAPI description; GitHub's own
// actions/publish-immutable-action uses it; see
// https://docs.github.com/rest/packages/packages for the documented
// routes). A host that does not serve it answers 404: the error is an
// *Error matching ErrNotFound, and a caller falls back to GitHub's host
// rules (image.DiscoverRegistry does). An answer without a URL is an error.
func (c *Client) ContainerRegistryURL(ctx context.Context) (string, error) {
	op := OpContainerRegistryURL.ID("")
	cctx, st := newCall(ctx)
	resp, err := c.send(cctx, http.MethodGet, c.containerRegistryURL())
	if err != nil {
		return "", c.sendError(op, err)
	}
	if resp.StatusCode != http.StatusOK {
		err := c.errorFrom(OpContainerRegistryURL, "", resp, st, "")
		if e, ok := err.(*Error); ok && e.StatusCode == http.StatusNotFound {
			// Not a missing package: the host does not serve the route.
			e.Hint = "this GitHub host does not serve the undocumented route: derive the registry from GitHub's host rules, or give it explicitly"
		}
		return "", err
	}
	var answer gen.ContainerRegistryURL
	if err := c.decode(op, resp, &answer); err != nil {
		return "", err
	}
	u := strings.TrimSpace(answer.URL)
	if u == "" {
		return "", fmt.Errorf("%s: the answer names no url", op)
	}
	return u, nil
}
