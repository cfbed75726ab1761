//go:build unix

package api

import (
	"errors"
	"os"
	"syscall"
)

// journalOpenFlags: never follow a symbolic link, and never block opening
// a FIFO swapped in after the Lstat (Fstat then refuses it).
const journalOpenFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// lockJournal takes an exclusive advisory lock on the open journal, so that
// two runs cannot apply the same plan at once. Closing the file releases it.
func lockJournal(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return ErrJournalInUse
	}
	return err
}
