package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"unicode"
)

// Outcome is what a restore achieved.
type Outcome string

// Outcomes of a restore.
const (
	// OutcomeRestored: GitHub restored it in this call.
	OutcomeRestored Outcome = "restored"
	// OutcomeAlreadyActive: it was active already (restored earlier, or never
	// deleted); nothing changed.
	OutcomeAlreadyActive Outcome = "already_active"
	// OutcomeFailed: the restore failed; the error says why. Only plans use it.
	OutcomeFailed Outcome = "failed"
)

// RestoreVersion restores a deleted version of a package.
//
// POST /orgs/{org}/packages/{package_type}/{package_name}/versions/{package_version_id}/restore
// (https://docs.github.com/rest/packages/packages#restore-package-version-for-an-organization),
// POST /users/{username}/packages/.../restore (https://docs.github.com/rest/packages/packages#restore-package-version-for-a-user)
// or POST /user/packages/.../restore (https://docs.github.com/rest/packages/packages#restore-a-package-version-for-the-authenticated-user),
// as pkg.Owner says.
//
// Only GitHub's documented 204 is a restore. Any other success status (an
// intercepting proxy's 200 page) is an error matching ErrUnexpectedStatus.
//
// The call is idempotent for the caller: when GitHub answers 400 or 404, the
// version is looked up (GET answers 200 only for an active version), and if
// it is active the outcome is OutcomeAlreadyActive, or OutcomeRestored when
// an earlier attempt of this call may have restored it (a dropped connection
// or a 5xx). The same look-up decides when every attempt ended without a
// clear answer after such an attempt. When that look-up fails, or a rate
// limit answers the retry (then no look-up is sent), the error matches
// ErrOutcomeUnknown: the restore may have taken effect. A version
// whose name is taken by a newer active version gives an error matching
// ErrNamespaceReused.
//
// GitHub does not check that the version is deleted: a restore of an
// active version answers either 400 "Active package version already exists
// with given name." (then the look-up finds it active:
// OutcomeAlreadyActive) or 204, which does not tell an active version from
// a deleted one: OutcomeRestored. Look the version up first (GetVersion)
// when that matters; MakePlan does for ids it cannot list.
//
// Answers that no retry or look-up can change are returned at once, typed:
// ErrSSORequired (the error's SSOURL is where to authorize the token),
// ErrPackagesDisabled (GitHub Enterprise Server without GitHub Packages),
// ErrLockedOut (after several bad credentials), and a fine-grained token's
// 403, whose hint says a classic token is needed.
//
// The token needs read:packages and write:packages (not delete:packages), and
// its user must be an admin of the organization (and of the package, for
// registries with granular permissions).
func (c *Client) RestoreVersion(ctx context.Context, pkg Package, id int64) (Outcome, error) {
	if err := pkg.Validate(); err != nil {
		return "", err
	}
	if err := validateVersionID(id); err != nil {
		return "", err
	}
	return c.restore(ctx, OpRestoreVersion, pkg, c.versionURL(pkg, id, true), func() (bool, error) {
		return c.versionActive(ctx, pkg, id)
	})
}

// RestorePackageOptions are the options of RestorePackage.
type RestorePackageOptions struct {
	// Token is GitHub's restore token: when several deleted packages have
	// the name, it picks the one to restore (GitHub answers 409, matching
	// ErrRestoreTokenRequired, without it). Empty sends none.
	Token string
}

func (o *RestorePackageOptions) validate() error {
	for _, r := range o.Token {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return &ValidationError{Field: "token", Value: o.Token, Reason: "must not contain white space or control characters"}
		}
	}
	return nil
}

// RestorePackage restores a package that was deleted as a whole (deleting
// the last version of a package deletes the package). opts may be nil.
//
// POST /orgs/{org}/packages/{package_type}/{package_name}/restore
// (https://docs.github.com/rest/packages/packages#restore-a-package-for-an-organization),
// POST /users/{username}/packages/{package_type}/{package_name}/restore (https://docs.github.com/rest/packages/packages#restore-a-package-for-a-user)
// or POST /user/packages/{package_type}/{package_name}/restore (https://docs.github.com/rest/packages/packages#restore-a-package-for-the-authenticated-user),
// as pkg.Owner says, with the query parameter token when opts.Token is set.
//
// Only GitHub's documented 204 is a restore (see RestoreVersion). GitHub's
// refusals are matchable: 409 when an active package or version holds the
// name (ErrNameInUse) or when several deleted packages match and a restore
// token is needed (ErrRestoreTokenRequired), 422 when the name is retired
// (ErrNameRetired). Like RestoreVersion it is idempotent for the caller: a
// 400 or 404 answer for a package that lists active versions gives
// OutcomeAlreadyActive (or OutcomeRestored after an attempt with an unknown
// outcome, and an error matching ErrOutcomeUnknown when the look-up fails
// after such an attempt). A 409 "already exists" to a restore resent after
// an attempt with an unknown outcome is that attempt's restore:
// OutcomeRestored.
func (c *Client) RestorePackage(ctx context.Context, pkg Package, opts *RestorePackageOptions) (Outcome, error) {
	var o RestorePackageOptions
	if opts != nil {
		o = *opts
	}
	if err := pkg.Validate(); err != nil {
		return "", err
	}
	if err := o.validate(); err != nil {
		return "", err
	}
	return c.restore(ctx, OpRestorePackage, pkg, c.packageRestoreURL(pkg, o.Token), func() (bool, error) {
		return c.packageActive(ctx, pkg)
	})
}

// packageActive reports whether a package lists an active version: its
// listing answers 404 for a package that was deleted whole (or never
// existed). Any other failure is returned: then it is not known.
func (c *Client) packageActive(ctx context.Context, pkg Package) (bool, error) {
	for _, err := range c.Versions(ctx, pkg, &ListOptions{State: StateActive, PerPage: 1}) {
		if isStatus(err, http.StatusNotFound) {
			return false, nil
		}
		return err == nil, err
	}
	return false, nil
}

// restore sends one restore (op) to u and reads GitHub's answer: 204 is a
// restore; any other success status is not. When GitHub answers 400 or 404,
// or when an attempt may have taken effect (a dropped connection or a 5xx)
// and the call still ended without a clear answer, active tells whether the
// target is active now; if so the restore took effect, in this call or
// before it. When active cannot tell after such an attempt, the outcome is
// unknown.
func (c *Client) restore(ctx context.Context, op Operation, pkg Package, u string, active func() (bool, error)) (Outcome, error) {
	kind := pkg.Owner.kind
	cctx, st := newCall(ctx)
	resp, err := c.send(cctx, http.MethodPost, u)
	if err != nil {
		err = c.sendError(op.ID(kind), err)
		if !st.uncertain || ctx.Err() != nil {
			return "", err
		}
		return c.decide(op, kind, u, st, err, active)
	}
	switch {
	case resp.StatusCode == http.StatusNoContent:
		drainClose(resp.Body)
		return OutcomeRestored, nil
	case resp.StatusCode/100 == 2:
		return "", c.unexpectedStatus(op, kind, resp)
	}
	answer := c.errorFrom(op, kind, resp, st, pkg.Type)
	var limited *RateLimitError
	switch {
	case errors.Is(answer, ErrPackagesDisabled):
		// Nothing of GitHub Packages answers: a look-up would not tell.
		return "", answer
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusNotFound,
		resp.StatusCode/100 == 5 && st.uncertain:
		return c.decide(op, kind, u, st, answer, active)
	case st.uncertain && errors.As(answer, &limited):
		// The limit that refused this attempt stops the look-up too: do not
		// press on with a read, say that the outcome is not known.
		return "", &OutcomeUnknownError{Op: op.ID(kind), Method: http.MethodPost, Path: limited.Response.Path, Answer: limited.Response, Check: limited}
	case op == OpRestorePackage && st.uncertain && errors.Is(answer, ErrNameInUse):
		// A resent package restore that GitHub answers "already exists":
		// the attempt without a clear answer restored it (as Apply counts a
		// restore resent after an interrupted run).
		return OutcomeRestored, nil
	}
	return "", answer
}

// decide finishes a restore whose last answer (or failure) is answer, by
// asking active whether the target is active now.
func (c *Client) decide(op Operation, kind OwnerKind, u string, st *callState, answer error, active func() (bool, error)) (Outcome, error) {
	ok, checkErr := active()
	switch {
	case checkErr != nil && st.uncertain:
		e := &OutcomeUnknownError{Op: op.ID(kind), Method: http.MethodPost, Check: checkErr}
		if errors.As(answer, &e.Answer) {
			e.Path = e.Answer.Path
		} else if pu, err := url.Parse(u); err == nil {
			e.Path = pu.EscapedPath()
		}
		return "", e
	case checkErr != nil || !ok:
		return "", answer
	case st.uncertain:
		return OutcomeRestored, nil
	}
	return OutcomeAlreadyActive, nil
}
