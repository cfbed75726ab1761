package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestEscapeDefusesServerText(t *testing.T) {
	tests := map[string]string{
		"team/app":                "team/app",
		"héllo wörld":             "héllo wörld",
		"\x1b[2J\x1b]0;pwned\x07": `\x1b[2J\x1b]0;pwned\a`,
		"line\nbreak\r":           `line\nbreak\r`,
		"bidi \u202eevil":         `bidi \u202eevil`,
		"c1 \u009b31m":            `c1 \u009b31m`,
		"bad utf8 \xff":           `bad utf8 \xff`,
	}
	for in, want := range tests {
		if got := escape(in); got != want {
			t.Errorf("escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMessageSpeaksTheCLIsLanguage(t *testing.T) {
	err := fmt.Errorf("restore: restore: WithWritePacing: %w", errors.New("-1s is negative"))
	if got := message(err); got != "--pacing: -1s is negative" {
		t.Errorf("message = %q", got)
	}
	if got := message(errors.New("POST /x: 404 Package not found.\x1b[31m")); got != `POST /x: 404 Package not found.\x1b[31m` {
		t.Errorf("message = %q", got)
	}
}

func TestWrapKeepsLinesShort(t *testing.T) {
	text := strings.Repeat("word ", 40) + "https://docs.github.com/rest/packages/packages#restore-a-package-version-for-an-organization"
	got := wrap(text, 40, "  ")
	for i, line := range strings.Split(got, "\n") {
		if len(line) > 40 && !strings.Contains(line, "https://") {
			t.Errorf("line %d is %d long: %q", i, len(line), line)
		}
		if i > 0 && !strings.HasPrefix(line, "  ") {
			t.Errorf("line %d is not indented: %q", i, line)
		}
	}
	if strings.Join(strings.Fields(got), " ") != strings.Join(strings.Fields(text), " ") {
		t.Error("wrapping changed the words")
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 versions", 1: "1 version", 2: "2 versions"} {
		if got := plural(n, "version"); got != want {
			t.Errorf("plural(%d) = %q", n, got)
		}
	}
}

func TestSimilarNames(t *testing.T) {
	names := []string{"team/app", "team/api", "team/worker", "left-pad", "right-pad", "team-app-old", "Team_App"}
	got := similarNames("team/ap", names)
	if len(got) < 2 || !slices.Contains(got[:2], "team/app") || len(got) > 5 || slices.Contains(got, "left-pad") {
		t.Errorf("similar to team/ap: %v", got)
	}
	if got := similarNames("leftpad", names); len(got) == 0 || got[0] != "left-pad" {
		t.Errorf("similar to leftpad: %v", got)
	}
	if got := similarNames("zzzzzz", names); len(got) != 0 {
		t.Errorf("similar to zzzzzz: %v", got)
	}
}
