package api_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ghpackages/restore/api"
)

// OpenJournal opens only a regular file: a link is never followed (its
// target is left alone), and a FIFO, a device or a directory is refused at
// once, without blocking or reading (issue 17, item 7).
func TestOpenJournalRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "precious")
	if err := os.WriteFile(target, []byte("not yours\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.journal")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.journal")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.journal")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "dir.journal")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, path, why string }{
		{"symbolic link", link, "symbolic link"},
		{"link to /dev/zero", zero, "symbolic link"},
		{"/dev/zero itself", "/dev/zero", "device"},
		{"FIFO", fifo, "FIFO"},
		{"directory", sub, "directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			j, err := api.OpenJournal(tt.path)
			if err == nil {
				j.Close()
				t.Fatal("opened")
			}
			var je *api.JournalError
			if !errors.Is(err, api.ErrJournalNotRegular) || !errors.As(err, &je) || je.Path != tt.path || !strings.Contains(err.Error(), tt.why) {
				t.Errorf("err = %v, want a *JournalError of %s matching ErrJournalNotRegular saying %q", err, tt.path, tt.why)
			}
		})
	}
	if b, _ := os.ReadFile(target); string(b) != "not yours\n" {
		t.Errorf("the link's target was changed: %q", b)
	}
}

func TestOpenJournalBoundsWhatItReads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.journal")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse file just past the bound: no real disk use.
	if err := f.Truncate(api.MaxJournalSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	j, err := api.OpenJournal(path)
	if err == nil {
		j.Close()
	}
	var je *api.JournalError
	if !errors.Is(err, api.ErrJournalTooLarge) || !errors.As(err, &je) || je.Path != path {
		t.Errorf("err = %v, want a *JournalError matching ErrJournalTooLarge", err)
	}
}

// Reset empties a journal under its lock: a run starting a new plan in the
// same file never deletes it from under another run (ErrJournalInUse first).
func TestJournalResetKeepsTheLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.json.journal")
	j, err := api.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Record(api.JournalEntry{Package: restorePkg, ID: 3, Outcome: api.OutcomeRestored, At: start}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.OpenJournal(path); !errors.Is(err, api.ErrJournalInUse) {
		t.Fatalf("a second run: %v, want ErrJournalInUse", err)
	}
	if err := j.Reset(); err != nil {
		t.Fatal(err)
	}
	if _, ok := j.Lookup(restorePkg, 3); ok || j.Done() != 0 {
		t.Error("the reset journal still knows an entry")
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Errorf("after Reset: %v, %d bytes", err, fi.Size())
	}
	if _, err := api.OpenJournal(path); !errors.Is(err, api.ErrJournalInUse) {
		t.Errorf("after Reset, a second run: %v, want ErrJournalInUse", err)
	}
}

// FuzzJournal reads torn, garbage and huge lines: OpenJournal either
// refuses the file with a *JournalError naming a line, or reads it, and
// then every entry it reports is one of the file's whole lines, and the
// file ends with a newline (or is empty) so that the next record starts a
// line of its own.
func FuzzJournal(f *testing.F) {
	good, _ := json.Marshal(api.JournalEntry{Package: restorePkg, ID: 5, Outcome: api.OutcomeRestored, At: start})
	f.Add(append(good, '\n'))
	f.Add(append(append(good, '\n'), `{"package":{"ow`...))
	f.Add(good)
	f.Add([]byte("garbage\n" + string(good) + "\n"))
	f.Add([]byte("\n\n  \n"))
	f.Add([]byte(`{"package":{"owner":{"org":"o"},"package_type":"container","package_name":"team/app"},"id":9,"outcome":"` + strings.Repeat("x", 1<<12) + `"}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.journal")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := api.OpenJournal(path)
		if err != nil {
			var je *api.JournalError
			if !errors.As(err, &je) || je.Path != path || je.Op != "read" || !strings.Contains(err.Error(), "line ") {
				t.Fatalf("err = %v, want a *JournalError naming a line", err)
			}
			return
		}
		j.Close()
		after, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) > 0 && after[len(after)-1] != '\n' {
			t.Fatalf("the journal does not end with a newline: %q", after)
		}
		if !strings.HasPrefix(string(data), strings.TrimSuffix(string(after), "\n")) {
			t.Fatalf("the journal was changed beyond its torn end: %q → %q", data, after)
		}
		if _, ok := j.Lookup(restorePkg, 5); ok && !strings.Contains(string(after), `"id":5`) {
			t.Fatal("an entry came from the torn end")
		}
	})
}
