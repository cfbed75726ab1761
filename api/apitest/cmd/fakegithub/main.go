// Command fakegithub serves the fake GitHub of package apitest on a loopback
// port, seeded with apitest.SeedDemo, until SIGINT (Ctrl-C) or SIGTERM; then
// it closes its listener and connections and exits with status 0. Point the
// restore tool or your own program at it:
//
//	go run ./api/apitest/cmd/fakegithub -addr 127.0.0.1:8787 [-base-path /api/v3] [-round-trip 100ms]
//	GH_TOKEN=<printed token> go run ./examples/restore --base-url http://127.0.0.1:8787 \
//	    --org octo-org --type container --package team/app --all-deleted
//
// Beside it, a fake container registry (apitest.Registry) shares its state,
// seeded with apitest.SeedRegistryDemo: a multi-arch image whose children a
// cleanup deleted. -registry-addr chooses its loopback address:
//
//	GH_TOKEN=<printed token> go run ./examples/restore --base-url http://127.0.0.1:8787 \
//	    --registry <printed registry URL> --org octo-org --type container --package team/web --image v1.4.0
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/ghpackages/restore/api/apitest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fakegithub:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fakegithub", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8787", "loopback address to serve on")
	basePath := fs.String("base-path", "", "serve under this path, e.g. /api/v3 as GitHub Enterprise Server does")
	registryAddr := fs.String("registry-addr", "127.0.0.1:0", "loopback address of the fake container registry (port 0: any free port)")
	roundTrip := fs.Duration("round-trip", 0, "hold every answer back this long, to feel GitHub's latency (e.g. 100ms)")
	secondary := fs.Int("secondary-limit", 0, "answer GitHub's secondary rate limit (403, no retry-after) past this many writes a minute, to see a client wait (0: off)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *roundTrip < 0 {
		return fmt.Errorf("-round-trip %v: negative", *roundTrip)
	}
	if *secondary < 0 {
		return fmt.Errorf("-secondary-limit %d: negative", *secondary)
	}
	l, err := listenLoopback("-addr", *addr)
	if err != nil {
		return err
	}
	opts := []apitest.Option{apitest.WithListener(l), apitest.WithRoundTrip(*roundTrip)}
	if *basePath != "" {
		opts = append(opts, apitest.WithBasePath(*basePath))
	}
	if *secondary > 0 {
		opts = append(opts, apitest.WithSecondaryLimit(*secondary))
	}
	srv, err := apitest.Start(opts...)
	if err != nil {
		l.Close()
		return err
	}
	defer srv.Close()
	d := apitest.SeedDemo(srv)
	rl, err := listenLoopback("-registry-addr", *registryAddr)
	if err != nil {
		return err
	}
	reg := apitest.StartRegistry(srv, apitest.WithRegistryListener(rl))
	defer reg.Close()
	rd := apitest.SeedRegistryDemo(reg)
	fmt.Fprintf(out, "fake GitHub at %s\ntoken: %s (user %s)\norg: %s\npackages: %s/%s (deleted ids %v), %s/%s (deleted whole)\nuser packages: %s/%s (deleted id %d)\nstop with Ctrl-C or SIGTERM\n",
		srv.URL, d.Token, apitest.DemoUser, d.Org, d.Image.Type, d.Image.Name, d.ImageDeleted, d.Library.Type, d.Library.Name,
		d.UserImage.Type, d.UserImage.Name, d.UserImageDeleted)
	fmt.Fprintf(out, "fake registry at %s\nimage: %s/%s:%s (%d children deleted by a cleanup: ids %v)\n",
		reg.URL, reg.Host, rd.Package.Owner.Login()+"/"+rd.Package.Name, rd.Tag, len(rd.Deleted), rd.Deleted)
	<-ctx.Done()
	for _, v := range srv.Violations() {
		fmt.Fprintln(out, "spec violation:", v)
	}
	return nil
}

// listenLoopback listens on addr, a loopback address (flag names the flag).
func listenLoopback(flag, addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", flag, addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("%s %s: the fake serves on loopback addresses only", flag, addr)
	}
	return net.Listen("tcp", addr)
}
