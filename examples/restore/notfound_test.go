package main

import (
	"strings"
	"testing"
)

func TestTypoInPackageGetsASuggestionAndExit3(t *testing.T) {
	srv, d := fake(t)
	args := []string{"--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", "team/ap", "--all-deleted", "--pacing", "0"}

	out, errOut, code := withToken(d).do(t, args...)
	if code != exitNotFound {
		t.Errorf("dry run: exit %d, want %d: %s", code, exitNotFound, errOut)
	}
	for _, want := range []string{
		"Package octo-org/container/team/ap was not found.",
		"the package was deleted as a whole",
		"the name (--package) is wrong",
		"Did you mean (container packages of octo-org):\n  --package team/app\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "is restored first") && !strings.Contains(out, "was not found") {
		t.Errorf("the dry run claims the package is deleted:\n%s", out)
	}

	out, errOut, code = withToken(d).do(t, append(args, "--apply")...)
	if code != exitNotFound {
		t.Errorf("--apply: exit %d, want %d: %s", code, exitNotFound, errOut)
	}
	for _, want := range []string{"no such package, or deleted more than 30 days ago", "--package team/app"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("--apply lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "failed 0") && !strings.Contains(out, "no such package") {
		t.Errorf("--apply reports success:\n%s", out)
	}

	out, _, code = withToken(d).do(t, append(args, "--json")...)
	if code != exitNotFound || !strings.Contains(out, `{"event":"not_found","kind":"package","name":"team/ap","package":"octo-org/container/team/ap","similar":["team/app"],"applied":false,`) {
		t.Errorf("--json: exit %d:\n%s", code, out)
	}
}
