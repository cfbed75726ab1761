package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// --save-plan FILE --apply never touches the journal of another run that
// holds its lock: the run stops with a clear error (exit 1), writes no
// plan, sends nothing, and the other run's journal keeps its entries.
func TestSavePlanApplyLeavesAJournalInUseAlone(t *testing.T) {
	srv, d := fake(t)
	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.json")
	other, err := api.OpenJournal(planFile + ".journal")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	pkg := api.Package{Owner: api.Org(d.Org), Type: d.Image.Type, Name: d.Image.Name}
	if err := other.Record(api.JournalEntry{Package: pkg, ID: d.ImageDeleted[0], Outcome: api.OutcomeRestored, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(planFile + ".journal")
	out, errOut, code := withToken(d).do(t, "--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name,
		"--all-deleted", "--save-plan", planFile, "--apply", "--pacing", "0")
	flat := strings.Join(strings.Fields(errOut), " ")
	if code != exitFailed || !strings.Contains(flat, "the journal "+planFile+".journal is in use by another run") {
		t.Errorf("exit %d, want 1 naming the journal in use:\n%s%s", code, out, errOut)
	}
	if n := len(posts(srv)); n != 0 {
		t.Errorf("%d restores sent", n)
	}
	if after, _ := os.ReadFile(planFile + ".journal"); string(after) != string(before) || len(before) == 0 {
		t.Errorf("the other run's journal changed:\n%s\nwas:\n%s", after, before)
	}
	if _, err := os.Stat(planFile); err == nil {
		t.Error("the plan was written over the other run's")
	}
}

// A FILE.journal that is not a regular file (a symbolic link, a FIFO) is
// refused by name before anything is sent, and what a link points at is
// left as it was.
func TestSavePlanApplyRefusesAJournalThatIsNotARegularFile(t *testing.T) {
	srv, d := fake(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "precious.txt")
	if err := os.WriteFile(target, []byte("keep me\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		make func(path string) error
	}{
		{"symlink", func(p string) error { return os.Symlink(target, p) }},
		{"fifo", func(p string) error { return syscall.Mkfifo(p, 0o600) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			planFile := filepath.Join(dir, tt.name+".json")
			if err := tt.make(planFile + ".journal"); err != nil {
				t.Fatal(err)
			}
			out, errOut, code := withToken(d).do(t, "--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name,
				"--all-deleted", "--save-plan", planFile, "--apply", "--pacing", "0")
			flat := strings.Join(strings.Fields(errOut), " ")
			if code != exitUsage || !strings.Contains(flat, "the journal "+planFile+".journal is not a regular file") {
				t.Errorf("exit %d, want 2 naming the journal:\n%s%s", code, out, errOut)
			}
			if n := len(posts(srv)); n != 0 {
				t.Errorf("%d restores sent", n)
			}
			if b, _ := os.ReadFile(target); string(b) != "keep me\n" {
				t.Errorf("the link's target changed: %q", b)
			}
		})
	}
}

// A plan applied again after a cleanup deleted one of its versions again:
// the journal has it done, but the listing shows a deletion after the
// journal's entry, so it is restored again, and the output says so.
func TestPlanAppliedAgainRestoresWhatWasDeletedAgain(t *testing.T) {
	clk := apitest.NewClock(time.Now())
	srv, d := fake(t, apitest.WithClock(clk))
	ids := tenDeleted(t, srv)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	r := withToken(d)
	if _, errOut, code := r.do(t, "--base-url", srv.URL, "--org", "octo-org", "--type", "npm", "--package", "ten", "--all-deleted",
		"--save-plan", planFile, "--apply", "--pacing", "0"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	clk.Advance(time.Hour) // the cleanup runs again, after the journal's entries
	pkg := api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeNpm, Name: "ten"}
	if err := srv.SoftDeleteVersion(pkg, ids[0]); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	out, errOut, code := r.do(t, "--base-url", srv.URL, "--plan", planFile, "--apply", "--pacing", "0")
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	if sent := restoresOf(srv); len(sent) != 1 || sent[0] != ids[0] {
		t.Errorf("restores sent %v, want only %d", sent, ids[0])
	}
	if !strings.Contains(out, "restored again "+itoa(ids[0])+" 1.0.0: deleted again after the journal's entry") {
		t.Errorf("the output does not say it was restored again:\n%s", out)
	}
	if v, _ := srv.LookupVersion(orgPkg("octo-org", api.PackageTypeNpm, "ten"), ids[0]); v.DeletedAt != nil {
		t.Errorf("version %d is still deleted", ids[0])
	}
}
