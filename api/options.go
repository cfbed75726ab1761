package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"golang.org/x/oauth2"
)

// ModuleVersion is this module's version, sent in the default User-Agent.
const ModuleVersion = "v0.3.0"

// DefaultUserAgent is sent unless WithUserAgent says otherwise.
const DefaultUserAgent = "ghpackages-restore/" + ModuleVersion + " (+https://github.com/ghpackages/restore)"

// DefaultAPIVersion is the X-GitHub-Api-Version sent unless WithAPIVersion
// says otherwise.
const DefaultAPIVersion = "2022-11-28"

// DefaultBaseURL is GitHub.com's REST API.
const DefaultBaseURL = "https://api.github.com"

// An Option configures a Client. Options are checked by New, which returns
// the first bad one's error.
type Option func(*config) error

type config struct {
	token        secret
	tokenSource  oauth2.TokenSource
	tokenSet     bool
	baseURL      string
	baseSet      bool
	allowHTTP    bool
	apiVersion   string
	userAgent    string
	httpClient   *http.Client
	transport    http.RoundTripper
	logger       *slog.Logger
	clock        Clock
	getenv       func(string) string
	retry        RetryPolicy
	pacing       time.Duration
	waitHook     func(WaitEvent)
	maxBodyBytes int64
	attempt      time.Duration
	readInFlight int
	readPerMin   int
}

// WithToken authenticates with a token: a classic personal access token
// (ghp_), an OAuth token (gho_) or GitHub Actions' GITHUB_TOKEN. The token is
// sent only to the configured API host and never appears in errors, logs or
// formatted values. Without any token option, New reads GH_TOKEN, then
// GITHUB_TOKEN, from the environment.
func WithToken(token string) Option {
	return func(c *config) error {
		if token == "" {
			return errors.New("WithToken: the token is empty")
		}
		if err := checkHeaderValue(token); err != nil {
			return fmt.Errorf("WithToken: the token %w", err)
		}
		c.token, c.tokenSource, c.tokenSet = secret(token), nil, true
		return nil
	}
}

// WithTokenSource authenticates with tokens from ts, asked before every
// request (oauth2 token sources cache and refresh as they need).
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(c *config) error {
		if ts == nil {
			return errors.New("WithTokenSource: the token source is nil")
		}
		c.token, c.tokenSource, c.tokenSet = "", ts, true
		return nil
	}
}

// WithoutToken sends no Authorization header, even when GH_TOKEN or
// GITHUB_TOKEN is set. GitHub answers 401 to the calls of this API.
func WithoutToken() Option {
	return func(c *config) error {
		c.token, c.tokenSource, c.tokenSet = "", nil, true
		return nil
	}
}

// WithEnv replaces the environment lookup (os.Getenv) used for GH_TOKEN,
// GITHUB_TOKEN and GITHUB_API_URL.
func WithEnv(getenv func(string) string) Option {
	return func(c *config) error {
		if getenv == nil {
			return errors.New("WithEnv: the lookup function is nil")
		}
		c.getenv = getenv
		return nil
	}
}

// WithBaseURL sets the API's base URL. It accepts:
//   - "https://api.github.com" (the default) or "github.com";
//   - a GitHub Enterprise Server host name or URL without a path, such as
//     "ghes.example.com" or "https://ghes.example.com", which become
//     "https://ghes.example.com/api/v3";
//   - a full API URL with its path, kept as it is ("https://ghes.example.com/api/v3");
//   - a GHE.com subdomain ("octo.ghe.com"), which becomes "https://api.octo.ghe.com".
//
// Plain http:// is accepted only for loopback hosts (tests, the fake server)
// unless WithInsecureHTTP is given too. Without this option, New uses
// GITHUB_API_URL when it is set (as GitHub Actions does), else api.github.com.
func WithBaseURL(u string) Option {
	return func(c *config) error {
		if u == "" {
			return errors.New("WithBaseURL: the URL is empty")
		}
		c.baseURL, c.baseSet = u, true
		return nil
	}
}

// WithInsecureHTTP allows a plain http:// base URL on a host that is not
// loopback. The token then crosses the network unencrypted: use it only on a
// network you trust.
func WithInsecureHTTP() Option {
	return func(c *config) error {
		c.allowHTTP = true
		return nil
	}
}

var apiVersionRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// WithAPIVersion sets X-GitHub-Api-Version (default 2022-11-28). GitHub
// answers 400 to a version it does not know and 410 to a retired one.
func WithAPIVersion(v string) Option {
	return func(c *config) error {
		if !apiVersionRE.MatchString(v) {
			return fmt.Errorf("WithAPIVersion: %q is not a date version such as 2022-11-28", v)
		}
		c.apiVersion = v
		return nil
	}
}

// WithUserAgent sets the User-Agent, which GitHub requires. It must not be
// empty; by default it names this module and its version.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if ua == "" {
			return errors.New("WithUserAgent: GitHub requires a non-empty User-Agent")
		}
		if err := checkHeaderValue(ua); err != nil {
			return fmt.Errorf("WithUserAgent: the value %w", err)
		}
		c.userAgent = ua
		return nil
	}
}

// WithHTTPClient uses hc's transport, jar and timeout. Its transport becomes
// the bottom of the client's stack; hc itself is not modified. Its redirect
// policy is not used: the client applies GitHub's redirect rules itself, on
// the API's origin only. Mind that hc.Timeout bounds a whole call, retries
// and waits included (WithAttemptTimeout bounds one attempt).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("WithHTTPClient: the client is nil")
		}
		c.httpClient = hc
		return nil
	}
}

// WithTransport uses rt as the bottom of the client's transport stack, under
// pacing, retries and authentication.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *config) error {
		if rt == nil {
			return errors.New("WithTransport: the transport is nil")
		}
		c.transport = rt
		return nil
	}
}

// WithLogger logs retries, waits and rate limits at Info and each request at
// Debug. The default logger discards everything. Tokens are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("WithLogger: the logger is nil")
		}
		c.logger = l
		return nil
	}
}

// WithClock replaces the clock behind every wait (retries, rate limits,
// pacing) and every "now" (restore windows). Tests use a fake clock so that
// nothing sleeps for real.
func WithClock(clk Clock) Option {
	return func(c *config) error {
		if clk == nil {
			return errors.New("WithClock: the clock is nil")
		}
		c.clock = clk
		return nil
	}
}

// WithRetryPolicy replaces the retry policy (see DefaultRetryPolicy).
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) error {
		if err := p.Validate(); err != nil {
			return err
		}
		c.retry = p
		return nil
	}
}

// WithoutRetry sends every request once: no retries and no waiting for rate
// limits; the local primary-limit gate still refuses calls until the reset.
func WithoutRetry() Option {
	return func(c *config) error {
		c.retry = RetryPolicy{MaxAttempts: 1, MaxWait: 0, BaseDelay: time.Second, MaxDelay: time.Second}
		return nil
	}
}

// WithWritePacing sets the least time between two mutating requests (POST,
// PUT, PATCH, DELETE) on the wire, which are also sent one at a time: the
// gap holds between any two writes, the retried attempts of one call
// included. GitHub asks for at least one second (the default); 0 turns pacing
// off. Reads are not paced (see WithReadBudget).
func WithWritePacing(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("WithWritePacing: %v is negative", d)
		}
		c.pacing = d
		return nil
	}
}

// WithWaitHook calls fn before every wait the client makes, with what it
// waits for, why and how long: a retry after a 5xx answer, a network error or
// a timed-out attempt; a primary or secondary rate limit; the local gate of
// an exhausted primary limit; write pacing; the read budget. fn is called
// from the goroutine making the call, so several calls may call it at once;
// it should return quickly.
func WithWaitHook(fn func(WaitEvent)) Option {
	return func(c *config) error {
		if fn == nil {
			return errors.New("WithWaitHook: the hook is nil")
		}
		c.waitHook = fn
		return nil
	}
}

// DefaultAttemptTimeout bounds each attempt unless WithAttemptTimeout says
// otherwise.
const DefaultAttemptTimeout = 30 * time.Second

// WithAttemptTimeout bounds each attempt of a call: sending the request,
// waiting for the answer's headers and reading its body, together. An
// attempt that runs past it ends with an error matching ErrAttemptTimeout and
// is retried like a network error (a restore's outcome then counts as
// unknown until checked). The default is 30 s (DefaultAttemptTimeout); waits
// between attempts (backoff, rate limits, pacing, the read budget) do not
// count. The bound runs on the client's Clock (WithClock). A context
// deadline still bounds the whole call.
func WithAttemptTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("WithAttemptTimeout: %v is not positive", d)
		}
		c.attempt = d
		return nil
	}
}

// The read budget's defaults (see WithReadBudget).
const (
	DefaultReadsInFlight  = 4
	DefaultReadsPerMinute = 600
)

// WithReadBudget bounds reads (GET and HEAD requests, retries and pages
// included): at most inFlight at once, and at most perMinute started in any
// 60 seconds. A read beyond the budget waits for it (on the client's Clock),
// so that concurrent listings stay below GitHub's secondary rate limits (no
// more than 100 concurrent requests, 900 points a minute per endpoint; a GET
// costs 1 point). The defaults are 4 in flight and 600 a minute
// (DefaultReadsInFlight, DefaultReadsPerMinute), one budget for the whole
// client. inFlight must be 1 to 100 and perMinute 1 to 900. Writes are not
// counted: they go one at a time, paced (WithWritePacing).
func WithReadBudget(inFlight, perMinute int) Option {
	return func(c *config) error {
		if inFlight < 1 || inFlight > 100 {
			return fmt.Errorf("WithReadBudget: %d reads in flight; want 1 to 100 (GitHub's limit of concurrent requests)", inFlight)
		}
		if perMinute < 1 || perMinute > 900 {
			return fmt.Errorf("WithReadBudget: %d reads a minute; want 1 to 900 (GitHub's secondary limit per endpoint)", perMinute)
		}
		c.readInFlight, c.readPerMin = inFlight, perMinute
		return nil
	}
}

// WithoutReadBudget lifts the read budget: reads are neither counted a
// minute nor bounded in flight by the client (the transport's own
// connection limit still holds). It is meant for a GitHub Enterprise Server
// whose administrator turned rate limits off; against github.com or GHE.com
// keep the default budget (WithReadBudget), which keeps concurrent listings
// below the secondary rate limits. Retries, waits for a rate limit GitHub
// still answers, write pacing and the attempt bound are unchanged.
func WithoutReadBudget() Option {
	return func(c *config) error {
		c.readInFlight, c.readPerMin = 0, 0
		return nil
	}
}

// WithMaxResponseBytes bounds a successful response body (default 32 MiB).
// A longer body ends the call with an error saying so as soon as the bound
// is passed; what was read is dropped, so that the client never holds more
// than about twice the bound. Error bodies are always read up to 1 MiB.
func WithMaxResponseBytes(n int64) Option {
	return func(c *config) error {
		if n < 1024 {
			return fmt.Errorf("WithMaxResponseBytes: %d is below 1024", n)
		}
		c.maxBodyBytes = n
		return nil
	}
}

func checkHeaderValue(v string) error {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 || b == 0x7f {
			return errors.New("contains control characters")
		}
	}
	return nil
}
