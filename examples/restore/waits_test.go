package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// The registry client's wait lines name the registry's host and the cause,
// from api.WaitEvent: the network error (Err) or the limit (Reason).
func TestRegistryWaitLinesNameTheHostAndTheCause(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name string
		ev   api.WaitEvent
		want string
	}{
		{"connection refused", api.WaitEvent{Method: "HEAD", Path: "/v2/o/n/manifests/v1", Attempt: 2, Reason: api.ReasonNetwork, Wait: time.Second, Err: refused},
			"waiting 1s: registry.test:5000: connection refused (HEAD /v2/o/n/manifests/v1, before attempt 2)"},
		{"rate limit", api.WaitEvent{Method: "GET", Path: "/v2/o/n/manifests/v1", Attempt: 3, Reason: api.ReasonRegistryLimit, Status: 429, Wait: 2 * time.Second},
			"waiting 2s: registry.test:5000: rate limit (429) (GET /v2/o/n/manifests/v1, before attempt 3)"},
		{"server error", api.WaitEvent{Method: "GET", Path: "/v2/o/n/manifests/v1", Attempt: 2, Reason: api.ReasonServerError, Status: 503, Wait: time.Second},
			"waiting 1s: registry.test:5000: server error 503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			r := &reporter{stdout: &stdout, stderr: &stderr, mode: modePlain, width: 200, now: time.Now}
			r.registryWaited("registry.test:5000", tt.ev)
			if got := stderr.String(); !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// End to end: a registry answering 429 is waited for, and the wait line
// names its host and the limit; the --json wait event says the same.
func TestRegistryRateLimitWaitIsNamed(t *testing.T) {
	f := newImageFake(t)
	host := strings.TrimPrefix(f.reg.URL, "http://")
	for _, args := range [][]string{{"--image", f.demo.Tag}, {"--image", f.demo.Tag, "--json"}} {
		f.reg.Script(apitest.RegistryRouteManifest, apitest.TooManyRequests(0))
		out, errOut, code := f.do(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d:\n%s%s", args, code, out, errOut)
		}
		want := fmt.Sprintf("%s: rate limit (429)", host)
		if args[len(args)-1] == "--json" {
			waits := checkEvents(t, out)["wait"]
			if len(waits) != 1 || waits[0]["host"] != host || waits[0]["cause"] != "rate limit (429)" || waits[0]["reason"] != string(api.ReasonRegistryLimit) {
				t.Errorf("wait events %v, want one naming %s and the limit", waits, host)
			}
			continue
		}
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}
