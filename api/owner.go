package api

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
)

// OwnerKind says who owns a package: an organization, a named user, or the
// user the token belongs to.
type OwnerKind string

// The kinds of package owners.
const (
	// OwnerOrg is an organization: routes under /orgs/{org}.
	OwnerOrg OwnerKind = "org"
	// OwnerUser is a user named by login: routes under /users/{username}.
	OwnerUser OwnerKind = "user"
	// OwnerMe is the authenticated user, the token's own account: routes
	// under /user. Its login is never sent.
	OwnerMe OwnerKind = "me"
)

// MeLogin is how the authenticated user is written where a login is
// expected: User(MeLogin) is Me(), and its JSON form is {"user":"@me"}.
// "@" cannot start a GitHub login, so it names no real user.
const MeLogin = "@me"

// Owner is the account that owns a package: an organization (Org), a user
// named by login (User), or the authenticated user (Me). Every package call
// takes its routes from the owner, so one method serves all three.
//
// The zero Owner is not valid; Validate (and every call) refuses it. Logins
// are checked when the owner is used, not when it is made, so that Org and
// User can be used in composite literals.
//
// Its JSON form is an object with one key: {"org":"acme"}, {"user":"octo"}
// or {"user":"@me"}.
type Owner struct {
	kind  OwnerKind
	login string
}

// Org is the organization with the given login.
func Org(login string) Owner { return Owner{kind: OwnerOrg, login: login} }

// User is the user with the given login. User(MeLogin), that is "@me", is
// Me(): the authenticated user, whose routes are /user/..., never
// /users/{login}/....
func User(login string) Owner {
	if login == MeLogin {
		return Me()
	}
	return Owner{kind: OwnerUser, login: login}
}

// Me is the authenticated user: the account the token belongs to. Its
// routes are /user/..., whatever the token's login is.
func Me() Owner { return Owner{kind: OwnerMe} }

// Kind is OwnerOrg, OwnerUser or OwnerMe; "" for the zero Owner.
func (o Owner) Kind() OwnerKind { return o.kind }

// Login is the organization's or the user's login, and "" for Me and the
// zero Owner.
func (o Owner) Login() string { return o.login }

// IsZero reports whether o is the zero Owner (no owner given).
func (o Owner) IsZero() bool { return o.kind == "" }

// String is the login, "@me" for the authenticated user, or "" for the zero
// Owner. Organizations and users share GitHub's login namespace, so a login
// names one account.
func (o Owner) String() string {
	if o.kind == OwnerMe {
		return MeLogin
	}
	return o.login
}

// Validate checks the owner as every call does before sending: it must be
// given, and a login must be one safe path segment (not empty, ".", "..",
// and without white space, control characters, "/", "\", "?", "#" or "%").
// The error names the field: "owner", "org" or "username".
func (o Owner) Validate() error {
	switch o.kind {
	case OwnerOrg:
		if strings.HasPrefix(o.login, "@") {
			return &ValidationError{Field: "org", Value: o.login, Reason: `an organization's login does not start with "@" (the authenticated user is api.Me())`}
		}
		return validateLogin("org", o.login)
	case OwnerUser:
		if strings.HasPrefix(o.login, "@") {
			return &ValidationError{Field: "username", Value: o.login, Reason: `a login does not start with "@"; "@me" is the authenticated user`}
		}
		return validateLogin("username", o.login)
	case OwnerMe:
		return nil
	}
	return &ValidationError{Field: "owner", Value: string(o.kind), Reason: "must be set: api.Org(login), api.User(login) or api.Me()"}
}

// Path is the owner's route prefix, with the login escaped as one path
// segment: /orgs/{org}, /users/{username} or /user; "" for the zero Owner.
// It does not validate the login.
func (o Owner) Path() string {
	var b strings.Builder
	o.writePath(&b)
	return b.String()
}

func (o Owner) writePath(b *strings.Builder) {
	switch o.kind {
	case OwnerOrg:
		b.WriteString("/orgs/")
		b.WriteString(url.PathEscape(o.login))
	case OwnerUser:
		b.WriteString("/users/")
		b.WriteString(url.PathEscape(o.login))
	case OwnerMe:
		b.WriteString("/user")
	}
}

// ownerJSON is Owner's JSON form: exactly one of the keys is set.
type ownerJSON struct {
	Org  *string `json:"org,omitempty"`
	User *string `json:"user,omitempty"`
}

// MarshalJSON writes {"org":LOGIN}, {"user":LOGIN} or {"user":"@me"}; the
// zero Owner is written as {}.
func (o Owner) MarshalJSON() ([]byte, error) {
	var j ownerJSON
	switch o.kind {
	case OwnerOrg:
		j.Org = &o.login
	case OwnerUser:
		j.User = &o.login
	case OwnerMe:
		me := MeLogin
		j.User = &me
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the form MarshalJSON writes. It accepts exactly one of
// "org" and "user", refuses other keys, and validates the login, so that a
// plan file with a bad owner fails when it is read. null leaves o unchanged.
func (o *Owner) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	var j ownerJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return &ValidationError{Field: "owner", Value: string(b), Reason: `must be {"org":LOGIN}, {"user":LOGIN} or {"user":"@me"}`}
	}
	var v Owner
	switch {
	case j.Org != nil && j.User == nil:
		v = Org(*j.Org)
	case j.User != nil && j.Org == nil:
		v = User(*j.User)
	default:
		return &ValidationError{Field: "owner", Value: string(b), Reason: `must have exactly one of "org" and "user"`}
	}
	if err := v.Validate(); err != nil {
		return err
	}
	*o = v
	return nil
}
