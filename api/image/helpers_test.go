package image_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testToken = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"

var start = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// app is the container package the tests restore: newEnv's env.pkg.
var app = api.Package{Owner: api.Org("acme"), Type: api.PackageTypeContainer, Name: "team/app"}

// env is a fake GitHub and its fake registry, sharing state and a fake
// clock, with an api client, a registry client and a Restorer of
// acme/team/app.
type env struct {
	gh    *apitest.Server
	reg   *apitest.Registry
	clock *apitest.Clock
	c     *api.Client
	rc    *image.Registry
	pkg   api.Package
	r     *image.Restorer
	t     testing.TB
}

func newEnv(t testing.TB, regOpts []apitest.RegistryOption, opts ...image.RegistryOption) *env {
	t.Helper()
	clock := apitest.NewClock(start)
	gh := apitest.New(t, apitest.WithClock(clock))
	gh.AddOrg("acme")
	gh.AddToken(apitest.Token{Value: testToken, Scopes: []string{"read:packages", "write:packages", "delete:packages"}})
	reg := apitest.NewRegistry(t, gh, regOpts...)
	c, err := api.New(api.WithBaseURL(gh.URL), api.WithToken(testToken), api.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	rc, err := image.NewRegistry(append([]image.RegistryOption{image.WithRegistry(reg.URL), image.WithToken(testToken), image.WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rc.CloseIdleConnections)
	e := &env{gh: gh, reg: reg, clock: clock, c: c, rc: rc, pkg: app}
	e.t = t
	e.r = e.restorer(t)
	return e
}

func (e *env) restorer(t testing.TB) *image.Restorer {
	t.Helper()
	r, err := image.NewRestorer(e.c, e.rc, e.pkg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (e *env) seed(spec apitest.ImageSpec) apitest.SeededImage {
	e.t.Helper()
	return seedIndex(e.t, e.reg, e.pkg, spec)
}

// restorePOSTs returns the version ids of the restore POSTs the fake GitHub
// received.
func (e *env) restorePOSTs() []string {
	var ids []string
	for _, r := range e.gh.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.RawPath, "/restore") && r.Status == http.StatusNoContent {
			parts := strings.Split(r.RawPath, "/")
			ids = append(ids, parts[len(parts)-2])
		}
	}
	slices.Sort(ids)
	return ids
}

func ctx(t testing.TB) context.Context { return t.Context() }
