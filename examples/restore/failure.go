package main

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/ghpackages/restore/api"
)

// explain turns an error that ends the run into its exit code, its text in
// the tool's words (no operation ids) and the exact fix, if there is one.
func (c *cli) explain(err error) (code int, text, fix string) {
	code = codeOf(err, exitFailed)
	if errors.Is(err, api.ErrInvalidInput) {
		code = exitUsage
	}
	text = inFlagTerms(err, message(err))
	var fe *fixError
	if errors.As(err, &fe) {
		fix = fe.fix
	}
	var ae *api.Error
	switch {
	case errors.Is(err, api.ErrSSORequired):
		code = exitAuth
		fix = "The organization enforces SAML single sign-on: authorize the token for it, then run again."
		if errors.As(err, &ae) && ae.SSOURL != "" {
			fix += "\n  " + escape(ae.SSOURL)
		}
	case errors.Is(err, api.ErrLockedOut):
		code = exitAuth
		fix = "GitHub refuses every request for a while after several bad credentials: wait a few minutes, and check the token (GH_TOKEN) before running again."
	case errors.Is(err, api.ErrPackagesDisabled):
		code = exitFailed
		fix = "GitHub Packages is not enabled on this GitHub Enterprise Server: ask its administrator to enable it."
	case errors.As(err, &ae) && ae.StatusCode == 403 && ae.TokenKind == api.TokenFineGrained:
		// Not a missing scope: the Packages API refuses the token's kind.
		code = exitAuth
		fix = "GitHub Packages' REST API refuses fine-grained tokens: use a classic token (ghp_) with read:packages and write:packages (and delete:packages to list deleted versions), for example gh's:\n  " + c.tok.refreshCommand()
	case errors.Is(err, api.ErrUnauthorized):
		code = exitAuth
		fix = "GitHub refused the token (401): set GH_TOKEN to a valid classic token, or log in again:\n  gh auth login --hostname " + c.ghHost() + " --scopes read:packages,write:packages,delete:packages"
	case errors.Is(err, api.ErrForbidden):
		code = exitAuth
		fix = "GitHub refused the permission (403): the token needs read:packages and write:packages to restore, delete:packages to list deleted versions, and access to the owner (SAML SSO must authorize it). For gh's token:\n  " + c.tok.refreshCommand()
	}
	return code, text, fix
}

// ghHost is the gh host of the API the flags name, for commands to copy.
func (c *cli) ghHost() string {
	if c.tok.host != "" {
		return c.tok.host
	}
	base, err := resolveBaseURL(c.options, c.getenv)
	if err != nil {
		return "github.com"
	}
	return ghHost(base)
}

// operationOf is the SDK's operation id an error names, for --json.
func operationOf(err error) string {
	var e *api.Error
	if errors.As(err, &e) {
		return e.Op
	}
	return ""
}

// fixError is an error with the exact fix a user can apply.
type fixError struct {
	err error
	fix string
}

// Error is the wrapped error's text.
func (e *fixError) Error() string { return e.err.Error() }

// Unwrap returns the wrapped error.
func (e *fixError) Unwrap() error { return e.err }

// withFix returns err with its exit code and fix.
func withFix(code int, fix string, format string, args ...any) error {
	return &exitError{code: code, err: &fixError{err: fmt.Errorf(format, args...), fix: fix}}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
