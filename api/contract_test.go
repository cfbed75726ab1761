package api_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
)

// startPrism runs Stoplight Prism (an independent OpenAPI validator) in mock
// mode with --errors on the committed slice with the overlay applied
// (spec/openapi.overlaid.json: what gen and the SDK are built from; it
// declares page, per_page and state on the named user's version listing,
// which the faithful slice omits). RESTORE_PRISM names its binary;
// .ci/run installs @stoplight/prism-cli and sets it, so CI always runs this.
func startPrism(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("RESTORE_PRISM")
	if bin == "" {
		t.Skip("RESTORE_PRISM is not set (.ci/run installs Prism and sets it); skipping the contract test")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	specPath, err := filepath.Abs(filepath.Join("..", "spec", "openapi.overlaid.json"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "mock", "--errors", "-h", "127.0.0.1", "-p", strconv.Itoa(port), specPath)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	var log strings.Builder
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if !signalled && strings.Contains(sc.Text(), "Prism is listening") {
				close(ready)
				signalled = true
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		t.Fatalf("Prism did not start:\n%s", log.String())
	}
	return "http://127.0.0.1:" + strconv.Itoa(port)
}

type acceptJSONToo struct{ next http.RoundTripper }

func (a acceptJSONToo) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Accept") != "application/vnd.github+json" {
		return nil, errors.New("the client did not send GitHub's Accept header")
	}
	r.Header.Set("Accept", "application/vnd.github+json, application/json")
	return a.next.RoundTrip(r)
}

func TestContractWithPrism(t *testing.T) {
	base := startPrism(t)
	// GitHub asks for Accept: application/vnd.github+json and answers
	// application/json, the only media type its description declares.
	// Prism's content negotiation is stricter than GitHub and answers 406 to
	// the vendor type alone, so the bottom transport adds application/json as
	// a second choice. Everything else (method, escaped path, parameters,
	// headers, answers) is exactly what the client sends to GitHub.
	c, err := api.New(api.WithBaseURL(base), api.WithToken(testToken), api.WithWritePacing(0), api.WithoutRetry(),
		api.WithTransport(acceptJSONToo{http.DefaultTransport}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	ctx := context.Background()
	// Every call, for every owner: the requests match the description.
	for _, owner := range []api.Owner{api.Org("o"), api.User("octocat"), api.Me()} {
		pkg := api.Package{Owner: owner, Type: api.PackageTypeContainer, Name: "hello/hello_docker"}
		if out, err := c.RestoreVersion(ctx, pkg, 45763); err != nil || out != api.OutcomeRestored {
			t.Errorf("%v: RestoreVersion: %q %v", owner, out, err)
		}
		npm := api.Package{Owner: owner, Type: api.PackageTypeNpm, Name: "left-pad"}
		for _, opts := range []*api.RestorePackageOptions{nil, {Token: "restore-token"}} {
			if out, err := c.RestorePackage(ctx, npm, opts); err != nil || out != api.OutcomeRestored {
				t.Errorf("%v: RestorePackage(%+v): %q %v", owner, opts, out, err)
			}
		}
		v, err := c.GetVersion(ctx, pkg, 836)
		if err != nil || v.ID == 0 || v.Name == "" {
			t.Errorf("%v: GetVersion: %+v %v", owner, v, err)
		}
		for _, state := range []api.State{api.StateActive, api.StateDeleted} {
			n := 0
			for v, err := range c.Versions(ctx, pkg, &api.ListOptions{State: state, PerPage: 50}) {
				if err != nil {
					t.Fatalf("%v: Versions(%s): %v", owner, state, err)
				}
				if v.ID == 0 {
					t.Errorf("%v: Versions(%s): %+v", owner, state, v)
				}
				n++
			}
			if n == 0 {
				t.Errorf("%v: Versions(%s) yielded nothing", owner, state)
			}
		}
		for _, opts := range []*api.PackagesOptions{nil, {Visibility: "private", PerPage: 10}} {
			n := 0
			for p, err := range c.Packages(ctx, owner, api.PackageTypeContainer, opts) {
				if err != nil {
					t.Fatalf("%v: Packages(%+v): %v", owner, opts, err)
				}
				if p.Package.Name == "" || p.Package.Owner != owner {
					t.Errorf("%v: Packages: %+v", owner, p)
				}
				n++
			}
			if n == 0 {
				t.Errorf("%v: Packages(%+v) yielded nothing", owner, opts)
			}
		}
	}
	if r, err := c.Preflight(ctx); err != nil || r.Core.Limit == 0 {
		t.Errorf("Preflight: %+v %v", r, err)
	}

	// The validator is live: a request that breaks the description is refused.
	req, _ := http.NewRequest(http.MethodPost, base+"/orgs/o/packages/pypi/x/versions/1/restore", nil)
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("Prism accepted an invalid package_type: %d", resp.StatusCode)
	}
	// The facade never sends such a request: it is refused locally.
	if _, err := c.RestoreVersion(ctx, api.Package{Owner: api.Org("o"), Type: "pypi", Name: "x"}, 1); !errors.Is(err, api.ErrInvalidInput) {
		t.Errorf("invalid type: %v", err)
	}
}
