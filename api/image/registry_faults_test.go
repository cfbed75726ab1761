package image_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
	"github.com/ghpackages/restore/internal/wire"
)

// Issue 16, measurement 2: the registry client retried what can never
// succeed (a host that does not exist, an https request to an http
// server), 5 to 10 times. One attempt, no wait.
func TestRegistryNeverRetriesWhatCannotSucceed(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer plain.Close()
	tests := []struct {
		name      string
		registry  string
		transport func(*atomic.Int32) http.RoundTripper
	}{
		{"DNS: no such host", "registry.invalid", dnsFails},
		{"https to a plain http server", strings.Replace(plain.URL, "http://", "https://", 1), countingDials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := apitest.NewClock(start)
			var dials atomic.Int32
			rt := tt.transport(&dials)
			defer rt.(*http.Transport).CloseIdleConnections()
			rc, err := image.NewRegistry(image.WithRegistry(tt.registry), image.WithToken(testToken), image.WithClock(clock), image.WithTransport(rt))
			if err != nil {
				t.Fatal(err)
			}
			_, err = rc.Manifest(ctx(t), "acme/team/app", "v1")
			if err == nil || dials.Load() != 1 || clock.Slept() != 0 {
				t.Fatalf("err = %v after %d attempts and %s of waits; want an error after one attempt", err, dials.Load(), clock.Slept())
			}
		})
	}
}

// Issue 16, measurement 3: a registry that accepts the connection and
// never answers hung a read for ever. Each attempt is bounded (on the fake
// clock), headers and body together, retried, and the read ends with
// api.ErrAttemptTimeout.
func TestRegistryBoundsEachAttempt(t *testing.T) {
	tests := []struct {
		name  string
		stall func(w http.ResponseWriter)
	}{
		{"no answer at all", func(http.ResponseWriter) {}},
		{"the body stalls after the headers", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", image.MediaTypeOCIManifest)
			w.Header().Set("Docker-Content-Digest", regDigest())
			w.Header().Set("Content-Length", fmt.Sprint(len(regManifest)))
			w.WriteHeader(http.StatusOK)
			fmt.Fprint(w, regManifest[:10])
			w.(http.Flusher).Flush()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := apitest.NewClock(start)
			var hits atomic.Int32
			stalled := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				tt.stall(w)
				select {
				case stalled <- struct{}{}:
				case <-r.Context().Done():
				}
				<-r.Context().Done()
			}))
			defer srv.Close()
			advanceOnStall(t, clock, stalled)
			rc, err := image.NewRegistry(image.WithRegistry(srv.URL), image.WithClock(clock))
			if err != nil {
				t.Fatal(err)
			}
			defer rc.CloseIdleConnections()
			// A safety net for the old behaviour only: the bound passes in fake time.
			c, cancel := context.WithTimeout(ctx(t), 20*time.Second)
			defer cancel()
			_, err = rc.Manifest(c, "acme/team/app", regDigest())
			if !errors.Is(err, api.ErrAttemptTimeout) || c.Err() != nil {
				t.Fatalf("err = %v, want api.ErrAttemptTimeout on the fake clock", err)
			}
			if n := hits.Load(); n != int32(api.DefaultRetryPolicy().MaxAttempts) {
				t.Fatalf("%d attempts, want the policy's %d", n, api.DefaultRetryPolicy().MaxAttempts)
			}
		})
	}
}

// The backoff after a 5xx is jittered, so that the reads in flight do not
// retry in lockstep (the registry's backoff had none).
func TestRegistryBackoffIsJittered(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1)%2 == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		faultClients[1].ok(w, r)
	}))
	defer srv.Close()
	var waits []time.Duration
	rc, err := image.NewRegistry(image.WithRegistry(srv.URL), image.WithClock(apitest.NewClock(start)),
		image.WithWaitHook(func(ev api.WaitEvent) { waits = append(waits, ev.Wait) }))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.CloseIdleConnections()
	for range 12 {
		if _, err := rc.Manifest(ctx(t), "acme/team/app", regDigest()); err != nil {
			t.Fatal(err)
		}
	}
	distinct := map[time.Duration]bool{}
	for _, w := range waits {
		base := api.DefaultRetryPolicy().BaseDelay
		if w < base || w > base+base/2 {
			t.Fatalf("wait %s, want the first backoff, %s plus up to half", w, base)
		}
		distinct[w] = true
	}
	if len(waits) != 12 || len(distinct) < 2 {
		t.Fatalf("waits %v: want 12, not all equal", waits)
	}
}

// echoRegistry challenges every read and answers the token exchange as
// tokenAnswer says; reads with the bearer token get readAnswer.
func echoRegistry(tokenAnswer, readAnswer http.HandlerFunc) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			tokenAnswer(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+ghcrToken {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="http://%s/token",service="reg"`, r.Host))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		readAnswer(w, r)
	}))
}

// badCredentials echoes the Basic password of the exchange, as a 401.
func badCredentials(w http.ResponseWriter, r *http.Request) {
	_, pass, _ := r.BasicAuth()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprint(w, errorBody("registry", "bad credentials for password "+pass))
}

func grantToken(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, `{"token":%q}`, ghcrToken) }

// echoAuthorization repeats the request's Authorization header in a 500.
func echoAuthorization(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprint(w, errorBody("registry", "internal error; request had Authorization: "+r.Header.Get("Authorization")))
}

// Issue 16, measurement 4: a token a registry echoes was printed in clear.
// The GitHub token (the exchange's password) and the registry's bearer
// token never appear in an error, nor in a ResponseError's Message.
func TestRegistryMasksTokensItEchoes(t *testing.T) {
	tests := []struct {
		name        string
		token, read http.HandlerFunc
	}{
		{"token exchange: 401 bad credentials for password ghp_…", badCredentials, echoAuthorization},
		{"read: a 500 repeating the Authorization header", grantToken, echoAuthorization},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := echoRegistry(tt.token, tt.read)
			defer srv.Close()
			rc, err := image.NewRegistry(image.WithRegistry(srv.URL), image.WithToken(testToken), image.WithClock(apitest.NewClock(start)))
			if err != nil {
				t.Fatal(err)
			}
			defer rc.CloseIdleConnections()
			_, err = rc.Manifest(ctx(t), "acme/team/app", "v1")
			if err == nil {
				t.Fatal("no error")
			}
			var re *image.ResponseError
			text := err.Error()
			if errors.As(err, &re) {
				text += re.Message
			}
			for _, secret := range []string{testToken, ghcrToken} {
				if strings.Contains(text, secret) {
					t.Fatalf("the error shows a token: %s", text)
				}
			}
			if !strings.Contains(text, "[REDACTED]") {
				t.Fatalf("err = %s, want the registry's text with the token masked", text)
			}
		})
	}
}

// Measurement 4 through a plan: Plan's error, Image.Err and the entries'
// errors never show the GitHub token a registry's token exchange echoes.
func TestPlanMasksATokenTheRegistryEchoes(t *testing.T) {
	e := newEnv(t, nil)
	e.seed(apitest.ImageSpec{Tags: []string{"v1"}})
	srv := echoRegistry(badCredentials, echoAuthorization)
	defer srv.Close()
	rc, err := image.NewRegistry(image.WithRegistry(srv.URL), image.WithToken(testToken), image.WithClock(e.clock))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.CloseIdleConnections()
	r, err := image.NewRestorer(e.c, rc, e.pkg, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := r.Plan(ctx(t), "v1")
	js, _ := json.Marshal(plan)
	text := fmt.Sprintf("%v %+v %s", err, plan, js)
	if err == nil && !strings.Contains(text, "[REDACTED]") {
		t.Fatalf("plan %s, err %v: want the registry's refusal, masked", js, err)
	}
	if strings.Contains(text, testToken) {
		t.Fatalf("the plan or its error shows the token: %s", text)
	}
}

// The bottom of the registry's stack tells the caller's context when a
// request really leaves the client (wire.WithSent), as the REST client's
// does: once per request the server receives, the token exchange included,
// and never for a request the host guard refuses.
func TestRegistryNotesEachRequestThatLeaves(t *testing.T) {
	var hits atomic.Int32
	srv := echoRegistry(grantToken, func(w http.ResponseWriter, r *http.Request) {
		faultClients[1].ok(w, r)
	})
	defer srv.Close()
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1); srv.Config.Handler.ServeHTTP(w, r) })
	front := httptest.NewServer(counted)
	defer front.Close()
	rc, err := image.NewRegistry(image.WithRegistry(front.URL), image.WithToken(testToken), image.WithClock(apitest.NewClock(start)))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.CloseIdleConnections()
	var sent atomic.Int32
	c := wire.WithSent(ctx(t), func() { sent.Add(1) })
	if _, err := rc.Manifest(c, "acme/team/app", regDigest()); err != nil {
		t.Fatal(err)
	}
	if sent.Load() != hits.Load() || hits.Load() != 3 {
		t.Fatalf("%d noted as sent, %d received; want the challenge, the exchange and the read: 3", sent.Load(), hits.Load())
	}
}
