package api

import (
	"strconv"
	"strings"
	"unicode"
)

// validSegment checks a value that becomes one path segment. It refuses what
// must never reach the wire: empty or blank values, "." and ".." (URL
// resolution would turn them into another route), surrounding or inner white
// space and control characters.
func validSegment(field, v string) error {
	switch {
	case v == "":
		return &ValidationError{Field: field, Value: v, Reason: "must not be empty"}
	case strings.TrimSpace(v) == "":
		return &ValidationError{Field: field, Value: v, Reason: "must not be blank"}
	case v == "." || v == "..":
		return &ValidationError{Field: field, Value: v, Reason: `must not be "." or ".."`}
	}
	for _, r := range v {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return &ValidationError{Field: field, Value: v, Reason: "must not contain white space or control characters"}
		}
	}
	return nil
}

// validateLogin checks an organization's or a user's login, which becomes
// one path segment; field is "org" or "username".
func validateLogin(field, login string) error {
	if err := validSegment(field, login); err != nil {
		return err
	}
	if strings.ContainsAny(login, "/\\?#%") {
		return &ValidationError{Field: field, Value: login, Reason: `must not contain "/", "\", "?", "#" or "%"`}
	}
	return nil
}

// validatePackageName accepts "/" inside a name (container images such as
// "repo/image"; it is sent as %2F) but refuses empty, "." and ".." parts.
func validatePackageName(name string) error {
	if err := validSegment("package_name", name); err != nil {
		return err
	}
	if strings.Contains(name, "/") {
		for part := range strings.SplitSeq(name, "/") {
			if part == "" || part == "." || part == ".." {
				return &ValidationError{Field: "package_name", Value: name, Reason: `parts between "/" must not be empty, "." or ".."`}
			}
		}
	}
	return nil
}

func validatePackageType(t PackageType) error {
	if !t.Valid() {
		return &ValidationError{Field: "package_type", Value: string(t), Reason: "must be one of npm, maven, rubygems, docker, nuget, container"}
	}
	return nil
}

func validateVersionID(id int64) error {
	if id <= 0 {
		return &ValidationError{Field: "package_version_id", Value: strconv.FormatInt(id, 10), Reason: "must be a positive integer"}
	}
	return nil
}

// Validate checks every field of p, as each call does before sending.
func (p Package) Validate() error {
	if err := p.Owner.Validate(); err != nil {
		return err
	}
	if err := validatePackageType(p.Type); err != nil {
		return err
	}
	return validatePackageName(p.Name)
}
