package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/ghpackages/restore/internal/wire"
)

// Client calls GitHub Packages' REST API for the packages of an
// organization, a user or the authenticated user. It is safe for concurrent
// use; mutating calls are paced and sent one at a time (see
// WithWritePacing), and reads run under a budget (see WithReadBudget).
type Client struct {
	base      *url.URL
	baseStr   string // base.String(), without a trailing slash
	hc        *http.Client
	clock     Clock
	logger    *slog.Logger
	kind      TokenKind // of a static token; TokenUnknown with a token source
	maxBody   int64
	transport *wire.Retry
	secrets   *secrets
	// viaClient: the caller's *http.Client (WithHTTPClient) has a cookie jar
	// or a timeout, which only http.Client.Do applies.
	viaClient bool
}

// New returns a Client. Every option is checked; the first bad one's error is
// returned. Without options it talks to api.github.com (or GITHUB_API_URL)
// with the token from GH_TOKEN or GITHUB_TOKEN, retries as GitHub
// recommends, paces writes one second apart, keeps reads to 4 in flight and
// 600 a minute (WithoutReadBudget lifts that for a server without rate
// limits), and bounds each attempt, headers and body, to 30 seconds.
func New(opts ...Option) (*Client, error) {
	cfg := config{
		apiVersion:   DefaultAPIVersion,
		userAgent:    DefaultUserAgent,
		logger:       slog.New(slog.DiscardHandler),
		clock:        SystemClock{},
		getenv:       os.Getenv,
		retry:        DefaultRetryPolicy(),
		pacing:       time.Second,
		maxBodyBytes: 32 << 20,
		attempt:      DefaultAttemptTimeout,
		readInFlight: DefaultReadsInFlight,
		readPerMin:   DefaultReadsPerMinute,
	}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("New: nil option")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if !cfg.tokenSet {
		for _, name := range []string{"GH_TOKEN", "GITHUB_TOKEN"} {
			if v := strings.TrimSpace(cfg.getenv(name)); v != "" {
				if err := checkHeaderValue(v); err != nil {
					return nil, fmt.Errorf("%s %w", name, err)
				}
				cfg.token = secret(v)
				break
			}
		}
	}
	raw := cfg.baseURL
	if !cfg.baseSet {
		raw = DefaultBaseURL
		if v := strings.TrimSpace(cfg.getenv("GITHUB_API_URL")); v != "" {
			raw = v
		}
	}
	base, err := parseBaseURL(raw, cfg.allowHTTP)
	if err != nil {
		return nil, err
	}

	var bottom http.RoundTripper
	hc := &http.Client{}
	switch {
	case cfg.transport != nil:
		bottom = cfg.transport
	case cfg.httpClient != nil:
		*hc = *cfg.httpClient // a copy: the caller's client is not modified
		bottom = cfg.httpClient.Transport
	}
	viaClient := hc.Jar != nil || hc.Timeout != 0
	if bottom == nil {
		bottom = defaultTransport()
	}
	// The transport follows GitHub's redirect rules itself (redirectTransport):
	// http.Client must not, as it turns a POST into a GET on 301 and 302.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	sec := newSecrets(string(cfg.token))
	w := &wire.Waiter{Clock: cfg.clock, Hook: cfg.waitHook, Logger: cfg.logger, Secrets: sec.w}
	ht := &headerTransport{
		next:        bottom,
		scheme:      base.Scheme,
		host:        base.Host,
		accept:      []string{"application/vnd.github+json"},
		apiVersion:  []string{cfg.apiVersion},
		userAgent:   []string{cfg.userAgent},
		tokenSource: cfg.tokenSource,
		kind:        TokenNone,
		secrets:     sec,
	}
	c := &Client{base: base, clock: cfg.clock, logger: cfg.logger, maxBody: cfg.maxBodyBytes, kind: TokenNone, secrets: sec, viaClient: viaClient}
	switch {
	case cfg.token != "":
		ht.auth = []string{"Bearer " + string(cfg.token)}
		ht.kind = KindOf(string(cfg.token))
		c.kind = ht.kind
	case cfg.tokenSource != nil:
		c.kind = TokenUnknown
	}
	var rt http.RoundTripper = &wire.Timeout{Next: ht, After: cfg.attempt, Clock: cfg.clock, Err: &attemptTimeoutError{after: cfg.attempt}}
	rt = wire.NewPacer(rt, cfg.pacing, w, attemptOf)
	if cfg.readPerMin > 0 {
		rt = wire.NewReadBudget(rt, w, cfg.readInFlight, cfg.readPerMin, attemptOf)
	}
	rt = &redirectTransport{next: rt, scheme: base.Scheme, host: base.Host, secrets: sec}
	gr := &githubRetry{policy: cfg.retry, w: w, logger: cfg.logger, gate: &gate{}, secrets: sec}
	c.transport = gr.transport(rt, cfg.maxBodyBytes)
	hc.Transport = c.transport
	c.hc = hc
	c.baseStr = base.String()
	return c, nil
}

// defaultTransport is http.DefaultTransport's configuration with a larger
// idle pool (Go keeps only 2 idle connections per host by default, which
// makes concurrent callers open and close connections), at most 64
// connections per host, and a bound on waiting for response headers.
func defaultTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   64,
		MaxConnsPerHost:       64, // queue beyond 64 rather than churn (GitHub limits concurrency anyway)
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// ParseBaseURL turns what a user gives as the API location into the REST
// API's base URL, as WithBaseURL documents: GitHub.com, a GitHub Enterprise
// Server host or URL (…/api/v3), a GHE.com subdomain, or a full URL. Plain
// http:// is accepted for loopback hosts only; New accepts it for other
// hosts with WithInsecureHTTP.
func ParseBaseURL(raw string) (*url.URL, error) { return parseBaseURL(raw, false) }

func parseBaseURL(raw string, allowHTTP bool) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("base URL: empty")
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url's errors quote the input, which may hold credentials.
		return nil, errors.New("base URL: not a valid URL")
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("base URL: scheme %q; want https (or http for a loopback test server)", u.Scheme)
	case u.User != nil:
		return nil, errors.New("base URL: must not contain user information; use WithToken")
	case u.Host == "":
		return nil, errors.New("base URL: no host")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, errors.New("base URL: must not have a query or fragment")
	}
	host := strings.ToLower(u.Hostname())
	if u.Scheme == "http" && !allowHTTP && !isLoopback(host) {
		return nil, fmt.Errorf("base URL: plain http to %s would send the token unencrypted; use https, or WithInsecureHTTP", host)
	}
	path := strings.TrimSuffix(u.Path, "/")
	if path == "" {
		switch {
		case host == "github.com" || host == "api.github.com":
			return url.Parse(DefaultBaseURL)
		case strings.HasSuffix(host, ".ghe.com"):
			if !strings.HasPrefix(host, "api.") {
				u.Host = "api." + u.Host
			}
		case isLoopback(host):
			// a test server at the root
		default:
			path = "/api/v3" // GitHub Enterprise Server
		}
	}
	u.Path, u.RawPath = path, ""
	return u, nil
}

// isLoopback is the loopback rule both clients share (wire.IsLoopback).
func isLoopback(host string) bool { return wire.IsLoopback(host) }

// do sends one of the facade's requests through the transport stack. The
// stack applies GitHub's redirect rules itself, so http.Client adds nothing
// but a jar or a timeout (WithHTTPClient); without them do skips it, and
// its per-request copies. An error closes req's body, as http.Client does.
func (c *Client) do(req *http.Request) (*http.Response, error) {
	if c.viaClient {
		return c.hc.Do(req)
	}
	return c.transport.RoundTrip(req)
}

// BaseURL returns the REST API's base URL, without a trailing slash.
func (c *Client) BaseURL() string { return c.base.String() }

// HTTPClient returns the client's *http.Client, whose transport is the whole
// stack (retries and rate limits, GitHub's redirect rules, the read budget,
// write pacing, the attempt bound, GitHub's headers and the token). Hand it
// to the generated client for operations the facade does not wrap:
//
//	g, err := gen.NewClient(c.BaseURL(), gen.WithHTTPClient(c.HTTPClient()))
func (c *Client) HTTPClient() *http.Client { return c.hc }

// Clock returns the clock behind every wait of the client (WithClock). An
// image run (package api/image) waits on the same one.
func (c *Client) Clock() Clock { return c.clock }

// TokenKind reports the kind of the configured static token (TokenNone
// without one, TokenUnknown with a token source).
func (c *Client) TokenKind() TokenKind { return c.kind }

// String describes the client without its token.
func (c *Client) String() string {
	return fmt.Sprintf("api.Client{base: %s, token: %s}", c.base, c.kind)
}

// GoString describes the client without its token, for %#v.
func (c *Client) GoString() string { return c.String() }

// CloseIdleConnections closes the idle connections of the client's
// transport (see http.Client.CloseIdleConnections).
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }
