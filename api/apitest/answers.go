package apitest

import (
	"fmt"
	"net/http"
)

// round3 holds the switches of GitHub's answers gathered in the third round
// of evidence (issue 17; README.md, behaviour table).
type round3 struct {
	packageLinks   bool // Link headers on package listings
	noVersionLinks bool // no Link headers on version listings
	activeRestore  int  // the status of a restore of an active version; 0: by package type
}

// WithPackageListLinks sends Link headers on package listings. GitHub often
// sends none, even when more pages exist (captured headers; README.md), so
// by default the fake sends none and a client must ask for the next page
// itself after a full page.
func WithPackageListLinks() Option { return func(s *Server) { s.packageLinks = true } }

// WithoutVersionListLinks sends no Link headers on version listings, which
// GitHub may also leave out (README.md, behaviour table).
func WithoutVersionListLinks() Option { return func(s *Server) { s.noVersionLinks = true } }

// WithActiveRestore sets GitHub's answer to a restore of a version that is
// active: http.StatusNoContent (204) or http.StatusBadRequest (400 `Active
// package version already exists with given name.`). GitHub's handler has
// both and which one comes is not known; 0 (the default) answers 204 for
// Maven and Docker and 400 for the registries with granular permissions.
func WithActiveRestore(status int) Option { return func(s *Server) { s.activeRestore = status } }

// check refuses an invalid switch, naming the option.
func (r round3) check() error {
	switch r.activeRestore {
	case 0, http.StatusNoContent, http.StatusBadRequest:
		return nil
	}
	return errOption("WithActiveRestore", "status %d is not 204 or 400", r.activeRestore)
}

// errOption is an invalid option's error, naming it.
func errOption(option, format string, args ...any) error {
	return fmt.Errorf("apitest: %s: %s", option, fmt.Sprintf(format, args...))
}
