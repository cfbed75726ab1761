package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"golang.org/x/oauth2"
)

// The token never appears in any text: a token source's error that quotes
// it, a server message or request id that echoes the Authorization header,
// and logs. Strings shaped like GitHub tokens in server text are masked too.
func TestTokenIsMaskedEverywhere(t *testing.T) {
	const foreign = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"
	const fineGrained = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"
	secretLike := []string{testToken, testToken[4:], foreign[4:], fineGrained[11:]}
	check := func(t *testing.T, what string, texts ...string) {
		t.Helper()
		for _, s := range texts {
			for _, secret := range secretLike {
				if strings.Contains(s, secret) {
					t.Errorf("%s shows a token: %s", what, s)
				}
			}
		}
	}
	formats := func(v any) []string {
		var out []string
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			out = append(out, fmt.Sprintf(verb, v))
		}
		return out
	}
	echo := "Bearer " + testToken + " and " + foreign + " or " + fineGrained
	t.Run("server text", func(t *testing.T) {
		for _, st := range []int{401, 403, 404, 429, 500} {
			var logs strings.Builder
			var evs events
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-GitHub-Request-Id", r.Header.Get("Authorization")+" "+foreign)
				w.Header().Set("X-OAuth-Scopes", "read:packages, "+r.Header.Get("Authorization"))
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(st)
				fmt.Fprintf(w, `{"message":%q,"documentation_url":%q}`, "rejected: "+echo, "https://x/"+testToken)
			}))
			c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithClock(apitest.NewClock(start)),
				api.WithWaitHook(evs.hook), api.WithLogger(newDebugLogger(&logs)),
				api.WithRetryPolicy(api.RetryPolicy{MaxAttempts: 2, MaxWait: time.Minute, BaseDelay: time.Second, MaxDelay: time.Second}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetVersion(context.Background(), npmPkg, 1)
			c.CloseIdleConnections()
			srv.Close()
			var apiErr *api.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != st {
				t.Fatalf("%d: err = %v", st, err)
			}
			if !strings.Contains(apiErr.Message, "ghs_[REDACTED]") || !strings.Contains(apiErr.Message, "[REDACTED]") {
				t.Errorf("%d: message = %q, want the tokens masked, not dropped", st, apiErr.Message)
			}
			check(t, fmt.Sprint(st, " error"), formats(err)...)
			check(t, fmt.Sprint(st, " *Error"), formats(apiErr)...)
			check(t, fmt.Sprint(st, " *Error fields"), append([]string{apiErr.Message, apiErr.RequestID, apiErr.DocumentationURL, apiErr.Hint}, apiErr.Scopes...)...)
			check(t, fmt.Sprint(st, " logs"), logs.String())
			for _, ev := range evs.evs {
				check(t, fmt.Sprint(st, " wait event"), formats(ev)...)
			}
		}
	})
	t.Run("redirected path", func(t *testing.T) {
		// A same-origin redirect whose Location echoes the Authorization
		// header: the path of the request that got the final answer is
		// server text too.
		for _, final := range []int{http.StatusNotFound, http.StatusOK, http.StatusMovedPermanently} {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/echo/") && final != http.StatusMovedPermanently {
					w.WriteHeader(final)
					return
				}
				tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				w.Header().Set("Location", "/echo/"+tok+"/"+foreign)
				w.WriteHeader(http.StatusMovedPermanently)
			}))
			c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithClock(apitest.NewClock(start)), api.WithWritePacing(0), api.WithoutRetry())
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.RestoreVersion(context.Background(), npmPkg, 1)
			c.CloseIdleConnections()
			srv.Close()
			if err == nil || !strings.Contains(err.Error(), "/echo/") {
				t.Fatalf("%d: err = %v, want the redirected path in it", final, err)
			}
			check(t, fmt.Sprint(final, " after a redirect"), formats(err)...)
			var apiErr *api.Error
			var unexpected *api.UnexpectedStatusError
			var re *api.RedirectError
			switch {
			case errors.As(err, &apiErr):
				check(t, fmt.Sprint(final, " Error.Path"), apiErr.Path)
			case errors.As(err, &unexpected):
				check(t, fmt.Sprint(final, " UnexpectedStatusError.Path"), unexpected.Path)
			case errors.As(err, &re):
				check(t, fmt.Sprint(final, " RedirectError.Path"), re.Path)
			}
		}
	})
	t.Run("paced redirect", func(t *testing.T) {
		// The redirected POST waits for pacing: its wait event and log
		// name the path the server chose.
		var logs strings.Builder
		var evs events
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/echo/") {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			w.Header().Set("Location", "/echo/"+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+"/"+foreign)
			w.WriteHeader(http.StatusMovedPermanently)
		}))
		defer srv.Close()
		c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithClock(apitest.NewClock(start)),
			api.WithWaitHook(evs.hook), api.WithLogger(newDebugLogger(&logs)))
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseIdleConnections()
		if out, err := c.RestoreVersion(context.Background(), npmPkg, 1); err != nil || out != api.OutcomeRestored {
			t.Fatalf("RestoreVersion = %q, %v", out, err)
		}
		if p := evs.of(api.ReasonPacing); len(p) != 1 || !strings.HasPrefix(p[0].Path, "/echo/") {
			t.Fatalf("pacing events = %+v, want one for the redirected POST", p)
		}
		for _, ev := range evs.evs {
			check(t, "wait event", formats(ev)...)
		}
		check(t, "logs", logs.String())
	})
	t.Run("token source error", func(t *testing.T) {
		var logs strings.Builder
		src := quotingSource{token: testToken}
		c, err := api.New(api.WithBaseURL("http://127.0.0.1:9"), api.WithTokenSource(&src), api.WithLogger(newDebugLogger(&logs)))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetVersion(context.Background(), npmPkg, 1)
		if err == nil || !strings.Contains(err.Error(), "token source") || !strings.Contains(err.Error(), "ghp_[REDACTED]") {
			t.Fatalf("err = %v", err)
		}
		check(t, "token source error", formats(err)...)
		check(t, "unwrapped token source error", formats(errors.Unwrap(err))...)
		check(t, "logs", logs.String())
		check(t, "client", formats(c)...)
	})
	t.Run("formatted values", func(t *testing.T) {
		c, err := api.New(api.WithBaseURL("https://api.github.com"), api.WithToken(testToken))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []any{c, *c, c.HTTPClient(), c.HTTPClient().Transport} {
			check(t, fmt.Sprintf("%T", v), formats(v)...)
			check(t, fmt.Sprintf("%T %%d", v), fmt.Sprintf("%d", v), fmt.Sprintf("%x", v))
		}
	})
}

type quotingSource struct{ token string }

func (s *quotingSource) Token() (*oauth2.Token, error) {
	return nil, fmt.Errorf("refreshing %s failed: invalid_grant for Bearer %s", s.token, s.token)
}
