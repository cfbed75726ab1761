package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/ghpackages/restore/api"
)

// output is a writer that remembers its first error, so that a closed pipe
// on stdout ends the run with a non-zero exit instead of being ignored.
type output struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

// Write writes p unless an earlier write failed.
func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(p)
	if err != nil {
		o.err = err
	}
	return n, err
}

// Err is the first write error, if any.
func (o *output) Err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// escape makes text from the server or the user safe to print: control
// characters (C0, DEL, C1) and Unicode format characters such as bidi
// overrides are written as Go escapes, so no server text can drive the
// terminal. Printable text, including non-ASCII letters, is kept.
func escape(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// sdkNames maps the SDK's option names, which some errors name, to the
// flags and variables a user of the tool sets.
var sdkNames = strings.NewReplacer(
	"WithBaseURL", "--base-url",
	"WithWritePacing", "--pacing",
	"WithAttemptTimeout", "--timeout",
	"WithToken", "the token (GH_TOKEN, GITHUB_TOKEN or gh)",
	"WithInsecureHTTP", "a loopback --base-url",
)

// fieldFlags maps the fields an SDK *api.ValidationError names (GitHub's
// parameter names) to the flags that set them.
var fieldFlags = map[string]string{
	"org":                "--org",
	"username":           "--user",
	"package_type":       "--type",
	"package_name":       "--package",
	"names":              "--package", // a sweep's package-name glob
	"package_version_id": "--version-id",
	"name":               "--version-name",
	"tag":                "--tag",
	"deleted_since":      "--deleted-since",
	"deleted_until":      "--deleted-until",
}

// windowFields names the deletion window's flags inside a validation reason
// ("must be after deleted_since").
var windowFields = strings.NewReplacer("deleted_since", "--deleted-since", "deleted_until", "--deleted-until")

// inFlagTerms rewrites, in text (err's message), the SDK's validation error
// so that it names the flag instead of GitHub's parameter: "invalid
// package_type "pypi"" becomes "invalid --type "pypi"". Other text is kept.
func inFlagTerms(err error, text string) string {
	var ve *api.ValidationError
	if !errors.As(err, &ve) {
		return text
	}
	flag, ok := fieldFlags[ve.Field]
	if !ok {
		return text
	}
	said := "invalid " + flag + " " + strconv.Quote(ve.Value) + ": " + windowFields.Replace(ve.Reason)
	if ve.Value == "" {
		said = flag + " " + windowFields.Replace(ve.Reason)
	}
	return strings.Replace(text, escape(ve.Error()), escape(said), 1)
}

// opPrefix is a GitHub operationId that begins an SDK error
// ("packages/get-all-package-versions-for-package-owned-by-org: "): the
// CLI says what it was doing instead.
var opPrefix = regexp.MustCompile(`(^|: )[a-z-]+/[a-z0-9-]+: `)

// networkHint says what a network error most likely means for the tool's
// user, or "".
func networkHint(err error) string {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "cannot resolve " + escape(dns.Name) + ": check --base-url (or GITHUB_API_URL)"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return "cannot connect: check --base-url (or GITHUB_API_URL) and the network"
	}
	return ""
}

// message is err's text in the tool's words: control characters escaped
// (line breaks aside), SDK option names replaced by flags, and no repeated
// "restore: " prefixes.
func message(err error) string {
	s := err.Error()
	for {
		t := strings.TrimPrefix(s, "restore: ")
		if t == s {
			break
		}
		s = t
	}
	s = strings.ReplaceAll(s, ": restore: ", ": ")
	s = opPrefix.ReplaceAllString(s, "$1")
	if hint := networkHint(err); hint != "" {
		s = hint + " (" + s + ")"
	}
	lines := strings.Split(sdkNames.Replace(s), "\n")
	for i, l := range lines {
		lines[i] = escape(l)
	}
	return strings.Join(lines, "\n") // line breaks move no cursor: kept
}

// exitError carries an exit code with an error.
type exitError struct {
	code int
	err  error
}

// Error is the wrapped error's text.
func (e *exitError) Error() string { return e.err.Error() }

// Unwrap returns the wrapped error.
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

func codeOf(err error, fallback int) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return fallback
}

// isClosedPipe reports whether err is a write to a pipe nobody reads.
func isClosedPipe(err error) bool { return errors.Is(err, syscall.EPIPE) }
