//go:build !unix

package api

import "os"

// journalOpenFlags: none beyond the Lstat and Fstat checks where O_NOFOLLOW
// is not available.
const journalOpenFlags = 0

// lockJournal does nothing where advisory locks are not available.
func lockJournal(*os.File) error { return nil }
