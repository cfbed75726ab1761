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
// already active is not sent again, unless the version was deleted again
// after that entry (PlanItem.DeletedAt after JournalEntry.At: a new
// deletion, restored again and reported as Result.Redeleted). Apply records
// OutcomeUnknown before it sends a restore and the outcome once it is
// known, so an entry left at OutcomeUnknown is a restore that may or may
// not have taken effect; Apply sends it again (restores are idempotent for
// the caller).
type Journal interface {
	// Lookup returns the last entry recorded for a version (id > 0) or for
	// the package itself (id 0).
	Lookup(pkg Package, id int64) (JournalEntry, bool)
	// Record stores an entry. Apply stops with the error if it fails:
	// without the journal a later run could not resume safely.
	Record(e JournalEntry) error
}

// JournalEntry is one line of a journal.
type JournalEntry struct {
	Package Package `json:"package"`
	// ID is the version id, or 0 for the restore of the package itself.
	ID      int64   `json:"id,omitempty"`
	Outcome Outcome `json:"outcome"`
	Error   string  `json:"error,omitempty"`
	// At is when the outcome was recorded (the client's clock). A version
	// whose DeletedAt is after At was deleted again since.
	At time.Time `json:"at"`
}

// done reports whether an outcome means nothing is left to do.
func done(o Outcome) bool { return o == OutcomeRestored || o == OutcomeAlreadyActive }

type journalKey struct {
	pkg Package
	id  int64
}

// MaxJournalSize bounds what OpenJournal reads: a journal holds one short
// line per restore, so a larger file is not a journal (or a hostile one).
const MaxJournalSize = 64 << 20

// ErrJournalInUse matches OpenJournal's error when another FileJournal (in
// this or another process) holds the file: two runs must not apply the same
// plan at once.
var ErrJournalInUse = errors.New("the journal is in use by another run")

// ErrJournalNotRegular matches OpenJournal's error for a path that is not a
// regular file: a symbolic link (never followed), a FIFO, a device, a
// directory.
var ErrJournalNotRegular = errors.New("the journal is not a regular file")

// ErrJournalTooLarge matches OpenJournal's error for a file larger than
// MaxJournalSize.
var ErrJournalTooLarge = errors.New("the journal is too large")

// JournalError is OpenJournal's error: which file, and why it was refused
// or could not be read. It matches ErrJournalInUse, ErrJournalNotRegular,
// ErrJournalTooLarge or the underlying error with errors.Is.
type JournalError struct {
	Path string
	// Op is what failed: "open", "lock" or "read".
	Op  string
	Err error
}

// Error names the path and the reason.
func (e *JournalError) Error() string {
	return fmt.Sprintf("journal %s: %s: %v", e.Path, e.Op, e.Err)
}

// Unwrap returns the reason.
func (e *JournalError) Unwrap() error { return e.Err }

// FileJournal is a Journal kept in a file of JSON lines, one JournalEntry
// each, appended and synced as Apply goes. It is safe for concurrent use.
type FileJournal struct {
	mu   sync.Mutex
	f    *os.File
	last map[journalKey]JournalEntry
}

// OpenJournal opens (or creates) the journal file at path, locks it (on
// Unix systems: a second OpenJournal of the same file fails with
// ErrJournalInUse until the first is closed) and reads what it recorded so
// far. Only a regular file is opened: a symbolic link is not followed, and
// a FIFO, a device or a directory is refused at once (ErrJournalNotRegular),
// as is a file larger than MaxJournalSize (ErrJournalTooLarge); every error
// is a *JournalError naming the path. A torn last line (a crash while
// writing) is cut off; any other line that is not an entry is an error.
// Close it when done.
func OpenJournal(path string) (*FileJournal, error) {
	fail := func(op string, err error) error { return &JournalError{Path: path, Op: op, Err: err} }
	// Lstat first, so that a FIFO or a device is refused before any open
	// (which could block or read for ever) and a link is never followed.
	if fi, err := os.Lstat(path); err == nil {
		if err := regular(fi); err != nil {
			return nil, fail("open", err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fail("open", err)
	}
	// The flags close the race with a file swapped in after Lstat: no link
	// is followed, and opening a FIFO does not block; Fstat checks again.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND|journalOpenFlags, 0o600)
	if err != nil {
		return nil, fail("open", err)
	}
	fi, err := f.Stat()
	if err == nil {
		err = regular(fi)
	}
	if err != nil {
		f.Close()
		return nil, fail("open", err)
	}
	if err := lockJournal(f); err != nil {
		f.Close()
		return nil, fail("lock", err)
	}
	j := &FileJournal{f: f, last: map[journalKey]JournalEntry{}}
	if err := j.load(f); err != nil {
		f.Close()
		return nil, fail("read", err)
	}
	return j, nil
}

// regular refuses anything but a regular file.
func regular(fi os.FileInfo) error {
	m := fi.Mode()
	switch {
	case m.IsRegular():
		return nil
	case m&os.ModeSymlink != 0:
		return fmt.Errorf("%w: it is a symbolic link, which is not followed", ErrJournalNotRegular)
	case m.IsDir():
		return fmt.Errorf("%w: it is a directory", ErrJournalNotRegular)
	case m&os.ModeNamedPipe != 0:
		return fmt.Errorf("%w: it is a FIFO", ErrJournalNotRegular)
	case m&os.ModeDevice != 0:
		return fmt.Errorf("%w: it is a device", ErrJournalNotRegular)
	}
	return fmt.Errorf("%w: its mode is %s", ErrJournalNotRegular, m.Type())
}

// load reads the entries recorded so far. A last line without its newline
// (a crash while writing) is cut off when it is torn, or ended when it is a
// whole entry, so that the next Record starts a line of its own.
func (j *FileJournal) load(f *os.File) error {
	data, err := io.ReadAll(io.LimitReader(f, MaxJournalSize+1))
	if err != nil {
		return err
	}
	if len(data) > MaxJournalSize {
		return fmt.Errorf("%w: more than %d MiB", ErrJournalTooLarge, MaxJournalSize>>20)
	}
	entries, keep, err := parseJournal(data)
	if err != nil {
		return err
	}
	for _, e := range entries {
		j.last[journalKey{e.Package, e.ID}] = e
	}
	switch {
	case keep < len(data):
		return f.Truncate(int64(keep))
	case keep > 0 && data[keep-1] != '\n':
		_, err := f.Write([]byte("\n"))
		return err
	}
	return nil
}

// parseJournal reads the entries of data, in order, and how much of data to
// keep: all of it, or all but a torn last line (no newline was written
// after it, and it is not an entry). Any other line that is not an entry
// is an error naming its number.
func parseJournal(data []byte) ([]JournalEntry, int, error) {
	var out []JournalEntry
	for n, off := 1, 0; off < len(data); n++ {
		end := bytes.IndexByte(data[off:], '\n')
		last := end < 0
		if last {
			end = len(data) - off
		}
		line := data[off : off+end]
		if len(bytes.TrimSpace(line)) > 0 {
			var e JournalEntry
			if err := json.Unmarshal(line, &e); err != nil {
				if last { // torn: the crash came before the newline
					return out, off, nil
				}
				return nil, 0, fmt.Errorf("line %d: %w", n, err)
			}
			out = append(out, e)
		}
		off += end + 1
	}
	return out, len(data), nil
}

// Lookup returns the last entry recorded for the version (or package, id 0).
func (j *FileJournal) Lookup(pkg Package, id int64) (JournalEntry, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	e, ok := j.last[journalKey{pkg, id}]
	return e, ok
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
	j.last[journalKey{e.Package, e.ID}] = e
	return nil
}

// Reset empties the journal while holding its lock: a run that starts a
// new plan in the same file (--save-plan FILE --apply) calls OpenJournal,
// which fails with ErrJournalInUse while another run holds the file, and
// then Reset, rather than deleting the file (which would take it from
// under the other run).
func (j *FileJournal) Reset() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("the journal is closed")
	}
	if err := j.f.Truncate(0); err != nil {
		return fmt.Errorf("emptying the journal: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("emptying the journal: %w", err)
	}
	clear(j.last)
	return nil
}

// Done counts the versions and packages the journal records as restored or
// already active.
func (j *FileJournal) Done() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0
	for _, e := range j.last {
		if done(e.Outcome) {
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
