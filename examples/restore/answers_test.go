package main

import (
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api/apitest"
)

// GitHub's typed answers get their exact fix and exit code, and nothing is
// restored: SAML SSO (the authorize URL), Packages disabled on a GitHub
// Enterprise Server, and the lockout after bad credentials.
func TestTypedAnswersGetTheirFix(t *testing.T) {
	tests := []struct {
		name string
		opt  apitest.Option
		bad  bool // send a bad token first, to trip the lockout
		code int
		want []string
	}{
		{"SAML SSO", apitest.WithSSO("octo-org"), false, exitAuth,
			[]string{"The organization enforces SAML single sign-on: authorize the token for it, then run again.", "http"}},
		{"Packages disabled", apitest.WithPackagesDisabled(), false, exitFailed,
			[]string{"GitHub Packages is not enabled on this GitHub Enterprise Server: ask its administrator to enable it."}},
		{"locked out", apitest.WithBadCredentialsLockout(1, time.Hour), true, exitAuth,
			[]string{"wait a few minutes, and check the token (GH_TOKEN)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, d := fake(t, tt.opt)
			args := []string{"--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--all-deleted", "--apply", "--pacing", "0"}
			if tt.bad {
				bad := cliRun{env: map[string]string{"GH_TOKEN": "ghp_" + strings.Repeat("x", 36)}}
				bad.do(t, args...)
				bad.do(t, args...)
			}
			out, errOut, code := withToken(d).do(t, args...)
			flat := strings.Join(strings.Fields(errOut), " ")
			if code != tt.code {
				t.Errorf("exit %d, want %d:\n%s%s", code, tt.code, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(flat, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if n := len(posts(srv)); n != 0 {
				t.Errorf("%d restores sent", n)
			}
		})
	}
}
