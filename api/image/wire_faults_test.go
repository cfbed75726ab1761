package image_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
)

// The REST client and the registry client are stacks of the same wire
// parts: driven through the same faults, they behave the same. Each row is
// a fault; each fault runs through both clients, through their public
// calls (api.Client.GetVersion, image.Registry.Manifest), against a
// loopback server that plays GitHub's API or a registry, on a fake clock.

// restVersion is a version as GitHub's REST API answers it.
const restVersion = `{"id":1,"name":"1.0.0","url":"u","package_html_url":"h","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}`

// regManifest is an image manifest and its digest.
var regManifest = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}`

func regDigest() string {
	sum := sha256.Sum256([]byte(regManifest))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// ghcrToken is what the fake registries hand out as their bearer token.
const ghcrToken = "djE6YWNtZS90ZWFtL2FwcDoxNzAwMDAwMDAw-registry-bearer"

// faultClient is one of the two clients, made for one fault.
type faultClient struct {
	name string
	// call makes the client's call against base (scheme://host:port), with
	// rt as its bottom transport (nil: its default).
	call func(t *testing.T, base string, rt http.RoundTripper, clock *apitest.Clock, policy api.RetryPolicy, hook func(api.WaitEvent)) error
	// ok answers the call's request successfully.
	ok func(w http.ResponseWriter, r *http.Request)
}

var faultClients = []faultClient{
	{
		name: "REST",
		call: func(t *testing.T, base string, rt http.RoundTripper, clock *apitest.Clock, policy api.RetryPolicy, hook func(api.WaitEvent)) error {
			opts := []api.Option{api.WithBaseURL(base), api.WithToken(testToken), api.WithClock(clock), api.WithRetryPolicy(policy), api.WithWaitHook(hook)}
			if rt != nil {
				opts = append(opts, api.WithTransport(rt))
			}
			c, err := api.New(opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			_, err = c.GetVersion(context.Background(), api.Package{Owner: api.Org("acme"), Type: api.PackageTypeNpm, Name: "x"}, 1)
			return err
		},
		ok: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, restVersion)
		},
	},
	{
		name: "registry",
		call: func(t *testing.T, base string, rt http.RoundTripper, clock *apitest.Clock, policy api.RetryPolicy, hook func(api.WaitEvent)) error {
			opts := []image.RegistryOption{image.WithRegistry(base), image.WithToken(testToken), image.WithClock(clock), image.WithRetryPolicy(policy), image.WithWaitHook(hook)}
			if rt != nil {
				opts = append(opts, image.WithTransport(rt))
			}
			rc, err := image.NewRegistry(opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.CloseIdleConnections()
			_, err = rc.Manifest(context.Background(), "acme/team/app", regDigest())
			return err
		},
		ok: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", image.MediaTypeOCIManifest)
			w.Header().Set("Docker-Content-Digest", regDigest())
			fmt.Fprint(w, regManifest)
		},
	},
}

// withBearer puts a registry's token exchange in front of handler: a
// request without the registry's bearer token is challenged (401), and
// /token hands the token out. The REST side has no exchange.
func withBearer(client string, handler http.HandlerFunc) http.HandlerFunc {
	if client != "registry" {
		return handler
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			fmt.Fprintf(w, `{"token":%q}`, ghcrToken)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+ghcrToken {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="http://%s/token",service="reg"`, r.Host))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		handler(w, r)
	}
}

// errorBody is an error answer in each client's server's form.
func errorBody(client, message string) string {
	m, _ := json.Marshal(message)
	if client == "registry" {
		return fmt.Sprintf(`{"errors":[{"code":"UNKNOWN","message":%s}]}`, m)
	}
	return fmt.Sprintf(`{"message":%s}`, m)
}

// dnsFails is a transport whose every dial fails as a host that does not
// exist, counting the dials.
func dnsFails(dials *atomic.Int32) http.RoundTripper {
	return &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "registry.invalid", IsNotFound: true}}
	}}
}

// countingDials is a plain transport that counts its connections.
func countingDials(dials *atomic.Int32) http.RoundTripper {
	d := &net.Dialer{}
	return &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return d.DialContext(ctx, network, addr)
	}}
}

const escapes = "\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07\u202e\u009b31m"

func TestBothClientsMeetTheSameFaultsAlike(t *testing.T) {
	policy := api.RetryPolicy{MaxAttempts: 3, MaxWait: 5 * time.Minute, BaseDelay: time.Second, MaxDelay: 4 * time.Second}
	faults := []struct {
		name string
		// server answers the client's requests; nil: no server at all
		server func(client string, hits *atomic.Int32, stalled chan<- struct{}) http.HandlerFunc
		// https: the client is told https:// for a plain http server
		https bool
		// transport is the client's bottom transport (nil: its default)
		transport func(dials *atomic.Int32) http.RoundTripper
		check     func(t *testing.T, err error, waits []api.WaitEvent, hits, dials int32, clock *apitest.Clock)
	}{
		{
			name: "stall: the server accepts and never answers",
			server: func(client string, hits *atomic.Int32, stalled chan<- struct{}) http.HandlerFunc {
				return withBearer(client, func(w http.ResponseWriter, r *http.Request) {
					hits.Add(1)
					stalled <- struct{}{}
					<-r.Context().Done() // until the client gives up
				})
			},
			check: func(t *testing.T, err error, waits []api.WaitEvent, hits, _ int32, clock *apitest.Clock) {
				if !errors.Is(err, api.ErrAttemptTimeout) {
					t.Fatalf("err = %v, want api.ErrAttemptTimeout", err)
				}
				if hits != 3 || len(waits) != 2 || waits[0].Reason != api.ReasonTimeout || waits[1].Attempt != 3 {
					t.Fatalf("%d attempts, waits %+v; want 3 attempts, 2 timeout waits", hits, waits)
				}
				if slept := clock.Slept(); slept < 3*time.Second {
					t.Fatalf("slept %s between attempts, want the backoff", slept)
				}
			},
		},
		{
			name:      "DNS: the host does not exist",
			transport: dnsFails,
			check: func(t *testing.T, err error, waits []api.WaitEvent, _, dials int32, clock *apitest.Clock) {
				var dns *net.DNSError
				if !errors.As(err, &dns) || !dns.IsNotFound {
					t.Fatalf("err = %v, want the DNS error", err)
				}
				if dials != 1 || len(waits) != 0 || clock.Slept() != 0 {
					t.Fatalf("%d dials, waits %+v, slept %s; want one attempt and no wait", dials, waits, clock.Slept())
				}
			},
		},
		{
			name: "scheme: an https request to a plain http server",
			server: func(client string, hits *atomic.Int32, _ chan<- struct{}) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }
			},
			https:     true,
			transport: countingDials,
			check: func(t *testing.T, err error, waits []api.WaitEvent, _, dials int32, clock *apitest.Clock) {
				if err == nil || !strings.Contains(err.Error(), "HTTP response to HTTPS client") && !strings.Contains(err.Error(), "does not look like a TLS handshake") {
					t.Fatalf("err = %v, want the scheme mismatch", err)
				}
				if dials != 1 || len(waits) != 0 || clock.Slept() != 0 {
					t.Fatalf("%d dials, waits %+v, slept %s; want one attempt and no wait", dials, waits, clock.Slept())
				}
			},
		},
		{
			name: "429 storm whose wait is only in the body",
			server: func(client string, hits *atomic.Int32, _ chan<- struct{}) http.HandlerFunc {
				return withBearer(client, func(w http.ResponseWriter, r *http.Request) {
					if hits.Add(1) <= 2 {
						w.WriteHeader(http.StatusTooManyRequests)
						fmt.Fprint(w, "toomanyrequests: retry-after: 1.5s, allowed: 44000/minute")
						return
					}
					for _, c := range faultClients {
						if c.name == client {
							c.ok(w, r)
						}
					}
				})
			},
			check: func(t *testing.T, err error, waits []api.WaitEvent, hits, _ int32, clock *apitest.Clock) {
				if err != nil {
					t.Fatalf("err = %v, want success after the waits", err)
				}
				if hits != 3 || len(waits) != 2 {
					t.Fatalf("%d attempts, waits %+v; want 3 attempts, 2 waits", hits, waits)
				}
				for _, w := range waits {
					if w.Status != http.StatusTooManyRequests || w.Wait < 1500*time.Millisecond {
						t.Fatalf("wait %+v, want a 429's wait of at least 1.5s", w)
					}
				}
			},
		},
		{
			name: "a server echoing the credentials in its body and headers",
			server: func(client string, hits *atomic.Int32, _ chan<- struct{}) http.HandlerFunc {
				return withBearer(client, func(w http.ResponseWriter, r *http.Request) {
					hits.Add(1)
					auth := r.Header.Get("Authorization")
					w.Header().Set("X-Echo", auth)
					w.Header().Set("X-Github-Request-Id", testToken)
					w.WriteHeader(http.StatusInternalServerError)
					fmt.Fprint(w, errorBody(client, "Authorization: "+auth+"; password "+testToken+"; Basic cmVzdG9yZTpzM2NyM3Q="))
				})
			},
			check: func(t *testing.T, err error, waits []api.WaitEvent, hits, _ int32, _ *apitest.Clock) {
				if err == nil || hits != 3 || len(waits) != 2 {
					t.Fatalf("err = %v, %d attempts, %d waits; want a final error after 3", err, hits, len(waits))
				}
				text := err.Error() + fmt.Sprintf("%+v %#v", waits, waits)
				for _, w := range waits {
					text += w.Path + w.RequestID
				}
				for _, secret := range []string{testToken, ghcrToken, "cmVzdG9yZTpzM2NyM3Q="} {
					if strings.Contains(text, secret) {
						t.Fatalf("%q shows a secret: %s", secret, text)
					}
				}
				if !strings.Contains(err.Error(), "[REDACTED]") {
					t.Fatalf("err = %v, want the server's text with the secrets masked", err)
				}
			},
		},
		{
			name: "escapes in the server's text",
			server: func(client string, hits *atomic.Int32, _ chan<- struct{}) http.HandlerFunc {
				return withBearer(client, func(w http.ResponseWriter, r *http.Request) {
					hits.Add(1)
					w.WriteHeader(http.StatusBadRequest)
					fmt.Fprint(w, errorBody(client, "gone "+escapes))
				})
			},
			check: func(t *testing.T, err error, waits []api.WaitEvent, hits, _ int32, _ *apitest.Clock) {
				// The decision both clients share: an error keeps the
				// server's text as data; whoever prints it escapes it.
				if err == nil || !strings.Contains(err.Error(), "gone "+escapes) || hits != 1 || len(waits) != 0 {
					t.Fatalf("err = %q, %d attempts; want the server's text kept as it came, once", err, hits)
				}
			},
		},
	}
	for _, f := range faults {
		for _, c := range faultClients {
			t.Run(f.name+"/"+c.name, func(t *testing.T) {
				clock := apitest.NewClock(start)
				var hits, dials atomic.Int32
				stalled := make(chan struct{})
				advanceOnStall(t, clock, stalled)
				base := "https://registry.invalid"
				if f.server != nil {
					srv := httptest.NewServer(f.server(c.name, &hits, stalled))
					defer srv.Close()
					base = srv.URL
					if f.https {
						base = strings.Replace(base, "http://", "https://", 1)
					}
				}
				var rt http.RoundTripper
				if f.transport != nil {
					rt = f.transport(&dials)
				}
				var mu sync.Mutex
				var waits []api.WaitEvent
				hook := func(ev api.WaitEvent) {
					mu.Lock()
					defer mu.Unlock()
					waits = append(waits, ev)
				}
				err := c.call(t, base, rt, clock, policy, hook)
				if tr, ok := rt.(*http.Transport); ok {
					tr.CloseIdleConnections()
				}
				mu.Lock()
				defer mu.Unlock()
				f.check(t, err, waits, hits.Load(), dials.Load(), clock)
			})
		}
	}
}

// advanceOnStall moves clock past the attempt bound each time a request
// stalls (a send on stalled), until the test ends: a stalled attempt ends
// when the bound passes in fake time.
func advanceOnStall(t *testing.T, clock *apitest.Clock, stalled <-chan struct{}) {
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		for {
			select {
			case <-stalled:
				clock.Advance(api.DefaultAttemptTimeout)
			case <-done:
				return
			}
		}
	}()
}
