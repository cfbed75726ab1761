package main

import (
	"context"
	"net"
	"net/url"
	"strings"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/image"
)

// The SDK calls that build the clients, in one place: the base URL, the
// token, the REST client and the registry client.

// resolveBaseURL is the API the flags and the environment name
// (api.ResolveBaseURL), as a usage error in the tool's words.
func resolveBaseURL(o *options, getenv func(string) string) (string, error) {
	base, err := api.ResolveBaseURL(o.baseURL, getenv)
	if err != nil {
		return "", usageErr("--base-url: %s", strings.TrimPrefix(message(err), "base URL: "))
	}
	return base, nil
}

// noReadBudget is what --no-read-budget sets today: the largest read
// budget api.WithReadBudget accepts (100 in flight, 900 a minute). The SDK
// option that lifts the budget entirely will replace it.
var noReadBudget = []int{100, 900}

// client finds a token (exit 2 when there is none, before anything is
// sent) and builds the REST client. needToken false lets a plan file be
// printed without one.
func (c *cli) client(ctx context.Context, needToken bool) (*api.Client, error) {
	baseURL, err := resolveBaseURL(c.options, c.getenv)
	if err != nil {
		return nil, err
	}
	base := []api.Option{api.WithEnv(c.getenv), api.WithBaseURL(baseURL)}
	c.tok, err = findToken(ctx, c.getenv, ghHost(baseURL))
	if err != nil {
		if !needToken {
			client, err := api.New(append(base, api.WithoutToken())...)
			if err != nil {
				return nil, usageErr("%s", message(err))
			}
			return client, nil
		}
		return nil, err
	}
	c.rep = &reporter{stdout: c.stdout, stderr: c.stderr, mode: c.talk, color: c.talk == modeTTY && c.getenv("NO_COLOR") == "" && c.getenv("TERM") != "dumb",
		width: c.errWidth, now: c.now, pacing: c.pacing.d, host: hostOf(baseURL)}
	opts := append(base,
		api.WithToken(c.tok.value),
		api.WithWritePacing(c.pacing.d),
		api.WithUserAgent("ghpackages-restore-cli/"+toolVersion()),
		api.WithWaitHook(c.rep.waited),
		api.WithAttemptTimeout(c.timeout.d),
	)
	if c.noReadBudget {
		opts = append(opts, api.WithReadBudget(noReadBudget[0], noReadBudget[1]))
	}
	client, err := api.New(opts...)
	if err != nil {
		return nil, usageErr("%s", message(err))
	}
	return client, nil
}

// hostOf is the host of a URL, for wait lines.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Host
}

// chooseRegistry picks the container registry: --registry when given, else
// GitHub's host rules for the API (github.com → ghcr.io, GHE.com and GitHub
// Enterprise Server → containers.HOST). A loopback or IP API host has no
// registry to derive: the user must name it (exit 2), never a guessed host.
// The SDK's discovery (GET /packages/container-registry-url) will be wired
// in here.
func chooseRegistry(flagValue, apiBaseURL string) (string, error) {
	if flagValue != "" {
		if _, _, err := image.ParseRegistry(flagValue); err != nil {
			return "", usageErr("--registry %s: %s", flagValue, strings.TrimPrefix(message(err), "invalid registry "+quote(flagValue)+": "))
		}
		return flagValue, nil
	}
	u, err := url.Parse(apiBaseURL)
	if err != nil {
		return "", usageErr("--base-url %s: not a URL", apiBaseURL)
	}
	h := strings.ToLower(u.Hostname())
	if h == "localhost" || strings.HasSuffix(h, ".localhost") || net.ParseIP(h) != nil {
		return "", usageErr("the API at %s names no container registry: give --registry HOST|URL", u.Host)
	}
	return image.RegistryFor(apiBaseURL), nil
}

// registry builds the registry client for host.
func (c *cli) registryClient(host string) (*image.Registry, error) {
	rc, err := image.NewRegistry(
		image.WithRegistry(host),
		image.WithToken(c.tok.value),
		image.WithUserAgent("ghpackages-restore-cli/"+toolVersion()),
		image.WithWaitHook(c.rep.registryWaited),
	)
	if err != nil {
		return nil, usageErr("%s", message(err))
	}
	return rc, nil
}
