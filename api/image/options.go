package image

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/internal/wire"
)

// RegistryOption configures a Registry. Options are checked by
// NewRegistry; a bad value is a *api.ValidationError naming the option.
type RegistryOption func(*config) error

type config struct {
	host        string
	plainHTTP   bool
	token       func(context.Context) (string, error)
	static      string // the token of WithToken, masked in every text
	username    string
	transport   http.RoundTripper
	clock       api.Clock
	maxInFlight int
	retry       api.RetryPolicy
	attempt     time.Duration
	userAgent   string
	waitHook    func(api.WaitEvent)
}

// DefaultMaxInFlight is how many registry reads run at once by default: a
// few, as GitHub's registry rate-limits manifest reads.
const DefaultMaxInFlight = 6

func newConfig(opts []RegistryOption) (*config, error) {
	c := &config{
		host:        "ghcr.io",
		username:    "restore",
		clock:       api.SystemClock{},
		maxInFlight: DefaultMaxInFlight,
		retry:       api.DefaultRetryPolicy(),
		attempt:     api.DefaultAttemptTimeout,
		userAgent:   api.DefaultUserAgent,
	}
	for _, o := range opts {
		if o == nil {
			return nil, invalid("option", "nil", "is nil")
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func invalid(field, value, format string, args ...any) error {
	return &api.ValidationError{Field: field, Value: value, Reason: fmt.Sprintf(format, args...)}
}

// WithRegistry sets the registry: a host ("ghcr.io",
// "containers.github.example.com", "localhost:5000") or a URL
// ("https://HOST[:PORT]"). Plain "http://" is accepted only for loopback
// hosts (the loopback rule of api.ParseBaseURL). The default is ghcr.io; RegistryFor derives the registry of a GitHub
// Enterprise Server from its API URL.
func WithRegistry(hostOrURL string) RegistryOption {
	return func(c *config) error {
		host, plain, err := ParseRegistry(hostOrURL)
		if err != nil {
			return err
		}
		c.host, c.plainHTTP = host, plain
		return nil
	}
}

// ParseRegistry checks a registry given as a host or a URL and returns its
// host[:port] (in lower case, without the scheme's default port) and
// whether it is reached over plain HTTP (loopback only).
func ParseRegistry(hostOrURL string) (host string, plainHTTP bool, err error) {
	s := strings.TrimSpace(hostOrURL)
	if s == "" {
		return "", false, invalid("registry", hostOrURL, "is empty")
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Hostname() == "" {
		return "", false, invalid("registry", hostOrURL, "is neither a host nor an http(s) URL")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") != "" {
		return "", false, invalid("registry", hostOrURL, "must be a bare host or scheme://host[:port]")
	}
	defaultPort := "443"
	switch u.Scheme {
	case "https":
	case "http":
		if !wire.IsLoopback(u.Hostname()) {
			return "", false, invalid("registry", hostOrURL, "plain http is allowed only for loopback hosts")
		}
		plainHTTP, defaultPort = true, "80"
	default:
		return "", false, invalid("registry", hostOrURL, "scheme %q is not http or https", u.Scheme)
	}
	// The scheme's own port is dropped: a token realm on https://ghcr.io
	// is on the host of a registry given as ghcr.io:443.
	host = strings.ToLower(u.Host)
	if u.Port() == defaultPort {
		host = strings.TrimSuffix(host, ":"+defaultPort)
	}
	return strings.TrimSuffix(host, ":"), plainHTTP, nil
}

// RegistryFor returns the container registry that GitHub's host rules give
// a GitHub API base URL: ghcr.io for github.com (https://api.github.com),
// containers.SUBDOMAIN.ghe.com for GHE.com (https://api.SUBDOMAIN.ghe.com),
// and containers.HOST for GitHub Enterprise Server (https://HOST/api/v3). It
// reports false for any other URL (a loopback test server, an IP address, a
// host of no known form): then there is no registry to guess, and
// DiscoverRegistry, which asks the API first, or an explicit WithRegistry is
// needed.
func RegistryFor(apiBaseURL string) (string, bool) { return registryByHostRules(apiBaseURL) }

// WithToken sets the GitHub token (a classic PAT with read:packages, or
// Actions' GITHUB_TOKEN). It is exchanged for a registry token through the
// registry's 401 challenge, and sent, as the Basic password of that
// exchange, only to a token realm on the registry's own host.
func WithToken(token string) RegistryOption {
	return func(c *config) error {
		if strings.TrimSpace(token) == "" {
			return invalid("token", "", "is empty")
		}
		if strings.ContainsAny(token, "\r\n") {
			return invalid("token", "[REDACTED]", "contains a line break")
		}
		c.token = func(context.Context) (string, error) { return token, nil }
		c.static = token
		return nil
	}
}

// WithTokenSource takes the GitHub token from ts at each token exchange.
func WithTokenSource(ts oauth2.TokenSource) RegistryOption {
	return func(c *config) error {
		if ts == nil {
			return invalid("token source", "nil", "is nil")
		}
		c.static = ""
		c.token = func(context.Context) (string, error) {
			t, err := ts.Token()
			if err != nil {
				return "", err
			}
			if t.AccessToken == "" {
				return "", errors.New("empty token")
			}
			return t.AccessToken, nil
		}
		return nil
	}
}

// WithUsername sets the user name of the token exchange's Basic auth
// (ghcr.io accepts any; the default is "restore").
func WithUsername(name string) RegistryOption {
	return func(c *config) error {
		if name == "" || strings.ContainsAny(name, ":\r\n") {
			return invalid("username", name, "must be non-empty without ':' or line breaks")
		}
		c.username = name
		return nil
	}
}

// WithTransport sets the HTTP transport under the client's retries, attempt
// bound and host guard (default: a clone of http.DefaultTransport with a
// connection per read in flight).
func WithTransport(rt http.RoundTripper) RegistryOption {
	return func(c *config) error {
		if rt == nil {
			return invalid("transport", "nil", "is nil")
		}
		c.transport = rt
		return nil
	}
}

// WithClock sets the clock behind every wait (429s, retries and the verify
// polls) and the attempt bound. Share the api client's clock; tests pass
// apitest's fake.
func WithClock(clk api.Clock) RegistryOption {
	return func(c *config) error {
		if clk == nil {
			return invalid("clock", "nil", "is nil")
		}
		c.clock = clk
		return nil
	}
}

// WithMaxInFlight bounds how many registry reads run at once (default
// DefaultMaxInFlight, at most 64).
func WithMaxInFlight(n int) RegistryOption {
	return func(c *config) error {
		if n < 1 || n > 64 {
			return invalid("max in flight", fmt.Sprint(n), "must be between 1 and 64")
		}
		c.maxInFlight = n
		return nil
	}
}

// WithRetryPolicy bounds how the client retries, with the REST client's
// policy type (default api.DefaultRetryPolicy: up to 5 attempts, waits up
// to 2 minutes each, jittered backoff from 1 s doubling to 30 s). What is
// retried is the registry's rule: a 429 after the wait it asks for
// (Retry-After, else the retry-after its body names, at least 100 ms, with
// jitter), a 5xx answer, a network error and a timed-out attempt, after a
// backoff. A host that does not exist, a certificate the client does not
// trust and an https request to a plain http server are never retried.
func WithRetryPolicy(p api.RetryPolicy) RegistryOption {
	return func(c *config) error {
		if err := p.Validate(); err != nil {
			return invalid("retry policy", "", "%v", err)
		}
		c.retry = p
		return nil
	}
}

// WithoutRetry sends every request once: no retries and no waits.
func WithoutRetry() RegistryOption {
	return func(c *config) error {
		c.retry = api.RetryPolicy{MaxAttempts: 1, BaseDelay: time.Second, MaxDelay: time.Second}
		return nil
	}
}

// WithAttemptTimeout bounds each attempt of a registry request: sending it,
// waiting for the answer's headers and reading its body, together, as the
// REST client's option of the same name does. An attempt past it ends with
// an error matching api.ErrAttemptTimeout and is retried like a network
// error. The default is api.DefaultAttemptTimeout (30 s); the bound runs on
// the client's Clock (WithClock) when it is an api.TimerClock.
func WithAttemptTimeout(d time.Duration) RegistryOption {
	return func(c *config) error {
		if d <= 0 {
			return invalid("attempt timeout", d.String(), "is not positive")
		}
		c.attempt = d
		return nil
	}
}

// WithUserAgent sets the User-Agent of registry requests (default
// api.DefaultUserAgent, the REST client's).
func WithUserAgent(ua string) RegistryOption {
	return func(c *config) error {
		if ua == "" || strings.ContainsAny(ua, "\r\n") {
			return invalid("user agent", ua, "must be non-empty without line breaks")
		}
		c.userAgent = ua
		return nil
	}
}

// WithWaitHook calls fn before every wait of the registry client, with the
// REST client's event type (api.WaitEvent): Reason is
// api.ReasonRegistryLimit for a 429, api.ReasonServerError,
// api.ReasonNetwork or api.ReasonTimeout otherwise; Attempt is the attempt
// the wait comes before (2 for the first retry). Reads run concurrently, so
// fn may be called from several goroutines at once.
func WithWaitHook(fn func(api.WaitEvent)) RegistryOption {
	return func(c *config) error {
		if fn == nil {
			return invalid("wait hook", "nil", "is nil")
		}
		c.waitHook = fn
		return nil
	}
}
