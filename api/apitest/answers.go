package apitest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// round3 holds the switches of GitHub's answers gathered in the third round
// of evidence (issue 17; README.md, behaviour table).
type round3 struct {
	packageLinks   bool // Link headers on package listings
	noVersionLinks bool // no Link headers on version listings
	activeRestore  int  // the status of a restore of an active version; 0: by package type

	ssoOrgs          map[string]bool // lower-case logins of organizations enforcing SAML SSO
	packagesDisabled bool            // GitHub Enterprise Server with Packages off

	// Bad credentials: after lockoutAfter 401s within lockoutFor, every
	// request answers 403 until lockoutFor after the last of them.
	lockoutAfter int
	lockoutFor   time.Duration
	badCreds     []time.Time // s.mu
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

// WithSSO makes organizations enforce SAML single sign-on for tokens that
// were not authorized for them (here: every token): their routes answer 403
// `Resource protected by organization SAML enforcement. You must grant your
// Personal Access token access to this organization.` with the header
// `X-GitHub-SSO: required; url=<authorize URL>`, as GitHub does.
func WithSSO(orgs ...string) Option {
	return func(s *Server) {
		if s.ssoOrgs == nil {
			s.ssoOrgs = map[string]bool{}
		}
		for _, o := range orgs {
			s.ssoOrgs[strings.ToLower(o)] = true
		}
	}
}

// WithPackagesDisabled serves a GitHub Enterprise Server whose GitHub
// Packages is off: every package route answers 404 `GitHub Packages has not
// been enabled. Contact your Enterprise Administrator to enable GitHub
// Packages.` after authentication; /rate_limit still answers.
func WithPackagesDisabled() Option { return func(s *Server) { s.packagesDisabled = true } }

// WithBadCredentialsLockout locks clients out after n answers of 401 `Bad
// credentials` within d: then every request answers 403 `Maximum number of
// login attempts exceeded. Please try again later.` until d has passed
// since the last bad credentials, by the server's clock. GitHub does so for
// the user of the bad credentials; the fake cannot tell whose they were and
// refuses every request. n 0 (the default) turns it off.
func WithBadCredentialsLockout(n int, d time.Duration) Option {
	return func(s *Server) { s.lockoutAfter, s.lockoutFor = n, d }
}

// check refuses an invalid switch, naming the option.
func (r round3) check() error {
	switch r.activeRestore {
	case 0, http.StatusNoContent, http.StatusBadRequest:
	default:
		return errOption("WithActiveRestore", "status %d is not 204 or 400", r.activeRestore)
	}
	if r.lockoutAfter < 0 || r.lockoutAfter > 0 && r.lockoutFor <= 0 {
		return errOption("WithBadCredentialsLockout", "needs n ≥ 0 and, with n > 0, a positive duration (got %d, %v)", r.lockoutAfter, r.lockoutFor)
	}
	return nil
}

// GitHub's words for these answers (README.md, behaviour table).
const (
	msgSSO              = "Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization."
	msgPackagesDisabled = "GitHub Packages has not been enabled. Contact your Enterprise Administrator to enable GitHub Packages."
	msgLockedOut        = "Maximum number of login attempts exceeded. Please try again later."
)

// lockedOut reports whether bad credentials lock every request out at now;
// s.mu is held.
func (s *Server) lockedOut(now time.Time) bool {
	if s.lockoutAfter == 0 {
		return false
	}
	recent := s.badCreds[:0]
	for _, t := range s.badCreds {
		if now.Sub(t) < s.lockoutFor {
			recent = append(recent, t)
		}
	}
	s.badCreds = recent
	return len(recent) >= s.lockoutAfter
}

// noteBadCredentials counts a 401 for the lockout; s.mu is held.
func (s *Server) noteBadCredentials(now time.Time) {
	if s.lockoutAfter > 0 {
		s.badCreds = append(s.badCreds, now)
	}
}

// ssoReply is GitHub's answer for an organization that enforces SAML SSO
// on a token not authorized for it, when it does; s.mu is held.
func (s *Server) ssoReply(c *call, org string) (reply, bool) {
	if !s.ssoOrgs[strings.ToLower(org)] {
		return reply{}, false
	}
	rep := errReply(http.StatusForbidden, msgSSO, "https://docs.github.com/articles/authenticating-to-a-github-organization-with-saml-single-sign-on/")
	u := "https://github.com/orgs/" + url.PathEscape(org) + "/sso?authorization_request=" + url.QueryEscape(s.requestID())
	rep.header.Set("X-Github-Sso", "required; url="+u)
	return rep, true
}

// errOption is an invalid option's error, naming it.
func errOption(option, format string, args ...any) error {
	return fmt.Errorf("apitest: %s: %s", option, fmt.Sprintf(format, args...))
}
