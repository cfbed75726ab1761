package main

import (
	"net"
	"net/http"

	"errors"
	"fmt"
	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
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

func TestServerTextCannotDriveTheTerminal(t *testing.T) {
	srv, d := fake(t)
	srv.Script(api.OpListVersions, apitest.Fault{Status: 403, Header: http.Header{"Content-Type": {"application/json"}},
		Body: `{"message":"Must have admin rights\u001b[2J\u001b]0;pwned\u0007 \u202etxt.exe","documentation_url":"https://docs.github.com/rest"}`})
	out, errOut, code := withToken(d).do(t, "--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--all-deleted")
	if code != exitAuth {
		t.Errorf("exit %d, want %d (a 403): %s", code, exitAuth, errOut)
	}
	if strings.ContainsAny(out+errOut, "\x1b\x07\u202e") {
		t.Errorf("raw control characters reached the terminal: %q", errOut)
	}
	// stderr is a pipe: GitHub's message is whole, on the line of the error.
	if !strings.Contains(errOut, `restore: GET /orgs/octo-org/packages/container/team%2Fapp/versions: 403 Must have admin rights\x1b[2J\x1b]0;pwned\a \u202etxt.exe (request `) {
		t.Errorf("the server's message is not shown escaped: %q", errOut)
	}
	if strings.Count(errOut, "restore:") != 1 {
		t.Errorf("the error is not said once: %q", errOut)
	}
	if strings.Contains(errOut, "packages/get-all-package-versions") {
		t.Errorf("an operation id in the text: %q", errOut)
	}
}

func TestNetworkErrorsNameTheFlag(t *testing.T) {
	dns := fmt.Errorf("packages/get-all-package-versions-for-package-owned-by-org: %w",
		&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Name: "ghes.example.invalid", Err: "no such host", IsNotFound: true}})
	if got := message(dns); !strings.HasPrefix(got, "cannot resolve ghes.example.invalid: check --base-url (or GITHUB_API_URL) (dial tcp: lookup ghes.example.invalid") {
		t.Errorf("message = %q", got)
	}
	refused := fmt.Errorf("packages/x-y: %w", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")})
	if got := message(refused); !strings.HasPrefix(got, "cannot connect: check --base-url") || strings.Contains(got, "packages/x-y") {
		t.Errorf("message = %q", got)
	}
}

// A command to copy keeps its indent, and a long one continues with " \"
// so that it still pastes as one command.
func TestWrapContinuesLongCommands(t *testing.T) {
	text := "Log in again:\n  gh auth login --hostname github.com --scopes read:packages,write:packages,delete:packages"
	got := wrap(text, 60, "  ")
	want := "Log in again:\n  gh auth login --hostname github.com --scopes \\\n      read:packages,write:packages,delete:packages"
	if got != want {
		t.Errorf("wrap =\n%s\nwant\n%s", got, want)
	}
	if wrap(text, 0, "  ") != text {
		t.Error("a width of 0 (not a terminal) wrapped")
	}
}
