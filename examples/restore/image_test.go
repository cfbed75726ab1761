package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// imageFake is the fake GitHub with its demo state and the fake registry
// with SeedRegistryDemo: octo-org/team/web:v1.4.0 with 3 platforms and 3
// attestations deleted by a cleanup.
type imageFake struct {
	gh    *apitest.Server
	reg   *apitest.Registry
	demo  apitest.RegistryDemo
	clock *apitest.Clock
	run   cliRun
}

func newImageFake(t *testing.T, opts ...apitest.RegistryOption) *imageFake {
	t.Helper()
	clock := apitest.NewClock(time.Now())
	gh := apitest.New(t, apitest.WithClock(clock))
	d := apitest.SeedDemo(gh)
	reg := apitest.NewRegistry(t, gh, opts...)
	return &imageFake{gh: gh, reg: reg, demo: apitest.SeedRegistryDemo(reg), clock: clock, run: cliRun{env: map[string]string{"GH_TOKEN": d.Token}}}
}

func (f *imageFake) do(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	base := []string{"--base-url", f.gh.URL, "--registry", f.reg.URL, "--org", "octo-org", "--package", "team/web", "--pacing", "0"}
	return f.run.do(t, append(base, args...)...)
}

// restores lists the version ids the fake GitHub restored (204s), sorted.
func (f *imageFake) restores() []string {
	var ids []string
	for _, r := range f.gh.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.RawPath, "/restore") && r.Status == http.StatusNoContent {
			parts := strings.Split(r.RawPath, "/")
			ids = append(ids, parts[len(parts)-2])
		}
	}
	slices.Sort(ids)
	return ids
}

func (f *imageFake) deleted() []string {
	var ids []string
	for _, id := range f.demo.Deleted {
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	slices.Sort(ids)
	return ids
}

func TestImageDryRunListsExactlyTheDeletedManifestsWithRolesAndPlatforms(t *testing.T) {
	f := newImageFake(t)
	out, errOut, code := f.do(t, "--image", "v1.4.0")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var planned []string
	for _, line := range strings.Split(out, "\n") {
		if _, rest, ok := strings.Cut(line, "restore version "); ok {
			id, _, _ := strings.Cut(rest, ":")
			planned = append(planned, id)
		}
	}
	slices.Sort(planned)
	if !slices.Equal(planned, f.deleted()) {
		t.Fatalf("planned %v, want exactly %v:\n%s", planned, f.deleted(), out)
	}
	for _, want := range []string{"├─ linux/amd64", "├─ linux/arm64", "└─ linux/arm/v7", "└─ attestation", "index", "6 manifests to restore"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, f.demo.Image.Platforms[0].Digest) {
		t.Error("the plan shows full digests without --wide")
	}
	if len(f.restores()) != 0 {
		t.Fatal("the dry run restored something")
	}
	wide, _, _ := f.do(t, "--image", "v1.4.0", "--wide")
	if !strings.Contains(wide, f.demo.Image.Platforms[0].Digest) {
		t.Error("--wide does not show full digests")
	}
}

func TestImageApplyVerifyRestoresExactlyTheSixAndReportsEveryPlatformWhole(t *testing.T) {
	f := newImageFake(t)
	out, errOut, code := f.do(t, "--image", "v1.4.0", "--apply", "--verify")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
	if got := f.restores(); !slices.Equal(got, f.deleted()) {
		t.Fatalf("restores %v, want exactly %v", got, f.deleted())
	}
	for _, p := range []string{"linux/amd64", "linux/arm64", "linux/arm/v7"} {
		if !strings.Contains(out, "platform "+p) || strings.Contains(out, "platform "+p+" BROKEN") {
			t.Errorf("report for %s:\n%s", p, out)
		}
	}
	if !strings.Contains(out, "Verify octo-org/team/web:v1.4.0: whole") || !strings.Contains(out, "1 image whole.") {
		t.Fatalf("report:\n%s", out)
	}
	// Verify alone, afterwards, is a health check that finds it whole.
	if _, _, code := f.do(t, "--image", "v1.4.0", "--verify"); code != exitOK {
		t.Fatalf("verify alone: exit %d", code)
	}
}

func TestImageWithAChildPastTheWindowStaysBrokenAndExitsOne(t *testing.T) {
	f := newImageFake(t)
	img := seedIndex(t, f.reg, orgPkg("octo-org", api.PackageTypeContainer, "team/web"), apitest.ImageSpec{Tags: []string{"v2"}, Platforms: []string{"linux/amd64", "linux/arm64"}})
	f.clock.Advance(-31 * 24 * time.Hour)
	if err := f.gh.SoftDeleteVersion(orgPkg("octo-org", api.PackageTypeContainer, "team/web"), img.Platforms[0].ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(31 * 24 * time.Hour)
	if err := f.gh.SoftDeleteVersion(orgPkg("octo-org", api.PackageTypeContainer, "team/web"), img.Platforms[1].ID); err != nil {
		t.Fatal(err)
	}
	out, _, code := f.do(t, "--image", "v2", "--apply", "--verify")
	if code != exitFailed {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	if !strings.Contains(out, "gone") || !strings.Contains(out, "BROKEN") || !strings.Contains(out, "1 image still broken") {
		t.Fatalf("report does not name the broken image:\n%s", out)
	}
	if got := f.restores(); !slices.Equal(got, []string{strconv.FormatInt(img.Platforms[1].ID, 10)}) {
		t.Fatalf("restores %v, want only the restorable platform", got)
	}
}

func TestImageBadInputExitsTwoBeforeAnyTraffic(t *testing.T) {
	f := newImageFake(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--image", "v1:bad"}, `--image "v1:bad" is neither a tag nor sha256:`},
		{[]string{"--image", "sha256:abc"}, "neither a tag nor"},
		{[]string{"--image", "v1", "--registry", "http://registry.example.com"}, "loopback"},
		{[]string{"--image", "v1", "--tag", "v*"}, "--tag cannot be used with --image"},
		{[]string{"--verify"}, "--verify needs"},
		{[]string{"--image", "v1", "--broken"}, "--image cannot be used with --broken"},
		{[]string{"--image", "v1", "--type", "npm"}, "--type container"},
	} {
		_, errOut, code := f.do(t, tc.args...)
		if code != exitUsage || !strings.Contains(strings.ReplaceAll(errOut, "\n  ", " "), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
	if n := len(f.gh.Requests()) + len(f.reg.Requests()); n != 0 {
		t.Fatalf("%d requests were sent", n)
	}
}

func TestImageJSONIsAStreamOfObjectsWithFullDigests(t *testing.T) {
	f := newImageFake(t)
	out, _, code := f.do(t, "--image", "v1.4.0", "--apply", "--verify", "--json")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	types := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var obj struct {
			Event     string
			Phase     string
			Manifests []struct{ Digest string }
			Plan      struct {
				Images []struct{ Manifests []struct{ Digest string } }
			}
		}
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			t.Fatalf("not JSON: %q", sc.Text())
		}
		types[obj.Event+"/"+obj.Phase]++
		ms := obj.Manifests
		for _, img := range obj.Plan.Images {
			ms = append(ms, img.Manifests...)
		}
		for _, m := range ms {
			if len(m.Digest) != len("sha256:")+64 {
				t.Errorf("short digest %q in JSON", m.Digest)
			}
		}
	}
	if types["plan/"] != 1 || types["image/plan"] != 1 || types["result/"] != 6 || types["image/verify"] != 1 || types["summary/"] != 1 || len(types) != 5 {
		t.Fatalf("objects = %v", types)
	}
}

func TestImageTokenNeverReachesARealmOnAnotherHost(t *testing.T) {
	var hits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer other.Close()
	f := newImageFake(t, apitest.WithRealm(other.URL+"/token"))
	_, errOut, code := f.do(t, "--image", "v1.4.0")
	if code != exitFailed || !strings.Contains(errOut, "refused") {
		t.Fatalf("exit %d, stderr %q; want 1 and a refused realm", code, errOut)
	}
	if hits.Load() != 0 {
		t.Fatal("the foreign realm received a request")
	}
}

func TestImageBrokenFindsTheBrokenImagesAndRestoresThem(t *testing.T) {
	f := newImageFake(t)
	for i := range 4 {
		seedIndex(t, f.reg, orgPkg("octo-org", api.PackageTypeContainer, "team/web"), apitest.ImageSpec{Tags: []string{"v0." + strconv.Itoa(i)}, Platforms: []string{"linux/amd64"}})
	}
	// Only the demo image (v1.4.0, latest) is broken: its children are deleted.
	out, _, code := f.do(t, "--broken")
	if code != exitOK || !strings.Contains(out, "Scanned 5 tagged images of octo-org/team/web: 1 image broken.") || strings.Count(out, "restore version ") != 6 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	out, _, code = f.do(t, "--broken", "--apply", "--verify")
	if code != exitOK || !strings.Contains(out, "1 image whole.") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if got := f.restores(); !slices.Equal(got, f.deleted()) {
		t.Fatalf("restores %v, want %v", got, f.deleted())
	}
}

func TestImageWhoseIndexIsDeletedIsRestoredFirstThenWalked(t *testing.T) {
	f := newImageFake(t)
	if err := f.gh.SoftDeleteVersion(orgPkg("octo-org", api.PackageTypeContainer, "team/web"), f.demo.Image.Index.ID); err != nil {
		t.Fatal(err)
	}
	out, _, code := f.do(t, "--image", "v1.4.0")
	if code != exitOK || !strings.Contains(out, "pending: its manifests become known once it is restored") ||
		!strings.Contains(out, "restore version "+strconv.FormatInt(f.demo.Image.Index.ID, 10)) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	out, errOut, code := f.do(t, "--image", "v1.4.0", "--apply", "--verify")
	if code != exitOK || !strings.Contains(out, "1 image whole.") {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
	want := append(f.deleted(), strconv.FormatInt(f.demo.Image.Index.ID, 10))
	slices.Sort(want)
	if got := f.restores(); !slices.Equal(got, want) {
		t.Fatalf("restores %v, want %v", got, want)
	}
	if first := strings.SplitN(errOut, "\n", 2)[0]; !strings.Contains(first, "version "+strconv.FormatInt(f.demo.Image.Index.ID, 10)+" (index") && !strings.Contains(first, "version "+strconv.FormatInt(f.demo.Image.Index.ID, 10)+" (image") {
		t.Fatalf("the index was not restored first: %q", first)
	}
}

func TestImageOfAnUnknownPackageExitsThreeWithSimilarNames(t *testing.T) {
	f := newImageFake(t)
	out, _, code := f.run.do(t, "--base-url", f.gh.URL, "--registry", f.reg.URL, "--org", "octo-org", "--package", "team/wbe", "--image", "v1")
	if code != exitNotFound || !strings.Contains(out, "--package team/web") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if n := len(f.reg.Requests()); n != 0 {
		t.Fatalf("%d registry requests for a package that does not exist", n)
	}
}

// An index is whatever was pushed: its platforms and child digests reach
// the terminal only escaped, in the plan and in the verify report.
func TestImageTreeEscapesWhatTheRegistryServes(t *testing.T) {
	f := newImageFake(t)
	child := seedImage(t, f.reg, orgPkg("octo-org", api.PackageTypeContainer, "team/web"), "evil child")
	index, err := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []any{
		map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": child.Digest, "size": 1,
			"platform": map[string]string{"os": "linux\x1b]0;pwned\x07", "architecture": "amd64\x1b[2J"}},
		map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:\x1b[31mnot-a-digest", "size": 1,
			"platform": map[string]string{"os": "linux", "architecture": "arm64"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	web := api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "team/web"}
	if _, err := f.reg.PushFor(web, "application/vnd.oci.image.index.v1+json", index, "evil"); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--image", "evil"}, {"--image", "evil", "--verify"}, {"--image", "evil", "--wide"}} {
		out, errOut, _ := f.do(t, args...)
		if strings.ContainsAny(out+errOut, "\x1b\x07") {
			t.Errorf("%v printed a control character:\n%q", args, out+errOut)
		}
		if !strings.Contains(out, `amd64\x1b[2J`) {
			t.Errorf("%v does not show the escaped platform:\n%s", args, out)
		}
	}
}

// Ctrl-C while verifying comes after the restores: the tool must not say
// that nothing changed, in text or in JSON.
func TestImageInterruptedWhileVerifyingSaysWhatWasRestored(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		t.Run(fmt.Sprint("json=", asJSON), func(t *testing.T) { interruptWhileVerifying(t, asJSON) })
	}
}

func interruptWhileVerifying(t *testing.T, asJSON bool) {
	clock := apitest.NewClock(time.Now())
	gh := apitest.New(t, apitest.WithClock(clock))
	d := apitest.SeedDemo(gh)
	// A proxy in front of the registry holds its first HEAD (verify's first
	// read of a child) until the client goes away. The realm points at the
	// proxy, the registry the tool is given.
	var target atomic.Pointer[httputil.ReverseProxy]
	arrived := make(chan struct{})
	var first atomic.Bool
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead && first.CompareAndSwap(false, true) {
			close(arrived)
			<-r.Context().Done()
			return
		}
		target.Load().ServeHTTP(w, r)
	}))
	defer front.Close()
	reg := apitest.NewRegistry(t, gh, apitest.WithRealm(front.URL+"/token"))
	demo := apitest.SeedRegistryDemo(reg)
	u, err := neturl.Parse(reg.URL)
	if err != nil {
		t.Fatal(err)
	}
	target.Store(httputil.NewSingleHostReverseProxy(u))

	args := []string{"--base-url", gh.URL, "--registry", front.URL, "--org", "octo-org",
		"--package", "team/web", "--pacing", "0", "--image", demo.Tag, "--apply", "--verify"}
	if asJSON {
		args = append(args, "--json")
	}
	cmd := cliRun{env: map[string]string{"GH_TOKEN": d.Token}}.command(t, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	<-arrived
	cmd.Process.Signal(syscall.SIGINT)
	if code := exitCode(t, cmd.Wait()); code != exitInterrupted {
		t.Fatalf("exit %d, want %d:\n%s\n%s", code, exitInterrupted, out.String(), errOut.String())
	}
	if n := len(posts(gh)); n != 6 {
		t.Fatalf("%d restore POSTs, want 6", n)
	}
	if strings.Contains(out.String()+errOut.String(), "nothing changed") {
		t.Fatalf("the tool says nothing changed after 6 restores:\n%s\n%s", out.String(), errOut.String())
	}
	if !asJSON {
		if !strings.Contains(errOut.String(), "interrupted while verifying after 6 restores") {
			t.Fatalf("stderr %q: want the 6 restores done", errOut.String())
		}
		return
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var last map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		t.Fatalf("last line is not JSON: %q", lines[len(lines)-1])
	}
	if last["event"] != "summary" || last["exit_code"] != float64(exitInterrupted) || len(last["restored"].([]any)) != 6 {
		t.Fatalf("last object %v, want the summary of 6 restores and exit %d", last, exitInterrupted)
	}
	var intr map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-2]), &intr); err != nil || intr["event"] != "interrupted" || intr["while"] != "verifying" || intr["done"] != 6.0 {
		t.Fatalf("the line before the summary is %q, want the interruption while verifying after 6 restores", lines[len(lines)-2])
	}
}
