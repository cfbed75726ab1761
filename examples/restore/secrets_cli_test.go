package main

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A registry that echoes the credentials it was given (a /token answer
// "bad credentials for password ghp_…", or an error repeating the
// Authorization header) never gets the token printed, in text or in --json
// (issue 16, measurement 4).
func TestRegistryEchoOfTheTokenIsNeverPrinted(t *testing.T) {
	f := newImageFake(t)
	token := f.run.env["GH_TOKEN"]
	echo := func(grant bool) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.URL.Path == "/token":
				_, pass, _ := r.BasicAuth()
				if grant {
					w.Header().Set("Content-Type", "application/json")
					w.Write([]byte(`{"token":"registry-bearer-` + pass + `"}`))
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte(`{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials for password ` + pass + `"}]}`))
			case r.Header.Get("Authorization") == "":
				w.Header().Set("WWW-Authenticate", `Bearer realm="http://`+r.Host+`/token",service="test",scope="repository:octo-org/team/web:pull"`)
				w.WriteHeader(http.StatusUnauthorized)
			default:
				w.Header().Set("Content-Type", "application/json")
				// A 403, not the measured 500, so that the tool does not
				// back off in real time: the masking is the same.
				w.WriteHeader(http.StatusForbidden)
				w.Write([]byte(`{"errors":[{"code":"DENIED","message":"denied for Authorization: ` + r.Header.Get("Authorization") +
					` (basic ` + base64.StdEncoding.EncodeToString([]byte("x:"+token)) + `)"}]}`))
			}
		}))
	}
	for _, tc := range []struct {
		name  string
		grant bool
		json  bool
	}{
		{"token exchange refused, text", false, false},
		{"token exchange refused, --json", false, true},
		{"an answer echoing the Authorization header, text", true, false},
		{"an answer echoing the Authorization header, --json", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := echo(tc.grant)
			defer srv.Close()
			args := []string{"--base-url", f.gh.URL, "--registry", srv.URL, "--org", "octo-org", "--package", "team/web", "--image", f.demo.Tag, "--timeout", "2s"}
			if tc.json {
				args = append(args, "--json")
			}
			out, errOut, code := f.run.do(t, args...)
			if code == exitOK {
				t.Fatalf("exit 0 against a registry that refuses everything:\n%s%s", out, errOut)
			}
			all := out + errOut
			if strings.Contains(all, token) || strings.Contains(all, base64.StdEncoding.EncodeToString([]byte("x:"+token))) {
				t.Fatalf("the token was printed:\n%s%s", out, errOut)
			}
			if !strings.Contains(all, "REDACTED") {
				t.Errorf("want the echo masked, not dropped:\n%s%s", out, errOut)
			}
		})
	}
}
