package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/ghpackages/restore/api"
)

// The test binary doubles as a fake restore tool: with GLUE_FAKE_TOOL set
// it prints the lines of $GLUE_FAKE_LINES, records its arguments and
// environment in $GLUE_FAKE_RECORD, and exits with $GLUE_FAKE_EXIT.
func TestMain(m *testing.M) {
	if os.Getenv("GLUE_FAKE_TOOL") == "1" {
		rec := map[string]any{"args": os.Args[1:], "env": os.Environ()}
		b, _ := json.Marshal(rec)
		_ = os.WriteFile(os.Getenv("GLUE_FAKE_RECORD"), b, 0o600)
		fmt.Print(os.Getenv("GLUE_FAKE_LINES"))
		fmt.Fprintln(os.Stderr, "fake tool: done")
		code := 0
		fmt.Sscan(os.Getenv("GLUE_FAKE_EXIT"), &code)
		os.Exit(code)
	}
	goleak.VerifyTestMain(m)
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestArgs(t *testing.T) {
	base := map[string]string{"INPUT_TOKEN": "ghp_x", "INPUT_OWNER": "octo-org", "INPUT_PACKAGE_TYPE": "container", "INPUT_DRY_RUN": "true"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string
		bad  string // the input the error names
	}{
		{"defaults: org, dry run", with(), []string{"--org", "octo-org", "--type", "container", "--json"}, ""},
		{"user", with("INPUT_OWNER_TYPE", "user", "INPUT_OWNER", "mona"), []string{"--user", "mona", "--type", "container", "--json"}, ""},
		{"@me is a user", with("INPUT_OWNER", "@me"), []string{"--user", "@me", "--type", "container", "--json"}, ""},
		{"no package type: container", with("INPUT_PACKAGE_TYPE", ""), []string{"--org", "octo-org", "--type", "container", "--json"}, ""},
		{"apply a window of a glob", with("INPUT_PACKAGES", "team/*", "INPUT_DELETED_SINCE", "2026-11-24T14:00:00Z", "INPUT_DELETED_UNTIL", "2026-11-24T14:20:00Z", "INPUT_DRY_RUN", "False"),
			[]string{"--org", "octo-org", "--type", "container", "--package", "team/*", "--deleted-since", "2026-11-24T14:00:00Z", "--deleted-until", "2026-11-24T14:20:00Z", "--apply", "--json"}, ""},
		{"tags and images as lists", with("INPUT_PACKAGE", "team/web", "INPUT_TAGS", "v1.*, v2\nrc-*", "INPUT_IMAGES", "v1.4.0\n\nsha256:abc"),
			[]string{"--org", "octo-org", "--type", "container", "--package", "team/web", "--tag", "v1.*", "--tag", "v2", "--tag", "rc-*", "--image", "v1.4.0", "--image", "sha256:abc", "--json"}, ""},
		{"undo a run", with("INPUT_UNDO_RUN", "https://github.com/octo-org/infra/actions/runs/9"),
			[]string{"--org", "octo-org", "--type", "container", "--undo-run", "https://github.com/octo-org/infra/actions/runs/9", "--json"}, ""},
		{"doctor", with("INPUT_BROKEN", "true", "INPUT_EXIT_STATUS", "TRUE", "INPUT_REGISTRY_URL", "containers.example.com", "INPUT_GITHUB_API_URL", "https://ghes.example.com/api/v3"),
			[]string{"--org", "octo-org", "--type", "container", "--broken", "--registry", "containers.example.com", "--base-url", "https://ghes.example.com/api/v3", "--exit-status", "--json"}, ""},
		{"verify", with("INPUT_IMAGES", "v1", "INPUT_VERIFY", "true", "INPUT_DRY_RUN", "false"),
			[]string{"--org", "octo-org", "--type", "container", "--image", "v1", "--verify", "--apply", "--json"}, ""},
		{"no owner", with("INPUT_OWNER", " "), nil, "owner"},
		{"no token", with("INPUT_TOKEN", "\n"), nil, "token"},
		{"a bad owner type", with("INPUT_OWNER_TYPE", "team"), nil, "owner-type"},
		{"package and packages", with("INPUT_PACKAGE", "a", "INPUT_PACKAGES", "b"), nil, "package"},
		{"a bad dry-run", with("INPUT_DRY_RUN", "yes please"), nil, "dry-run"},
		{"a bad broken", with("INPUT_BROKEN", "1"), nil, "broken"},
		{"a bad verify", with("INPUT_VERIFY", "no"), nil, "verify"},
		{"a bad exit-status", with("INPUT_EXIT_STATUS", "on"), nil, "exit-status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readInputs(env(tc.env)).args()
			if tc.bad != "" {
				ie, ok := err.(*inputError)
				if !ok || ie.input != tc.bad {
					t.Fatalf("args() = %q, %v; want an error naming input %s", got, err, tc.bad)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("args() = %q, %v\nwant %q", got, err, tc.want)
			}
		})
	}
}

// A hostile package name or tag is one argument, byte for byte.
func TestHostileInputsStayOneArgument(t *testing.T) {
	name := "team/app\"; $(touch PWNED) `id` '\n--apply"
	got, err := readInputs(env(map[string]string{"INPUT_TOKEN": "ghp_x", "INPUT_OWNER": "o", "INPUT_PACKAGE": name, "INPUT_IMAGES": "$(touch PWNED)"})).args()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.Index(got, "--package")
	if i < 0 || got[i+1] != name || slices.Contains(got, "--apply") || !slices.Contains(got, "$(touch PWNED)") {
		t.Fatalf("args %q", got)
	}
}

// parseOutputs reads GITHUB_OUTPUT as the runner does: NAME=VALUE lines and
// NAME<<DELIMITER blocks.
func parseOutputs(t *testing.T, text string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l == "" {
			continue
		}
		if name, delim, ok := strings.Cut(l, "<<"); ok {
			var v []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				v = append(v, lines[i])
			}
			if i == len(lines) {
				t.Fatalf("output %s: delimiter %s never closed", name, delim)
			}
			out[name] = strings.Join(v, "\n")
			continue
		}
		name, v, _ := strings.Cut(l, "=")
		out[name] = v
	}
	return out
}

func TestOutputEntryCannotBeEndedEarly(t *testing.T) {
	value := "x\nghadelimiter_\nEOF\nrestored=hijacked\nfailed<<EOF"
	got := parseOutputs(t, outputEntry("report", value)+outputEntry("restored", "a,b"))
	if len(got) != 2 || got["report"] != value || got["restored"] != "a,b" {
		t.Fatalf("outputs %q", got)
	}
}

func TestMarkdownEscapesNamesFromTheAPI(t *testing.T) {
	hostile := "team/x|y <script>alert(1)</script> [a](http://e) *b*\n| injected | row |"
	plan := fmt.Sprintf(`{"items":[{"package":{"owner":{"org":"o"},"package_type":"container","package_name":%q},"id":7,"name":"sha256:1","tags":["v1"],"deleted_at":"2026-11-24T14:05:00Z","days_left":25}]}`, hostile)
	r := &result{plan: json.RawMessage(plan), summary: map[string]any{"mode": "versions", "applied": false, "restored": []any{}, "broken": []any{hostile}}}
	md := markdown(r, inputs{})
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| <code>o/container/team") {
			if n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|"); n != 7 {
				t.Errorf("row has %d cell separators, want 7: %s", n, line)
			}
		}
		if strings.Contains(line, "| injected |") {
			t.Errorf("the name added a row: %s", line)
		}
	}
	for _, bad := range []string{"<script>", "[a](http", "*b*"} {
		if strings.Contains(md, bad) {
			t.Errorf("summary holds %q unescaped:\n%s", bad, md)
		}
	}
	brokenAt, planAt := strings.Index(md, "### Broken images (1)"), strings.Index(md, "| Package | Version id |")
	if !strings.Contains(md, "Dry run: nothing changed") || brokenAt < 0 || planAt < brokenAt {
		t.Errorf("summary (want the broken images first, then the plan):\n%s", md)
	}
}

// TestRunWithAFakeTool runs the glue end to end on the fake tool: the token
// is masked first and reaches the tool as GH_TOKEN only (never in argv, and
// the INPUT_* variables are not passed on); the outputs and the summary come
// from the tool's events; the exit status is the tool's; workflow commands
// are stopped while the tool prints.
func TestRunWithAFakeTool(t *testing.T) {
	const token = "ghp_glueTokenglueTokenglueTokenglueToken0"
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	lines := strings.Join([]string{
		`{"event":"plan","mode":"undo-run","apply":true,"selection":"versions deleted during run o/infra/9","run":{"ref":{"owner":"o","repo":"infra","run_id":9},"name":"Clean up","run_number":562,"conclusion":"success","run_started_at":"2026-11-24T14:00:00Z","updated_at":"2026-11-24T14:20:00Z","created_at":"2026-11-24T14:00:00Z"},` +
			`"plan":{"items":[{"package":{"owner":{"org":"o"},"package_type":"container","package_name":"team/app"},"id":11,"name":"sha256:aa","deleted_at":"2026-11-24T14:05:00Z","days_left":25}]}}`,
		`::error::a line the tool printed`,
		`{"event":"result","package":"o/container/team/app","id":11,"name":"sha256:aa","outcome":"restored","done":1,"total":2}`,
		`{"event":"result","package":"o/container/team/app","id":12,"role":"platform","platform":"linux/arm64","outcome":"failed","error":"500 Internal error","done":2,"total":2}`,
		`{"event":"image","phase":"verify","package":"o/team/app","ref":"ghcr.example/o/team/app:v1","root":"v1","tags":["v1"],"whole":true,"manifests":[],"platforms":[{"platform":"linux/amd64","whole":true,"manifests":[{"role":"platform","state":"restored"}]}]}`,
		`{"event":"summary","mode":"versions","applied":true,"exit_code":1,"restored":["o/container/team/app@11"],"failed":["o/container/team/app@12"],"unknown":[],"not_tried":[],"broken":[]}`,
	}, "\n") + "\n"
	vars := map[string]string{
		"INPUT_TOKEN": token + "\n", "INPUT_OWNER": "o", "INPUT_PACKAGE": "team/app", "INPUT_DRY_RUN": "false",
		"RESTORE_BIN": self, "GITHUB_OUTPUT": filepath.Join(dir, "out"), "GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
	}
	t.Setenv("GLUE_FAKE_TOOL", "1")
	t.Setenv("GLUE_FAKE_LINES", lines)
	t.Setenv("GLUE_FAKE_EXIT", "1")
	t.Setenv("GLUE_FAKE_RECORD", filepath.Join(dir, "record"))
	t.Setenv("INPUT_TOKEN", token) // as the runner sets it for the step
	var log, errs bytes.Buffer
	code := run(context.Background(), env(vars), &log, &errs)
	if code != 1 {
		t.Fatalf("exit %d, want the tool's 1\nlog:\n%s\nerrors:\n%s", code, log.String(), errs.String())
	}
	logText := log.String()
	if !strings.HasPrefix(logText, "::add-mask::"+token+"\n") {
		t.Errorf("the log does not start by masking the token:\n%s", logText)
	}
	stop := strings.Index(logText, "::stop-commands::")
	if stop < 0 || stop > strings.Index(logText, "::error::a line") {
		t.Errorf("workflow commands were not stopped before the tool's output:\n%s", logText)
	}
	var rec struct {
		Args []string
		Env  []string
	}
	b, err := os.ReadFile(filepath.Join(dir, "record"))
	if err == nil {
		err = json.Unmarshal(b, &rec)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rec.Args, []string{"--org", "o", "--type", "container", "--package", "team/app", "--apply", "--json"}) {
		t.Errorf("the tool's args %q", rec.Args)
	}
	if !slices.Contains(rec.Env, "GH_TOKEN="+token) || slices.ContainsFunc(rec.Env, func(kv string) bool { return strings.HasPrefix(kv, "INPUT_") }) {
		t.Errorf("the tool's environment: GH_TOKEN missing, or INPUT_* passed on")
	}
	outText, _ := os.ReadFile(vars["GITHUB_OUTPUT"])
	summary, _ := os.ReadFile(vars["GITHUB_STEP_SUMMARY"])
	outs := parseOutputs(t, string(outText))
	if outs["restored"] != "o/container/team/app@11" || outs["failed"] != "o/container/team/app@12" || outs["broken"] != "" || outs["exit-code"] != "1" {
		t.Errorf("outputs %q", outs)
	}
	var plan struct{ Items []struct{ ID int64 } }
	if err := json.Unmarshal([]byte(outs["plan"]), &plan); err != nil || len(plan.Items) != 1 || plan.Items[0].ID != 11 {
		t.Errorf("plan output %q: %v", outs["plan"], err)
	}
	var report struct {
		Event    string
		Mode     string
		ExitCode int `json:"exit_code"`
		Results  []map[string]any
		Images   []map[string]any
	}
	if err := json.Unmarshal([]byte(outs["report"]), &report); err != nil || report.Event != "summary" || report.Mode != "versions" || report.ExitCode != 1 || len(report.Results) != 2 || len(report.Images) != 1 {
		t.Errorf("report output %q: %v", outs["report"], err)
	}
	for _, want := range []string{"**Applied.**", "Selection: versions deleted during run o/infra/9",
		"Undoing the workflow run <code>Clean up</code> #562 (<code>o/infra/9</code>), success, which ran from 2026-11-24T14:00:00Z to 2026-11-24T14:20:00Z.",
		"| Package | Version id | Name |", "| <code>o/container/team/app</code> | 11 | sha256:aa | ✅ restored |  |",
		"| <code>o/container/team/app</code> | 12 | platform linux/arm64 | ❌ failed | 500 Internal error |",
		"| <code>ghcr.example/o/team/app:v1</code> | verify | <code>linux/amd64</code> | ✅ yes", "| 1 | 1 | 0 | 0 | 0 |"} {
		if !strings.Contains(string(summary), want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	if strings.Contains(string(outText)+string(summary)+errs.String(), token) || strings.Count(logText, token) != 1 {
		t.Errorf("the token appears outside its mask command")
	}
}

// TestRefusedInputsStillWriteOutputs: a bad input runs nothing, exits 2,
// and still writes the outputs and a summary saying why.
func TestRefusedInputsStillWriteOutputs(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"INPUT_OWNER": "o", "INPUT_DRY_RUN": "maybe", "RESTORE_BIN": filepath.Join(dir, "missing"),
		"GITHUB_OUTPUT": filepath.Join(dir, "out"), "GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary")}
	var log, errs bytes.Buffer
	if code := run(context.Background(), env(vars), &log, &errs); code != exitUsage {
		t.Fatalf("exit %d, want %d", code, exitUsage)
	}
	outText, _ := os.ReadFile(vars["GITHUB_OUTPUT"])
	summary, _ := os.ReadFile(vars["GITHUB_STEP_SUMMARY"])
	outs := parseOutputs(t, string(outText))
	if outs["exit-code"] != "2" || !strings.Contains(outs["report"], `input dry-run \"maybe\" is not true or false`) {
		t.Errorf("outputs %q", outs)
	}
	if !strings.Contains(string(summary), "input dry-run") || !strings.Contains(errs.String(), "::error title=restore::input dry-run") {
		t.Errorf("summary:\n%s\nerrors: %s", summary, errs.String())
	}
}

// An image event without grouped platforms is grouped from its manifests.
func TestImagesGroupedFromManifests(t *testing.T) {
	ev := `{"event":"image","phase":"verify","package":"o/app","root":"v1","whole":false,"manifests":[` +
		`{"role":"index","state":"present"},{"role":"platform","platform":"linux/amd64","state":"restored"},` +
		`{"role":"attestation","platform":"linux/amd64","state":"restored"},{"role":"platform","platform":"linux/arm64","state":"gone"}]}`
	r := &result{}
	r.add([]byte(ev))
	md := markdown(r, inputs{dryRun: "false"})
	for _, want := range []string{
		"| <code>o/app:v1</code> | verify | (image) | ❌ no | index present |",
		"| <code>o/app:v1</code> | verify | <code>linux/amd64</code> | ✅ yes | attestation restored, platform restored |",
		"| <code>o/app:v1</code> | verify | <code>linux/arm64</code> | ❌ no | platform gone |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q:\n%s", want, md)
		}
	}
}

// An image plan, and a doctor's plans, are shown one row per manifest.
func TestImagePlansInTheSummary(t *testing.T) {
	img := `{"root":"v1","manifests":[{"digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaa","role":"index","state":"present","version_id":1},` +
		`{"digest":"sha256:bbbbbbbbbbbbbbbbbbbbbbbb","role":"platform","platform":"linux/arm64","state":"deleted","version_id":2}]}`
	for _, tc := range []struct {
		name, plan string
		want       []string
	}{
		{"image plan", `{"package":"o/team/web","images":[` + img + `]}`, []string{
			"### Plan: 1 image, 1 manifest to restore",
			"| <code>o/team/web:v1</code> | index <code>sha256:aaaaaaaaaaaa</code> | — | present | 1 |",
			"| <code>o/team/web:v1</code> | platform <code>sha256:bbbbbbbbbbbb</code> | <code>linux/arm64</code> | ♻️ deleted | 2 |",
		}},
		{"doctor", `{"packages":[{"package":{"owner":{"org":"o"},"package_type":"container","package_name":"team/web"},"plan":{"package":"o/team/web","images":[` + img + `],"scanned":3}},` +
			`{"package":{"owner":{"org":"o"},"package_type":"container","package_name":"team/api"},"plan":{"package":"o/team/api","images":[],"scanned":2}}]}`, []string{
			"### Plan: 1 image, 1 manifest to restore", "Checked 2 packages (5 tagged images).",
			"| <code>o/team/web:v1</code> | platform <code>sha256:bbbbbbbbbbbb</code> | <code>linux/arm64</code> | ♻️ deleted | 2 |",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &result{}
			r.add([]byte(`{"event":"plan","plan":` + tc.plan + `}`))
			md := markdown(r, inputs{})
			for _, w := range tc.want {
				if !strings.Contains(md, w) {
					t.Errorf("summary lacks %q:\n%s", w, md)
				}
			}
		})
	}
}

// Errors and things not found reach the summary, with the fix when the tool
// gives one; the doctor's packages that could not be checked are named.
func TestErrorsInTheSummary(t *testing.T) {
	r := &result{exitCode: 3}
	for _, l := range []string{
		`{"event":"not_found","kind":"run","name":"o/infra/10","similar":[],"applied":false,"message":"no run 10 in o/infra that this token can see"}`,
		`{"event":"error","error":"the token was refused","fix":"gh auth refresh -s read:packages","exit_code":4}`,
		`{"event":"plan","mode":"doctor","apply":false,"plan":{"owner":"o","registry":"ghcr.example","packages":[{"package":"o/container/team/api","error":"500 Internal error","plan":{"package":"o/team/api","images":[]}}]}}`,
	} {
		r.add([]byte(l))
	}
	md := markdown(r, inputs{})
	for _, want := range []string{
		"> no run 10 in o/infra that this token can see",
		"> the token was refused Fix: gh auth refresh -s read:packages",
		"- <code>o/container/team/api</code> could not be checked: 500 Internal error",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q:\n%s", want, md)
		}
	}
	if rep := r.report(); !strings.Contains(rep, `"exit_code":3`) || !strings.Contains(rep, `"errors":[`) {
		t.Errorf("report %s", rep)
	}
}

// packageName reads api.Package's own JSON, for every owner kind.
func TestPackageNameReadsTheSDKsJSON(t *testing.T) {
	for _, p := range []api.Package{
		{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "team/app"},
		{Owner: api.User("mona"), Type: api.PackageTypeNpm, Name: "left-pad"},
		{Owner: api.Me(), Type: api.PackageTypeMaven, Name: "com.example.app"},
	} {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := packageName(b); got != p.String() {
			t.Errorf("packageName(%s) = %q, want %q", b, got, p.String())
		}
	}
}
