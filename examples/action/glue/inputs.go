package main

import (
	"fmt"
	"strings"
)

// inputs are the action's inputs, as the run step passes them (INPUT_*).
type inputs struct {
	token, owner, ownerType        string
	pkg, packages, packageType     string
	dryRun, broken, verify, status string
	apiURL, registryURL            string
	tags, images                   string
	since, until, undoRun          string
}

func readInputs(getenv func(string) string) inputs {
	get := func(name string) string { return getenv("INPUT_" + name) }
	return inputs{
		token: get("TOKEN"), owner: strings.TrimSpace(get("OWNER")), ownerType: strings.TrimSpace(get("OWNER_TYPE")),
		pkg: get("PACKAGE"), packages: get("PACKAGES"), packageType: strings.TrimSpace(get("PACKAGE_TYPE")),
		dryRun: get("DRY_RUN"), broken: get("BROKEN"), verify: get("VERIFY"), status: get("EXIT_STATUS"),
		apiURL: strings.TrimSpace(get("GITHUB_API_URL")), registryURL: strings.TrimSpace(get("REGISTRY_URL")),
		tags: get("TAGS"), images: get("IMAGES"),
		since: strings.TrimSpace(get("DELETED_SINCE")), until: strings.TrimSpace(get("DELETED_UNTIL")), undoRun: strings.TrimSpace(get("UNDO_RUN")),
	}
}

// inputError is an input the glue refuses before running the tool.
type inputError struct{ input, value, reason string }

func (e *inputError) Error() string {
	if e.value == "" {
		return "input " + e.input + " " + e.reason
	}
	return fmt.Sprintf("input %s %q %s", e.input, e.value, e.reason)
}

// boolean reads a boolean input: true or false (any case), or def when
// empty.
func boolean(name, v string, def bool) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return def, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, &inputError{name, v, "is not true or false"}
}

// list splits a list input on commas and line breaks, dropping blanks.
func list(v string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// dryRun reports whether the run changes nothing (the default).
func (in inputs) isDryRun() bool {
	d, err := boolean("dry-run", in.dryRun, true)
	return err != nil || d
}

// args turns the inputs into the tool's arguments, one input value per
// argument. Only the glue's own checks are made here (booleans, owner-type,
// package and packages together); the tool validates every value.
func (in inputs) args() ([]string, error) {
	dry, err := boolean("dry-run", in.dryRun, true)
	if err != nil {
		return nil, err
	}
	broken, err := boolean("broken", in.broken, false)
	if err != nil {
		return nil, err
	}
	verify, err := boolean("verify", in.verify, false)
	if err != nil {
		return nil, err
	}
	status, err := boolean("exit-status", in.status, false)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.token) == "" {
		return nil, &inputError{"token", "", "is empty: give a classic personal access token from a secret"}
	}
	var args []string
	switch t := strings.ToLower(in.ownerType); {
	case in.owner == "":
		return nil, &inputError{"owner", "", "is required: an organization, a user's login, or @me"}
	case in.owner == "@me":
		args = append(args, "--user", "@me")
	case t == "" || t == "org" || t == "organization":
		args = append(args, "--org", in.owner)
	case t == "user":
		args = append(args, "--user", in.owner)
	default:
		return nil, &inputError{"owner-type", in.ownerType, "is not org or user"}
	}
	typ := in.packageType
	if typ == "" {
		typ = "container"
	}
	args = append(args, "--type", typ)
	switch {
	case in.pkg != "" && in.packages != "":
		return nil, &inputError{"package", "", "and packages are the same input: give one"}
	case in.pkg != "":
		args = append(args, "--package", in.pkg)
	case in.packages != "":
		args = append(args, "--package", in.packages)
	}
	for _, t := range list(in.tags) {
		args = append(args, "--tag", t)
	}
	for _, i := range list(in.images) {
		args = append(args, "--image", i)
	}
	if in.since != "" {
		args = append(args, "--deleted-since", in.since)
	}
	if in.until != "" {
		args = append(args, "--deleted-until", in.until)
	}
	if in.undoRun != "" {
		args = append(args, "--undo-run", in.undoRun)
	}
	if broken {
		args = append(args, "--broken")
	}
	if verify {
		args = append(args, "--verify")
	}
	if in.registryURL != "" {
		args = append(args, "--registry", in.registryURL)
	}
	if in.apiURL != "" {
		args = append(args, "--base-url", in.apiURL)
	}
	if status {
		args = append(args, "--exit-status")
	}
	if !dry {
		args = append(args, "--apply")
	}
	return append(args, "--json"), nil
}
