package api_test

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testToken = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"

var start = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

type env struct {
	srv   *apitest.Server
	c     *api.Client
	clock *apitest.Clock
}

// newEnv starts the fake with org "o" and a classic token with the scopes
// restoring needs, and a client on it with the fake clock.
func newEnv(t *testing.T, srvOpts []apitest.Option, opts ...api.Option) *env {
	t.Helper()
	clock := apitest.NewClock(start)
	srv := apitest.New(t, append([]apitest.Option{apitest.WithClock(clock)}, srvOpts...)...)
	srv.AddOrg("o")
	srv.AddToken(apitest.Token{Value: testToken, Kind: api.TokenClassic, Scopes: []string{"read:packages", "write:packages", "delete:packages"}})
	c, err := api.New(append([]api.Option{api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return &env{srv: srv, c: c, clock: clock}
}

// deletedVersion seeds a version of pkg and deletes it ago before now.
func (e *env) deletedVersion(t *testing.T, pkg api.Package, name string, tags []string, ago time.Duration) int64 {
	t.Helper()
	id := seedVersion(t, e.srv, pkg, apitest.VersionSeed{Name: name, Tags: tags, CreatedAt: e.clock.Now().Add(-ago - time.Hour)})
	e.clock.Advance(-ago)
	defer e.clock.Advance(ago)
	if err := e.srv.SoftDeleteVersion(pkg, id); err != nil {
		t.Fatal(err)
	}
	return id
}
