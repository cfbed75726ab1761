// Image applies on the one engine: interrupted and resumed, from plan
// files, unknown outcomes, redeletions.

package main

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// An interrupted --broken --apply --save-plan reports, as package mode
// does, what is done, the restore in flight and what was not tried, from
// the engine's report, with the command that resumes; the resume applies
// the saved image plan from its journal, and no restore reaches GitHub
// twice.
func TestInterruptedBrokenApplyResumesFromItsJournal(t *testing.T) {
	f := newImageFake(t)
	total := len(f.demo.Deleted)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	// Two restores are answered; the third is held until the client goes.
	front, third, _ := holdNth(t, f.gh.URL, http.MethodPost, 3)
	cmd := f.run.command(t, "--base-url", front, "--registry", f.reg.URL, "--org", "octo-org", "--package", "team/web",
		"--broken", "--apply", "--save-plan", planFile, "--pacing", "0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines, errLines := collect(stdout), collect(stderr)
	errLines.waitFor(t, "] restored")
	<-third // the third restore is in flight: the first Ctrl-C lets it finish,
	cmd.Process.Signal(syscall.SIGINT)
	errLines.waitFor(t, "Stopping after the restore in flight")
	cmd.Process.Signal(syscall.SIGINT) // the second abandons it
	lines.waitFor(t, "To resume:")
	lines.waitEnd()
	errLines.waitEnd()
	if code := exitCode(t, cmd.Wait()); code != exitInterrupted {
		t.Errorf("exit %d, want %d", code, exitInterrupted)
	}
	first := restoresOf(f.gh)
	if len(first) != 2 {
		t.Fatalf("the fake got %d restores before the interrupt (%v), want 2", len(first), first)
	}
	var inFlight int64
	for _, id := range f.demo.Deleted {
		if !slices.Contains(first, id) && strings.Contains(lines.text(), "in flight:  "+itoa(id)+",") {
			inFlight = id
		}
	}
	report := lines.text()
	for _, want := range []string{
		"\nInterrupted.\n",
		"  done:       2 versions (restored 2, already active 0, done earlier 0)\n",
		"  in flight:  " + itoa(inFlight) + ", outcome unknown (it may have been restored)\n",
		"  not tried:  " + plural(total-3, "version") + "\n",
		"To resume:\n  restore --plan " + planFile + " --base-url " + front + " --registry " + f.reg.URL + " --pacing 0s --apply",
	} {
		if inFlight == 0 || !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s\n%s", want, report, errLines.text())
		}
	}

	// The resume, the command the report gave: the rest, each once.
	out, errOut, code := f.run.do(t, "--plan", planFile, "--base-url", front, "--registry", f.reg.URL, "--pacing", "0s", "--apply")
	if code != exitOK {
		t.Fatalf("resume: exit %d:\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "Resuming: the journal "+planFile+".journal records 2 restores done.") {
		t.Errorf("resume output:\n%s", out)
	}
	all := restoresOf(f.gh)
	slices.Sort(all)
	want := slices.Clone(f.demo.Deleted)
	slices.Sort(want)
	if !slices.Equal(all, want) {
		t.Errorf("restores across both runs %v, want each of %v once", all, want)
	}
	if got := f.restores(); len(got) != total {
		t.Errorf("%d versions restored, want %d", len(got), total)
	}
}

// The same interruption with --json: every line matches the schema, the
// interrupted event names the restore in flight and what was not tried
// (PACKAGE@ID) from the engine's report, and the summary lists the
// in-flight restore as unknown, never failed.
func TestInterruptedImageApplyJSON(t *testing.T) {
	f := newImageFake(t)
	total := len(f.demo.Deleted)
	front, third, _ := holdNth(t, f.gh.URL, http.MethodPost, 3)
	cmd := f.run.command(t, "--base-url", front, "--registry", f.reg.URL, "--org", "octo-org", "--package", "team/web",
		"--image", f.demo.Tag, "--apply", "--pacing", "0", "--json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines, errLines := collect(stdout), collect(stderr)
	<-third
	cmd.Process.Signal(syscall.SIGINT) // the first lets the restore in flight finish,
	errLines.waitFor(t, "Stopping after the restore in flight")
	cmd.Process.Signal(syscall.SIGINT) // the second abandons it
	lines.waitEnd()
	errLines.waitEnd()
	if code := exitCode(t, cmd.Wait()); code != exitInterrupted {
		t.Errorf("exit %d, want %d", code, exitInterrupted)
	}
	events := checkEvents(t, lines.text())
	intr := events["interrupted"]
	if len(intr) != 1 {
		t.Fatalf("interrupted events: %v\n%s", intr, lines.text())
	}
	ev := intr[0]
	inFlight, _ := ev["in_flight"].([]any)
	notTried, _ := ev["not_tried"].([]any)
	if ev["while"] != "applying" || ev["done"] != 2.0 || ev["failed"] != 0.0 || len(inFlight) != 1 || len(notTried) != total-3 {
		t.Errorf("interrupted event %v, want 2 done, 1 in flight, %d not tried", ev, total-3)
	}
	sum := events["summary"][0]
	if unknown, _ := sum["unknown"].([]any); len(unknown) != 1 || len(inFlight) != 1 || unknown[0] != inFlight[0] {
		t.Errorf("summary %v: the restore in flight is not listed as unknown", sum)
	}
	if failed, _ := sum["failed"].([]any); len(failed) != 0 {
		t.Errorf("summary lists failed %v", failed)
	}
}

// An image plan saved without --registry (the API named the registry) is
// applied from its file without --registry: the plan keeps the host, and
// the tool reaches it as the API names it (plain http on loopback).
func TestImagePlanFileAppliesWithoutRegistryFlag(t *testing.T) {
	f := newImageFake(t)
	planFile := filepath.Join(t.TempDir(), "web.json")
	out, errOut, code := f.run.do(t, "--base-url", f.gh.URL, "--org", "octo-org", "--package", "team/web", "--image", f.demo.Tag, "--save-plan", planFile)
	if code != exitOK || !strings.Contains(out, "Plan saved to "+planFile) || !strings.Contains(out, "restore --plan "+planFile+" --base-url "+f.gh.URL+" --apply") {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	if f.restores() != nil {
		t.Fatalf("the dry run restored %v", f.restores())
	}
	out, errOut, code = f.run.do(t, "--plan", planFile, "--base-url", f.gh.URL, "--pacing", "0", "--apply", "--verify")
	if code != exitOK || !strings.Contains(out, "1 image whole.") {
		t.Fatalf("--plan --apply --verify: exit %d:\n%s%s", code, out, errOut)
	}
	if got, want := f.restores(), f.deleted(); !slices.Equal(got, want) {
		t.Errorf("restored %v, want %v", got, want)
	}
}

// A restore whose outcome is unknown (the connection dropped after GitHub
// restored it, and the check was refused by a rate limit) is reported as
// unknown, never as failed, in the text and in --json; the image is not
// called whole, and running again settles it.
func TestImageApplyReportsUnknownOutcomesAsUnknown(t *testing.T) {
	for _, json := range []bool{false, true} {
		f := newImageFake(t)
		f.gh.Script(api.OpRestoreVersion, apitest.Fault{DropAfter: true}, apitest.SecondaryLimit(403, "3600"))
		args := []string{"--image", f.demo.Tag, "--apply"}
		if json {
			args = append(args, "--json")
		}
		out, errOut, code := f.do(t, args...)
		if code != exitFailed {
			t.Errorf("json=%v: exit %d, want 1:\n%s%s", json, code, out, errOut)
		}
		if json {
			sum := checkEvents(t, out)["summary"][0]
			unknown, _ := sum["unknown"].([]any)
			failed, _ := sum["failed"].([]any)
			if len(unknown) != 1 || len(failed) != 0 {
				t.Errorf("summary %v: want 1 unknown, 0 failed", sum)
			}
			continue
		}
		flat := strings.Join(strings.Fields(out+errOut), " ")
		for _, want := range []string{"unknown version", "1 restore: outcome unknown (they may be restored: run again to settle them)."} {
			if !strings.Contains(flat, want) {
				t.Errorf("output lacks %q:\n%s%s", want, out, errOut)
			}
		}
		if strings.Contains(flat, "failed   version") || strings.Contains(flat, "restore failed") {
			t.Errorf("an unknown outcome is called failed:\n%s%s", out, errOut)
		}
		// Running again settles it: the restore had taken effect.
		out, errOut, code = f.do(t, "--image", f.demo.Tag, "--apply", "--verify")
		if code != exitOK || !strings.Contains(out, "1 image whole.") {
			t.Errorf("the second run: exit %d:\n%s%s", code, out, errOut)
		}
	}
}

// An image plan file is checked before use, as a plan of versions is:
// another API, another owner, a broken file; --verify and --registry go
// with image plans only. Nothing is sent to the registry or restored.
func TestImagePlanFileIsCheckedBeforeUse(t *testing.T) {
	f := newImageFake(t)
	dir := t.TempDir()
	planFile := filepath.Join(dir, "web.json")
	if _, errOut, code := f.do(t, "--image", f.demo.Tag, "--save-plan", planFile); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	versionsPlan := filepath.Join(dir, "versions.json")
	if _, errOut, code := f.run.do(t, "--base-url", f.gh.URL, "--org", "octo-org", "--type", "container", "--package", "team/web", "--all-deleted", "--save-plan", versionsPlan); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	data, _ := os.ReadFile(planFile)
	broken := filepath.Join(dir, "broken.json")
	os.WriteFile(broken, []byte(strings.Replace(string(data), `"state": "deleted"`, `"state": "vanished"`, 1)), 0o600)
	f.reg.ResetRequests()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"another host", []string{"--base-url", "http://127.0.0.1:1", "--plan", planFile, "--apply"}, "was made against " + f.gh.URL},
		{"another owner", []string{"--base-url", f.gh.URL, "--org", "someone-else", "--plan", planFile, "--apply"}, "is for octo-org, not someone-else"},
		{"a broken file", []string{"--base-url", f.gh.URL, "--plan", broken, "--apply"}, "--plan " + broken},
		{"--verify with a plan of versions", []string{"--base-url", f.gh.URL, "--plan", versionsPlan, "--verify"}, "go with image plans"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := f.run.do(t, tt.args...)
			if code != exitUsage || !strings.Contains(strings.Join(strings.Fields(errOut), " "), tt.want) {
				t.Errorf("exit %d: %s; want 2 and %q", code, errOut, tt.want)
			}
		})
	}
	if n := len(f.reg.Requests()); n != 0 || f.restores() != nil {
		t.Errorf("%d registry reads, restores %v", n, f.restores())
	}
	// A good one prints its age and its plan, and needs no token to print.
	out, errOut, code := cliRun{}.do(t, "--base-url", f.gh.URL, "--plan", planFile)
	if code != exitOK || !strings.Contains(out, "Plan made ") || !strings.Contains(out, "6 manifests to restore") {
		t.Errorf("exit %d:\n%s%s", code, out, errOut)
	}
}

// An image plan applied again after a cleanup deleted one of its manifests
// again: the journal has it done, the listing shows the new deletion, and
// it is restored again, saying so; nothing else is sent.
func TestImagePlanAppliedAgainRestoresWhatWasDeletedAgain(t *testing.T) {
	f := newImageFake(t)
	planFile := filepath.Join(t.TempDir(), "web.json")
	if _, errOut, code := f.do(t, "--image", f.demo.Tag, "--apply", "--save-plan", planFile); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	f.clock.Advance(time.Hour) // the cleanup runs again, after the journal's entries
	again := f.demo.Deleted[0]
	if err := f.gh.SoftDeleteVersion(f.demo.Package, again); err != nil {
		t.Fatal(err)
	}
	f.gh.ResetRequests()
	out, errOut, code := f.run.do(t, "--plan", planFile, "--base-url", f.gh.URL, "--registry", f.reg.URL, "--pacing", "0", "--apply")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	if got := f.restores(); !slices.Equal(got, []string{itoa(again)}) {
		t.Errorf("restored %v, want only %d", got, again)
	}
	if !strings.Contains(errOut, "restored again version "+itoa(again)) || !strings.Contains(errOut, "deleted again after the journal's entry") {
		t.Errorf("the output does not say it was restored again:\n%s", errOut)
	}
}
