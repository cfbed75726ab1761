package main

import (
	"context"
	"errors"
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
		opts = append(opts, api.WithoutReadBudget())
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

// checkRegistry checks --registry before anything is sent.
func checkRegistry(flagValue string) error {
	if _, _, err := image.ParseRegistry(flagValue); err != nil {
		return usageErr("--registry %s: %s", flagValue, strings.TrimPrefix(message(err), "invalid registry "+quote(flagValue)+": "))
	}
	return nil
}

// imageClients connects to the API and to the registry it names (or
// --registry), for the image modes; done closes both clients' idle
// connections.
func (c *cli) imageClients(ctx context.Context) (*api.Client, *image.Registry, func(), error) {
	client, err := c.client(ctx, true)
	if err != nil {
		return nil, nil, nil, err
	}
	host, err := c.chooseRegistry(ctx, client)
	if err != nil {
		client.CloseIdleConnections()
		return nil, nil, nil, err
	}
	rc, err := c.registryClient(host)
	if err != nil {
		client.CloseIdleConnections()
		return nil, nil, nil, err
	}
	return client, rc, func() { rc.CloseIdleConnections(); client.CloseIdleConnections() }, nil
}

// chooseRegistry picks the container registry: --registry when given, else
// the API's own answer or GitHub's host rules (image.DiscoverRegistry). An
// API that names no registry (a loopback or unknown host without the
// discovery route) ends the run asking for --registry (exit 2): nothing is
// sent to a guessed host.
func (c *cli) chooseRegistry(ctx context.Context, client *api.Client) (string, error) {
	if c.registry != "" {
		return c.registry, checkRegistry(c.registry)
	}
	host, err := image.DiscoverRegistry(ctx, client)
	if errors.Is(err, image.ErrRegistryUnknown) {
		return "", withFix(exitUsage, "Give the package's registry: --registry HOST|URL",
			"the API at %s names no container registry, and none is guessed", escape(hostOf(client.BaseURL())))
	}
	return host, err
}

// registryClient builds the registry client for host. Without a token
// (a plan file printed, which reads nothing) it is anonymous and silent.
func (c *cli) registryClient(host string) (*image.Registry, error) {
	regHost, _, err := image.ParseRegistry(host)
	if err != nil {
		return nil, usageErr("--registry %s: %s", host, message(err))
	}
	opts := []image.RegistryOption{
		image.WithRegistry(host),
		image.WithUserAgent("ghpackages-restore-cli/" + toolVersion()),
		image.WithAttemptTimeout(c.timeout.d), // --timeout bounds registry reads too
	}
	if c.tok.value != "" {
		opts = append(opts, image.WithToken(c.tok.value))
	}
	if rep := c.rep; rep != nil {
		opts = append(opts, image.WithWaitHook(func(ev api.WaitEvent) { rep.registryWaited(regHost, ev) }))
	}
	rc, err := image.NewRegistry(opts...)
	if err != nil {
		return nil, usageErr("%s", message(err))
	}
	return rc, nil
}
