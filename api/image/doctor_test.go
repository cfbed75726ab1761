package image_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
)

// doctorFleet seeds acme's container packages for the doctor: team/web and
// team/worker broken (a cleanup deleted their untagged platforms), team/api
// and tools/lint whole. It returns the version ids of the deleted children
// per broken package.
func doctorFleet(t testing.TB, e *env) map[string][]int64 {
	t.Helper()
	deleted := map[string][]int64{}
	for _, name := range []string{"team/web", "team/api", "tools/lint", "team/worker"} {
		seedIndex(t, e.reg, api.Package{Owner: api.Org("acme"), Type: api.PackageTypeContainer, Name: name}, apitest.ImageSpec{Tags: []string{"v1"}, Salt: name + "1"})
		seedIndex(t, e.reg, api.Package{Owner: api.Org("acme"), Type: api.PackageTypeContainer, Name: name}, apitest.ImageSpec{Tags: []string{"v2", "latest"}, Salt: name + "2", Attestations: true})
		if name == "team/web" || name == "team/worker" {
			ids := deleteUntaggedChildren(t, e.reg, api.Package{Owner: api.Org("acme"), Type: api.PackageTypeContainer, Name: name})
			slices.Sort(ids)
			deleted[name] = ids
		}
	}
	return deleted
}

func names(rep image.DoctorReport) []string {
	var out []string
	for _, p := range rep.Packages {
		out = append(out, p.Package.Name)
	}
	return out
}

func restoreIDs(p image.Plan) []int64 {
	var ids []int64
	for _, e := range p.Restores() {
		ids = append(ids, e.VersionID)
	}
	slices.Sort(ids)
	return ids
}

// TestDoctorFindsBrokenImagesAcrossPackages checks every container package
// of the owner, or those a glob selects: the broken ones carry the plan
// that restores exactly the deleted children; nothing is written; Checked
// counts every package once.
func TestDoctorFindsBrokenImagesAcrossPackages(t *testing.T) {
	for _, tc := range []struct {
		glob       string
		want       []string // packages checked, in listing order
		wantBroken []string
	}{
		{"", []string{"team/web", "team/api", "tools/lint", "team/worker"}, []string{"team/web", "team/worker"}},
		{"*", []string{"team/web", "team/api", "tools/lint", "team/worker"}, []string{"team/web", "team/worker"}},
		{"team/*", []string{"team/web", "team/api", "team/worker"}, []string{"team/web", "team/worker"}},
		{"tools/*", []string{"tools/lint"}, nil},
		{"team/w[eo]*", []string{"team/web", "team/worker"}, []string{"team/web", "team/worker"}},
		{"nothing/*", nil, nil},
	} {
		t.Run("glob "+tc.glob, func(t *testing.T) {
			e := newEnv(t, nil)
			deleted := doctorFleet(t, e)
			e.gh.ResetRequests()
			var mu sync.Mutex
			var checked []int
			rep, err := image.Doctor(ctx(t), e.c, e.rc, api.Org("acme"), &image.DoctorOptions{
				Packages: tc.glob,
				Checked: func(pkg api.Package, done, total int) {
					mu.Lock()
					defer mu.Unlock()
					if total != len(tc.want) {
						t.Errorf("Checked(%s, %d, %d): total want %d", pkg, done, total, len(tc.want))
					}
					checked = append(checked, done)
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := names(rep); !slices.Equal(got, tc.want) {
				t.Fatalf("packages %v, want %v", got, tc.want)
			}
			var broken []string
			for _, p := range rep.Packages {
				if p.Err != nil {
					t.Errorf("%s: %v", p.Package, p.Err)
				}
				if p.Package.Owner != api.Org("acme") || p.Package.Type != api.PackageTypeContainer {
					t.Errorf("package %s", p.Package)
				}
				if p.Plan.Scanned != 2 {
					t.Errorf("%s: scanned %d tagged images, want 2", p.Package.Name, p.Plan.Scanned)
				}
				if len(p.Plan.Images) == 0 {
					continue
				}
				broken = append(broken, p.Package.Name)
				if len(p.Plan.Images) != 2 {
					t.Errorf("%s: %d broken images, want both", p.Package.Name, len(p.Plan.Images))
				}
				if got := restoreIDs(p.Plan); !slices.Equal(got, deleted[p.Package.Name]) {
					t.Errorf("%s restores %v, want the deleted children %v", p.Package.Name, got, deleted[p.Package.Name])
				}
			}
			if !slices.Equal(broken, tc.wantBroken) {
				t.Errorf("broken packages %v, want %v", broken, tc.wantBroken)
			}
			if want := 2 * len(tc.wantBroken); rep.Broken() != want || rep.Failed() != 0 {
				t.Errorf("Broken() = %d, Failed() = %d; want %d and 0", rep.Broken(), rep.Failed(), want)
			}
			slices.Sort(checked)
			if want := seq(len(tc.want)); !slices.Equal(checked, want) {
				t.Errorf("Checked done counts %v, want %v", checked, want)
			}
			for _, r := range e.gh.Requests() {
				if r.Method != http.MethodGet {
					t.Errorf("the doctor sent %s %s", r.Method, r.RawPath)
				}
			}
		})
	}
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// failingReader fails every read of one repository, and of all of them when
// that is "*".
type failingReader struct {
	image.Reader
	repo string
	err  error
}

func (f failingReader) fail(repo string) error {
	if f.repo == "*" || repo == f.repo {
		return f.err
	}
	return nil
}

func (f failingReader) Resolve(ctx context.Context, repo, ref string) (image.Descriptor, error) {
	if err := f.fail(repo); err != nil {
		return image.Descriptor{}, err
	}
	return f.Reader.Resolve(ctx, repo, ref)
}

func (f failingReader) Manifest(ctx context.Context, repo, ref string) (image.Manifest, error) {
	if err := f.fail(repo); err != nil {
		return image.Manifest{}, err
	}
	return f.Reader.Manifest(ctx, repo, ref)
}

// TestDoctorErrors: an error in one package is that package's, and the
// others are checked; a package whose listing fails is reported with the
// API's error; an error that would stop every package alike stops the
// doctor and is returned.
func TestDoctorErrors(t *testing.T) {
	t.Run("one package's registry reads fail", func(t *testing.T) {
		e := newEnv(t, nil)
		doctorFleet(t, e)
		boom := &image.ResponseError{Status: 500, Message: "internal error"}
		rep, err := image.Doctor(ctx(t), e.c, failingReader{e.rc, "acme/team/api", boom}, api.Org("acme"), &image.DoctorOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Failed() != 0 || rep.Broken() != 4+2 {
			t.Errorf("Failed %d, Broken %d; want 0 failed (image errors are per image) and 4 broken + team/api's 2 unread", rep.Failed(), rep.Broken())
		}
		for _, p := range rep.Packages {
			if p.Package.Name == "team/api" {
				for _, img := range p.Plan.Images {
					if img.Err == "" {
						t.Errorf("team/api %s: no error", img.Root)
					}
				}
			}
		}
	})
	t.Run("one package's listing fails", func(t *testing.T) {
		e := newEnv(t, nil)
		doctorFleet(t, e)
		// One at a time: the first package's listing takes the fault.
		e.gh.Script(api.OpListVersions, apitest.Fault{Status: 404, Header: http.Header{"Content-Type": {"application/json"}},
			Body: `{"message":"Package not found.","documentation_url":"https://docs.github.com/rest/packages/packages"}`})
		rep, err := image.Doctor(ctx(t), e.c, e.rc, api.Org("acme"), &image.DoctorOptions{Concurrency: 1})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Failed() != 1 || !errors.Is(rep.Packages[0].Err, api.ErrNotFound) || rep.Packages[0].Package.Name != "team/web" {
			t.Fatalf("Failed %d, first %s: %v; want team/web not found", rep.Failed(), rep.Packages[0].Package, rep.Packages[0].Err)
		}
		if rep.Broken() != 2 || len(rep.Packages[3].Plan.Images) != 2 {
			t.Errorf("Broken %d, want team/worker's 2 images (team/web could not be checked)", rep.Broken())
		}
	})
	t.Run("a token without delete:packages stops at the first package", func(t *testing.T) {
		e := newEnv(t, nil)
		doctorFleet(t, e)
		e.gh.AddToken(apitest.Token{Value: "ghp_readonly", Scopes: []string{"read:packages"}})
		c, err := api.New(api.WithBaseURL(e.gh.URL), api.WithToken("ghp_readonly"), api.WithClock(e.clock))
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseIdleConnections()
		e.gh.ResetRequests()
		rep, err := image.Doctor(ctx(t), c, e.rc, api.Org("acme"), &image.DoctorOptions{Concurrency: 1})
		if !errors.Is(err, api.ErrForbidden) || len(rep.Packages) != 4 || rep.Failed() != 4 {
			t.Fatalf("err = %v, %d packages, %d failed; want api.ErrForbidden and all 4 named", err, len(rep.Packages), rep.Failed())
		}
		refused := 0
		for _, r := range e.gh.Requests() {
			if r.Status == http.StatusForbidden {
				refused++
			}
		}
		if refused != 1 {
			t.Errorf("%d refused requests, want 1: the doctor stops at the first", refused)
		}
	})
	for _, fatal := range []error{image.ErrToken, &image.RegistryRateLimitError{Attempts: 3}, fmt.Errorf("read: %w", api.ErrUnauthorized)} {
		t.Run(fmt.Sprintf("stops on %v", fatal), func(t *testing.T) {
			e := newEnv(t, nil)
			doctorFleet(t, e)
			rep, err := image.Doctor(ctx(t), e.c, failingReader{e.rc, "*", fatal}, api.Org("acme"), &image.DoctorOptions{Concurrency: 1})
			if !errors.Is(err, fatal) && !errors.Is(err, errors.Unwrap(fatal)) {
				t.Fatalf("err = %v, want %v", err, fatal)
			}
			if len(rep.Packages) != 4 {
				t.Fatalf("report names %d packages, want all 4", len(rep.Packages))
			}
			for i, p := range rep.Packages {
				if p.Err == nil || p.Package.Name == "" {
					t.Errorf("package %d %q: err %v; want every package named, with the error", i, p.Package.Name, p.Err)
				}
			}
			// Only the first package was read: its versions, active then deleted.
			listed := map[string]bool{}
			for _, r := range e.gh.Requests() {
				if r.Op == api.OpListVersions {
					listed[r.RawPath] = true
				}
			}
			if len(listed) != 1 {
				t.Errorf("versions of %d packages listed after the stop, want 1: %v", len(listed), listed)
			}
		})
	}
}

// TestDoctorStopsWhenCancelled: cancelled after the first package, the
// doctor returns context.Canceled, names every package, and marks those it
// did not check.
func TestDoctorStopsWhenCancelled(t *testing.T) {
	e := newEnv(t, nil)
	doctorFleet(t, e)
	c, cancel := context.WithCancel(ctx(t))
	defer cancel()
	rep, err := image.Doctor(c, e.c, e.rc, api.Org("acme"), &image.DoctorOptions{Concurrency: 1,
		Checked: func(api.Package, int, int) { cancel() }})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if got := names(rep); !slices.Equal(got, []string{"team/web", "team/api", "tools/lint", "team/worker"}) {
		t.Fatalf("packages %v", got)
	}
	if rep.Packages[0].Err != nil || len(rep.Packages[0].Plan.Images) != 2 {
		t.Errorf("the checked package: %v, %d broken", rep.Packages[0].Err, len(rep.Packages[0].Plan.Images))
	}
	for _, p := range rep.Packages[1:] {
		if !errors.Is(p.Err, context.Canceled) {
			t.Errorf("%s: err %v, want context.Canceled", p.Package.Name, p.Err)
		}
	}
	if rep.Failed() != 3 {
		t.Errorf("Failed() = %d, want 3", rep.Failed())
	}
}

// TestDoctorRefusesBadInput: bad input is a *api.ValidationError naming the
// field, and nothing is sent.
func TestDoctorRefusesBadInput(t *testing.T) {
	e := newEnv(t, nil)
	doctorFleet(t, e)
	e.gh.ResetRequests()
	e.reg.ResetRequests()
	for _, tc := range []struct {
		name  string
		gh    *api.Client
		reg   image.Reader
		owner api.Owner
		opts  *image.DoctorOptions
		field string
	}{
		{"no client", nil, e.rc, api.Org("acme"), nil, "client"},
		{"no registry", e.c, nil, api.Org("acme"), nil, "registry"},
		{"the token's own user", e.c, e.rc, api.Me(), nil, "owner"},
		{"a bad login", e.c, e.rc, api.Org("ac/me"), nil, "org"},
		{"a bad glob", e.c, e.rc, api.Org("acme"), &image.DoctorOptions{Packages: "team/["}, "packages"},
		{"negative concurrency", e.c, e.rc, api.Org("acme"), &image.DoctorOptions{Concurrency: -1}, "concurrency"},
		{"too much concurrency", e.c, e.rc, api.Org("acme"), &image.DoctorOptions{Concurrency: 65}, "concurrency"},
		{"a bad restorer option", e.c, e.rc, api.Org("acme"), &image.DoctorOptions{Restorer: &image.RestorerOptions{Concurrency: 99}}, "concurrency"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := image.Doctor(ctx(t), tc.gh, tc.reg, tc.owner, tc.opts)
			var ve *api.ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field || !errors.Is(err, api.ErrInvalidInput) {
				t.Fatalf("err = %v; want a *api.ValidationError on %q", err, tc.field)
			}
		})
	}
	if n, m := len(e.gh.Requests()), len(e.reg.Requests()); n != 0 || m != 0 {
		t.Errorf("%d API and %d registry requests sent for bad input", n, m)
	}
}
