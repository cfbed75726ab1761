//go:build unix

package main

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// The built command exits with status 0 on SIGINT and on SIGTERM, and its
// ports (the fake GitHub's and the fake registry's) are free afterwards: no
// listener is left behind (issue 11, item 8).
func TestBinaryExitsCleanlyOnSignals(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "fakegithub")
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the binary: %v", err)
	}
	build := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a bound, not a wait
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// The banner names both URLs once the servers listen.
			lines := bufio.NewScanner(stdout)
			url := regexp.MustCompile(`^fake (GitHub|registry) at http://(127\.0\.0\.1:\d+)`)
			var addrs []string
			for len(addrs) < 2 && lines.Scan() {
				if m := url.FindStringSubmatch(lines.Text()); m != nil {
					addrs = append(addrs, m[2])
				}
			}
			if len(addrs) != 2 {
				t.Fatalf("the banner names %v, want the GitHub and registry addresses", addrs)
			}
			addr := addrs[0]
			go func() {
				for lines.Scan() { // drain the rest of the banner
				}
			}()
			// A live connection, idle after one request, must not keep
			// the process or the listener alive.
			client := &http.Client{}
			resp, err := client.Get("http://" + addr + "/rate_limit")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("exit after %v: %v", sig, err)
			}
			for _, addr := range addrs {
				if c, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
					if err == nil {
						c.Close()
					}
					t.Fatalf("dial %s after %v: %v, want connection refused", addr, sig, err)
				}
				l, err := net.Listen("tcp", addr)
				if err != nil {
					t.Fatalf("port %s not free after %v: %v", addr, sig, err)
				}
				l.Close()
			}
			client.CloseIdleConnections()
		})
	}
}
