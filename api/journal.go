package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Journal records Apply's outcomes as they happen, so that an interrupted
// Apply of the same plan resumes: what the journal records as restored or
// already active is not sent again. Apply records OutcomeUnknown before it
// sends a restore and the outcome once it is known, so an entry left at
// OutcomeUnknown is a restore that may or may not have taken effect; Apply
// sends it again (restores are idempotent for the caller).
type Journal interface {
	// Lookup returns the last outcome recorded for a version (id > 0) or
	// for the package itself (id 0).
	Lookup(pkg Package, id int64) (Outcome, bool)
	// Record stores an entry. Apply stops with the error if it fails:
	// without the journal a later run could not resume safely.
	Record(e JournalEntry) error
}

// JournalEntry is one line of a journal.
type JournalEntry struct {
	Package Package `json:"package"`
	// ID is the version id, or 0 for the restore of the package itself.
	ID      int64     `json:"id,omitempty"`
	Outcome Outcome   `json:"outcome"`
	Error   string    `json:"error,omitempty"`
	At      time.Time `json:"at"`
}

// done reports whether an outcome means nothing is left to do.
func done(o Outcome) bool { return o == OutcomeRestored || o == OutcomeAlreadyActive }

type journalKey struct {
	pkg Package
	id  int64
}

// ErrJournalInUse matches OpenJournal's error when another FileJournal (in
// this or another process) holds the file: two runs must not apply the same
// plan at once.
var ErrJournalInUse = errors.New("the journal is in use by another run")

// FileJournal is a Journal kept in a file of JSON lines, one JournalEntry
// each, appended and synced as Apply goes. It is safe for concurrent use.
type FileJournal struct {
	mu   sync.Mutex
	f    *os.File
	last map[journalKey]Outcome
}

// OpenJournal opens (or creates) the journal file at path, locks it (on
// Unix systems: a second OpenJournal of the same file fails with
// ErrJournalInUse until the first is closed) and reads what it recorded so
// far. A torn last line (a crash while writing) is cut off; any other line
// that is not an entry is an error. Close it when done.
func OpenJournal(path string) (*FileJournal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the journal: %w", err)
	}
	if err := lockJournal(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("opening the journal %s: %w", path, err)
	}
	j := &FileJournal{f: f, last: map[journalKey]Outcome{}}
	if err := j.load(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("reading the journal %s: %w", path, err)
	}
	return j, nil
}

// load reads the entries recorded so far. A last line without its newline
// (a crash while writing) is cut off when it is torn, or ended when it is a
// whole entry, so that the next Record starts a line of its own.
func (j *FileJournal) load(f *os.File) error {
	data, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	lines := bytes.Split(data, []byte("\n"))
	for i, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e JournalEntry
		if err := json.Unmarshal(line, &e); err != nil {
			if i == len(lines)-1 { // torn last line: no newline was written
				return f.Truncate(int64(len(data) - len(line)))
			}
			return fmt.Errorf("line %d: %w", i+1, err)
		}
		j.last[journalKey{e.Package, e.ID}] = e.Outcome
		if i == len(lines)-1 { // a whole entry whose newline was not written
			if _, err := f.Write([]byte("\n")); err != nil {
				return err
			}
		}
	}
	return nil
}

// Lookup returns the last outcome recorded for the version (or package, id 0).
func (j *FileJournal) Lookup(pkg Package, id int64) (Outcome, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	o, ok := j.last[journalKey{pkg, id}]
	return o, ok
}

// Record appends the entry and syncs the file.
func (j *FileJournal) Record(e JournalEntry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("the journal is closed")
	}
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("writing the journal: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("writing the journal: %w", err)
	}
	j.last[journalKey{e.Package, e.ID}] = e.Outcome
	return nil
}

// Done counts the versions and packages the journal records as restored or
// already active.
func (j *FileJournal) Done() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0
	for _, o := range j.last {
		if done(o) {
			n++
		}
	}
	return n
}

// Close closes the file.
func (j *FileJournal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}
