package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/ghpackages/restore/api/apitest"
)

// serve runs the command on a free loopback port with args until stop is
// called; stop returns run's error. The banner is written once it listens.
func serve(t *testing.T, args ...string) (addr string, out *syncBuffer, stop func() error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	out = &syncBuffer{wrote: make(chan struct{}, 1)}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"-addr", addr}, args...), out) }()
	<-out.wrote
	return addr, out, func() error { cancel(); return <-done }
}

func TestServesUntilCancelled(t *testing.T) {
	addr, out, stop := serve(t, "-base-path", "/api/v3")
	resp, err := http.Get("http://" + addr + "/api/v3/rate_limit")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /rate_limit without a token: %d, want 401", resp.StatusCode)
	}
	if !strings.Contains(out.String(), "http://"+addr+"/api/v3") {
		t.Errorf("output = %q", out.String())
	}
	registry := regexp.MustCompile(`fake registry at http://(\S+)`).FindStringSubmatch(out.String())
	if registry == nil {
		t.Fatalf("no registry in the banner:\n%s", out.String())
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// No listener is left behind: both ports refuse connections.
	for _, a := range []string{addr, registry[1]} {
		if c, err := net.Dial("tcp", a); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after the command returned", a)
		}
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-addr", "0.0.0.0:0"}, "loopback"},
		{[]string{"-addr", "127.0.0.1:0", "-round-trip", "-1s"}, "-round-trip"},
		{[]string{"-addr", "127.0.0.1:0", "-secondary-limit", "-1"}, "-secondary-limit"},
		{[]string{"-addr", "127.0.0.1:0", "-base-path", "/a?b"}, "WithBasePath"},
	} {
		if err := run(context.Background(), tt.args, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want an error naming %s", tt.args, err, tt.want)
		}
	}
}

type syncBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	wrote chan struct{}
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case s.wrote <- struct{}{}:
	default:
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSecondaryLimitFlagRefusesWritesPastTheLimit(t *testing.T) {
	addr, _, stop := serve(t, "-secondary-limit", "1")
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	// Two writes within a minute: the first is served, the second answers
	// the secondary limit as GitHub does (403 with requests left, no retry-after).
	url := "http://" + addr + "/orgs/octo-org/packages/container/team%2Fapp/versions/1/restore"
	var statuses []int
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, url, nil)
		req.Header.Set("Authorization", "Bearer "+apitest.DemoToken)
		req.Header.Set("Accept", "application/vnd.github+json")
		req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
		req.Header.Set("User-Agent", "fakegithub-test")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
		if resp.StatusCode == http.StatusForbidden && resp.Header.Get("Retry-After") != "" {
			t.Errorf("secondary limit with retry-after %q, want none", resp.Header.Get("Retry-After"))
		}
	}
	if statuses[0] == http.StatusForbidden || statuses[1] != http.StatusForbidden {
		t.Errorf("statuses = %v, want a served first write and 403 for the second", statuses)
	}
	http.DefaultClient.CloseIdleConnections()
}
