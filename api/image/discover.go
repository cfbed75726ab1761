package image

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/internal/wire"
)

// ErrRegistryUnknown matches *RegistryUnknownError.
var ErrRegistryUnknown = errors.New("no container registry is known for this GitHub host")

// RegistryUnknownError is an API host whose container registry neither the
// API nor GitHub's host rules name: a loopback or unknown host that does
// not answer GET /packages/container-registry-url (or answers something
// that is not a registry). Nothing was sent to a guessed registry; give the
// registry explicitly (WithRegistry, the CLI's --registry).
type RegistryUnknownError struct {
	// APIURL is the API's base URL.
	APIURL string
	// Why says what was tried.
	Why string
	// Err is the API's answer to the discovery route, if it was an error.
	Err error
}

// Error says why no registry is known and what to do.
func (e *RegistryUnknownError) Error() string {
	return fmt.Sprintf("no container registry is known for the GitHub API at %s: %s; give the registry explicitly", e.APIURL, e.Why)
}

// Is matches ErrRegistryUnknown.
func (e *RegistryUnknownError) Is(target error) bool { return target == ErrRegistryUnknown }

// Unwrap returns the API's answer to the discovery route, if any.
func (e *RegistryUnknownError) Unwrap() error { return e.Err }

// DiscoverRegistry returns the container registry of the GitHub host gh
// talks to, as WithRegistry takes it: a host[:port] reached over https, or
// "http://HOST:PORT" for a registry on a loopback host.
//
// It asks the API first, with GET /packages/container-registry-url (an
// undocumented route; api.Client.ContainerRegistryURL): its answer wins.
// When GitHub answers that route with an error (404 on a GitHub Enterprise
// Server that does not serve it), GitHub's host rules apply
// (https://docs.github.com/packages/working-with-a-github-packages-registry/working-with-the-container-registry):
// https://api.github.com has ghcr.io; GHE.com's https://api.SUBDOMAIN.ghe.com
// has containers.SUBDOMAIN.ghe.com; a GitHub Enterprise Server's
// https://HOST/api/v3 has containers.HOST. For any other host, loopback and
// IP addresses included, the error is a *RegistryUnknownError: a registry
// is never guessed (no containers.127.0.0.1), and nothing is sent to one.
// A failure to reach the API (the network, a rate limit, the context) is
// returned as it is.
func DiscoverRegistry(ctx context.Context, gh *api.Client) (string, error) {
	if gh == nil {
		return "", invalid("client", "nil", "discovering the registry needs a GitHub client")
	}
	base := gh.BaseURL()
	answer, err := gh.ContainerRegistryURL(ctx)
	var ae *api.Error
	switch {
	case err == nil:
		host, plain, perr := ParseRegistry(answer)
		if perr != nil {
			return "", &RegistryUnknownError{APIURL: base, Why: fmt.Sprintf("the API's container-registry-url answer %q is not a registry URL", answer), Err: perr}
		}
		if plain {
			return "http://" + host, nil
		}
		return host, nil
	case errors.Is(err, api.ErrRateLimited) || !errors.As(err, &ae):
		return "", err
	}
	if host, ok := registryByHostRules(base); ok {
		return host, nil
	}
	return "", &RegistryUnknownError{APIURL: base, Err: err,
		Why: fmt.Sprintf("it answered GET /packages/container-registry-url with %d, and GitHub's host rules know no registry for a loopback or unknown host", ae.StatusCode)}
}

// registryByHostRules is GitHub's documented host of the container
// registry for an API base URL, if any.
func registryByHostRules(base string) (string, bool) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "https" {
		return "", false
	}
	h := strings.ToLower(u.Hostname())
	path := strings.TrimSuffix(u.Path, "/")
	switch {
	case h == "" || wire.IsLoopback(h) || net.ParseIP(strings.Trim(h, "[]")) != nil:
		return "", false
	case h == "api.github.com" && path == "":
		return "ghcr.io", true
	case strings.HasPrefix(h, "api.") && strings.HasSuffix(h, ".ghe.com") && len(h) > len("api..ghe.com") && path == "":
		return "containers." + strings.TrimPrefix(h, "api."), true
	case path == "/api/v3" && strings.Contains(h, "."):
		return "containers." + h, true
	}
	return "", false
}
