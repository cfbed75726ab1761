package image

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/ghpackages/restore/api"
)

// Option configures a Registry. Options are checked by NewRegistry; a bad
// value is a *api.ValidationError naming the option.
type Option func(*config) error

type config struct {
	host        string
	plainHTTP   bool
	token       func(context.Context) (string, error)
	username    string
	transport   http.RoundTripper
	clock       api.Clock
	maxInFlight int
	retries     int
	userAgent   string
	waitHook    func(Wait)
}

// DefaultMaxInFlight is how many registry reads run at once by default: a
// few, as GitHub's registry rate-limits manifest reads.
const DefaultMaxInFlight = 6

func newConfig(opts []Option) (*config, error) {
	c := &config{
		host:        "ghcr.io",
		username:    "restore",
		clock:       api.SystemClock{},
		maxInFlight: DefaultMaxInFlight,
		retries:     5,
		userAgent:   "ghpackages-restore-image",
	}
	for _, o := range opts {
		if o == nil {
			continue
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
// hosts. The default is ghcr.io; RegistryFor derives the registry of a GitHub
// Enterprise Server from its API URL.
func WithRegistry(hostOrURL string) Option {
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
		if !loopback(u.Hostname()) {
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

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// RegistryFor returns the container registry that belongs to a GitHub API
// base URL: ghcr.io for github.com (https://api.github.com),
// containers.SUBDOMAIN.ghe.com for GHE.com (https://api.SUBDOMAIN.ghe.com),
// and containers.HOST for GitHub Enterprise Server (https://HOST/api/v3).
func RegistryFor(apiBaseURL string) string {
	u, err := url.Parse(apiBaseURL)
	if err != nil || u.Hostname() == "" {
		return "ghcr.io"
	}
	h := strings.ToLower(u.Hostname())
	if h == "api.github.com" || h == "github.com" {
		return "ghcr.io"
	}
	if strings.HasSuffix(h, ".ghe.com") {
		// GHE.com serves its API at api.SUBDOMAIN.ghe.com and its
		// registry at containers.SUBDOMAIN.ghe.com.
		h = strings.TrimPrefix(h, "api.")
	}
	return "containers." + h
}

// WithToken sets the GitHub token (a classic PAT with read:packages, or
// Actions' GITHUB_TOKEN). It is exchanged for a registry token through the
// registry's 401 challenge, and sent, as the Basic password of that
// exchange, only to a token realm on the registry's own host.
func WithToken(token string) Option {
	return func(c *config) error {
		if strings.TrimSpace(token) == "" {
			return invalid("token", "", "is empty")
		}
		if strings.ContainsAny(token, "\r\n") {
			return invalid("token", "[REDACTED]", "contains a line break")
		}
		c.token = func(context.Context) (string, error) { return token, nil }
		return nil
	}
}

// WithTokenSource takes the GitHub token from ts at each token exchange.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(c *config) error {
		if ts == nil {
			return invalid("token source", "nil", "is nil")
		}
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
func WithUsername(name string) Option {
	return func(c *config) error {
		if name == "" || strings.ContainsAny(name, ":\r\n") {
			return invalid("username", name, "must be non-empty without ':' or line breaks")
		}
		c.username = name
		return nil
	}
}

// WithTransport sets the HTTP transport under the client's retries and host
// guard (default http.DefaultTransport).
func WithTransport(rt http.RoundTripper) Option {
	return func(c *config) error {
		if rt == nil {
			return invalid("transport", "nil", "is nil")
		}
		c.transport = rt
		return nil
	}
}

// WithClock sets the clock behind every wait (429 Retry-After, retries and
// the verify polls). Share the api client's clock; tests pass apitest's fake.
func WithClock(clk api.Clock) Option {
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
func WithMaxInFlight(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 64 {
			return invalid("max in flight", fmt.Sprint(n), "must be between 1 and 64")
		}
		c.maxInFlight = n
		return nil
	}
}

// WithRetries sets how many times a read answered 429 or 5xx is retried
// (default 5; 0 turns retries off).
func WithRetries(n int) Option {
	return func(c *config) error {
		if n < 0 || n > 20 {
			return invalid("retries", fmt.Sprint(n), "must be between 0 and 20")
		}
		c.retries = n
		return nil
	}
}

// WithUserAgent sets the User-Agent of registry requests.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if ua == "" || strings.ContainsAny(ua, "\r\n") {
			return invalid("user agent", ua, "must be non-empty without line breaks")
		}
		c.userAgent = ua
		return nil
	}
}

// Wait is one wait of the registry client before it retries a read.
type Wait struct {
	Status   int           // the answer that caused it: 429, 5xx; 0 for a network error
	Attempt  int           // 1 for the first retry
	Duration time.Duration // how long it waits
	URL      string        // the request's URL (no credentials)
}

// WithWaitHook calls fn before every wait of the registry client, so that a
// program can say what it waits for and how long. Reads run concurrently,
// so fn may be called from several goroutines at once.
func WithWaitHook(fn func(Wait)) Option {
	return func(c *config) error {
		if fn == nil {
			return invalid("wait hook", "nil", "is nil")
		}
		c.waitHook = fn
		return nil
	}
}
