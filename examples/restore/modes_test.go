package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// A dry run of a repairable image exits 0 once the plan is printed;
// --exit-status makes "something is broken" exit 1, and the summary lists
// the broken image by its reference.
func TestImageDryRunExitsZeroAndExitStatusMakesBrokenExitOne(t *testing.T) {
	f := newImageFake(t)
	if out, _, code := f.do(t, "--image", f.demo.Tag); code != exitOK || strings.Contains(out, "Nothing to restore") {
		t.Errorf("dry run: exit %d:\n%s", code, out)
	}
	out, _, code := f.do(t, "--image", f.demo.Tag, "--exit-status", "--json")
	if code != exitFailed {
		t.Errorf("--exit-status: exit %d, want 1", code)
	}
	sum := checkEvents(t, out)["summary"][0]
	want := strings.TrimPrefix(f.reg.URL, "http://") + "/octo-org/team/web:" + f.demo.Tag
	if b := sum["broken"].([]any); len(b) != 1 || b[0] != want {
		t.Errorf("summary broken %v, want [%s]", b, want)
	}
	if n := len(posts(f.gh)); n != 0 {
		t.Errorf("%d restores in a dry run", n)
	}
}

// An image that stays broken whatever is restored never ends "Nothing to
// restore", exit 0: a registry that serves none of the package's manifests
// (the API's port, not the registry's) is named, with --registry.
func TestImageFromARegistryThatServesNothingExitsOne(t *testing.T) {
	f := newImageFake(t)
	empty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`))
	}))
	defer empty.Close()
	// The measurement: --registry http://127.0.0.1:API_PORT. A fake
	// GitHub not bound to t, which would count the registry's requests
	// as spec violations.
	gh, err := apitest.Start(apitest.WithClock(f.clock))
	if err != nil {
		t.Fatal(err)
	}
	defer gh.Close()
	d := apitest.SeedDemo(gh)
	apitest.SeedRegistryDemo(apitest.NewRegistry(t, gh))
	cases := []struct {
		name string
		run  func(reg string) (string, string, int)
		reg  string
	}{
		{"a registry that serves nothing", func(reg string) (string, string, int) { return f.do(t, "--image", f.demo.Tag, "--registry", reg) }, empty.URL},
		{"--broken against a registry that serves nothing", func(reg string) (string, string, int) { return f.do(t, "--broken", "--apply", "--registry", reg) }, empty.URL},
		{"the API's own port", func(reg string) (string, string, int) {
			return cliRun{env: map[string]string{"GH_TOKEN": d.Token}}.do(t, "--base-url", gh.URL, "--registry", reg, "--org", "octo-org", "--package", "team/web", "--image", f.demo.Tag)
		}, gh.URL},
	}
	for _, tc := range cases {
		host := strings.TrimPrefix(tc.reg, "http://")
		out, errOut, code := tc.run(tc.reg)
		flat := strings.Join(strings.Fields(out+errOut), " ")
		if code != exitFailed || strings.Contains(flat, "Nothing to restore") ||
			!strings.Contains(flat, "the registry "+host+" serves none of octo-org/container/team/web's images: is --registry right?") {
			t.Errorf("%s: exit %d, want 1 and the registry named:\n%s%s", tc.name, code, out, errOut)
		}
	}
	if f.restores() != nil {
		t.Errorf("restored %v", f.restores())
	}
}

// --image with a tag no version has: exit 3, nothing restored, the
// nearest tags suggested (image.ImageNotFoundError).
func TestImageTagNotFoundExitsThree(t *testing.T) {
	f := newImageFake(t)
	out, errOut, code := f.do(t, "--image", "v9.9.9", "--apply")
	if code != exitNotFound || !strings.Contains(out, "No version of octo-org/team/web has the tag v9.9.9") || !strings.Contains(out, "--image v1.4.0") {
		t.Errorf("exit %d, want 3 with the nearest tags:\n%s%s", code, out, errOut)
	}
	if f.restores() != nil {
		t.Errorf("restored %v", f.restores())
	}
}

// With a loopback API that does not answer the discovery route and no
// --registry there is no registry to derive: exit 2 asking for it, and
// nothing is sent to a guessed host (only the discovery route is asked).
func TestLoopbackAPIWithoutRegistryAsksForIt(t *testing.T) {
	gh := apitest.New(t, apitest.WithClock(apitest.NewClock(time.Now())), apitest.WithoutContainerRegistryURL())
	d := apitest.SeedDemo(gh)
	reg := apitest.NewRegistry(t, gh)
	apitest.SeedRegistryDemo(reg)
	run := cliRun{env: map[string]string{"GH_TOKEN": d.Token}}
	for _, args := range [][]string{{"--package", "team/web", "--image", "v1.4.0"}, {"--package", "team/web", "--broken"}, {"--broken"}} {
		_, errOut, code := run.do(t, append([]string{"--base-url", gh.URL, "--org", "octo-org"}, args...)...)
		if code != exitUsage || !strings.Contains(errOut, "--registry HOST|URL") || strings.Contains(errOut, "containers.127.0.0.1") {
			t.Errorf("%v: exit %d: %s", args, code, errOut)
		}
	}
	if n := len(reg.Requests()); n != 0 {
		t.Errorf("%d requests sent to the registry", n)
	}
	for _, r := range gh.Requests() {
		if r.Method != http.MethodGet || r.RawPath != "/packages/container-registry-url" {
			t.Errorf("sent %s %s before the registry was known", r.Method, r.RawPath)
		}
	}
}

// With the discovery route the API names its registry: --registry is not
// needed, and the plan is read from the registry the API named.
func TestRegistryIsDiscoveredFromTheAPI(t *testing.T) {
	f := newImageFake(t)
	out, errOut, code := f.run.do(t, "--base-url", f.gh.URL, "--org", "octo-org", "--package", "team/web", "--image", f.demo.Tag)
	if code != exitOK || !strings.Contains(out, "to restore") {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	if len(f.reg.Requests()) == 0 {
		t.Error("nothing was read from the discovered registry")
	}
	asked := false
	for _, r := range f.gh.Requests() {
		asked = asked || (r.Method == http.MethodGet && r.RawPath == "/packages/container-registry-url")
	}
	if !asked {
		t.Error("the discovery route was not asked")
	}
}

// The registry's strings reach the terminal and --json only through
// escape: the progress lines of an apply and the JSON events carry no
// clear-screen, OSC 52, OSC 8, bidi or C1 character.
func TestImageApplyEscapesWhatTheRegistryServes(t *testing.T) {
	f := newImageFake(t)
	child := seedImage(t, f.reg, orgPkg("octo-org", api.PackageTypeContainer, "team/web"), "evil child")
	hostile := "linux\x1b]52;c;cHduZWQ=\x07\x1b]8;;https://evil.example\x07\u202e\u0085\x1b[2J"
	index, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []any{
		map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": child.Digest, "size": 1,
			"platform": map[string]string{"os": hostile, "architecture": "amd64"}},
	}})
	web := api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "team/web"}
	if _, err := f.reg.PushFor(web, "application/vnd.oci.image.index.v1+json", index, "evil"); err != nil {
		t.Fatal(err)
	}
	if err := f.gh.SoftDeleteVersion(orgPkg("octo-org", api.PackageTypeContainer, "team/web"), child.ID); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--image", "evil", "--apply"}, {"--image", "evil", "--apply", "--json"}} {
		if err := f.gh.SoftDeleteVersion(orgPkg("octo-org", api.PackageTypeContainer, "team/web"), child.ID); err != nil && args[len(args)-1] == "--json" {
			// restored by the first run: deleted again for the second
			t.Fatal(err)
		}
		out, errOut, _ := f.do(t, args...)
		if strings.ContainsAny(out+errOut, "\x1b\x07\u202e\u0085") {
			t.Errorf("%v printed a control character:\n%q", args, out+errOut)
		}
		if !strings.Contains(out+errOut, `\x1b]52;c;`) || !strings.Contains(out+errOut, `\u202e`) {
			t.Errorf("%v: the platform is not shown escaped:\n%s%s", args, out, errOut)
		}
	}
}

// The doctor: one report of every broken image across the owner's
// container packages; a dry run exits 0 once printed, 1 with --exit-status.
func TestDoctorReportsEveryBrokenImage(t *testing.T) {
	f := newImageFake(t)
	seedIndex(t, f.reg, orgPkg("octo-org", api.PackageTypeContainer, "team/api"), apitest.ImageSpec{Tags: []string{"v2"}, Platforms: []string{"linux/amd64"}})
	args := []string{"--base-url", f.gh.URL, "--registry", f.reg.URL, "--org", "octo-org", "--broken"}
	// team/app's image is not in the registry at all: it stays broken
	// whatever is restored, so even the dry run exits 1.
	out, errOut, code := f.run.do(t, append(args, "--package", "team/*")...)
	if code != exitFailed || !strings.Contains(out, "Checked 3 container packages") || !strings.Contains(out, "2 images broken") {
		t.Errorf("exit %d, want 1:\n%s%s", code, out, errOut)
	}
	out, errOut, code = f.run.do(t, append(args, "--package", "team/[wa][ep][ib]")...) // team/web and team/api
	if code != exitOK || !strings.Contains(out, "Checked 2 container packages") || !strings.Contains(out, "1 image broken") ||
		!strings.Contains(out, "Plan octo-org/team/web@sha256:") || strings.Count(out, "restore version ") != 6 {
		t.Errorf("exit %d:\n%s%s", code, out, errOut)
	}
	if _, _, code := f.run.do(t, append(args, "--package", "team/[wa][ep][ib]", "--exit-status")...); code != exitFailed {
		t.Errorf("--exit-status: exit %d, want 1", code)
	}
	if _, errOut, code := f.run.do(t, append(args, "--apply")...); code != exitUsage || !strings.Contains(errOut, "--apply cannot be used with --broken across packages") {
		t.Errorf("--apply: exit %d: %s", code, errOut)
	}
	if n := len(posts(f.gh)); n != 0 {
		t.Errorf("the doctor sent %d restores", n)
	}
}

// Undo a run: a run whose window covers 7 of 30 deleted versions across 4
// packages plans exactly those 7, and the plan says which run, which
// workflow and the window.
func TestUndoRunPlansWhatTheRunDeleted(t *testing.T) {
	srv, d := fake(t)
	now := time.Now()
	start := now.Add(-3 * time.Hour)
	var want []string
	for p := range 4 {
		name := "svc/p" + itoa(int64(p))
		seed := apitest.PackageSeed{Versions: []apitest.VersionSeed{{Name: "sha256:" + strings.Repeat("f", 63) + itoa(int64(p))}}}
		for i := range 7 + boolInt(p < 2) { // 8+8+7+7 = 30
			at := now.Add(-time.Duration(24+i) * time.Hour) // long before the run
			if i < 2 && p < 3 || i == 2 && p == 0 {         // 2+2+2+1 = 7 inside it
				at = start.Add(time.Duration(i+1) * time.Minute)
			}
			seed.Versions = append(seed.Versions, apitest.VersionSeed{Name: "sha256:" + strings.Repeat(string(rune('a'+i)), 63) + itoa(int64(p)), DeletedAt: at})
		}
		ids := seedPackage(t, srv, orgPkg(d.Org, api.PackageTypeContainer, name), seed)
		for i, id := range ids[1:] {
			if i < 2 && p < 3 || i == 2 && p == 0 {
				want = append(want, itoa(id))
			}
		}
	}
	slices.Sort(want)
	srv.AddWorkflowRun("octo-org", "infra", cleanupRun(4242, start, start.Add(10*time.Minute)))
	front := srv.URL
	out, errOut, code := withToken(d).do(t, "--base-url", front, "--undo-run", "https://github.com/octo-org/infra/actions/runs/4242", "--json")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	ids, _ := planIDs(t, out)
	if !slices.Equal(ids, want) {
		t.Errorf("planned %v, want the 7 the run deleted %v", ids, want)
	}
	out, _, _ = withToken(d).do(t, "--base-url", front, "--undo-run", "octo-org/infra/4242")
	flat := strings.Join(strings.Fields(out), " ")
	for _, w := range []string{"Plan: 7 deleted versions in 3 packages", "Run: octo-org/infra/4242, workflow Clean up images (.github/workflows/cleanup.yml), run #42",
		"Selected: every container package of octo-org, deleted between " + start.Add(-api.RunWindowMargin).UTC().Format("2006-01-02 15:04:05Z")} {
		if !strings.Contains(flat, w) {
			t.Errorf("the plan lacks %q:\n%s", w, out)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// --no-read-budget is accepted (it lifts the SDK's read budget:
// api.WithoutReadBudget) and changes nothing else.
func TestNoReadBudgetIsAccepted(t *testing.T) {
	srv, d := fake(t)
	out, errOut, code := withToken(d).do(t, "--base-url", srv.URL, "--org", d.Org, "--type", "container", "--deleted-since", "30d", "--no-read-budget")
	if code != exitOK || !strings.Contains(out, "Plan: 5 deleted versions of octo-org/container/team/app") {
		t.Errorf("exit %d:\n%s%s", code, out, errOut)
	}
}
