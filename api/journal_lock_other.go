//go:build !unix

package api

import "os"

// lockJournal does nothing where advisory locks are not available.
func lockJournal(*os.File) error { return nil }
