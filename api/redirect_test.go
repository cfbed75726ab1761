package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// A redirect never turns a restore's POST into a GET. GitHub's rules apply
// on the API's own origin only: 301 and 308 repeat at Location with the same
// method, 302 and 307 repeat once. Anything else is a *RedirectError, and
// the token goes nowhere else.
func TestRedirectsKeepTheMethodAndTheOrigin(t *testing.T) {
	other := &answerer{handlers: []http.HandlerFunc{status(http.StatusNoContent)}}
	otherSrv := httptest.NewServer(other)
	defer otherSrv.Close()
	var apiURL string
	same := func(path string) func() string { return func() string { return apiURL + path } }
	elsewhere := func() string { return otherSrv.URL + "/orgs/o/packages/npm/p/versions/1/restore" }
	const moved = "/moved/orgs/o/packages/npm/p/versions/1/restore"
	tests := []struct {
		name      string
		handlers  []http.HandlerFunc
		wantErr   string // "" for success
		wantSent  []string
		wantOther int
	}{
		{"301 repeats the POST at Location", []http.HandlerFunc{redirectTo(301, same(moved)), status(204)}, "", []string{"POST", "POST " + moved}, 0},
		{"308 repeats the POST at Location", []http.HandlerFunc{redirectTo(308, same(moved)), status(204)}, "", []string{"POST", "POST " + moved}, 0},
		{"302 repeats the POST once", []http.HandlerFunc{redirectTo(302, same(moved)), status(204)}, "", []string{"POST", "POST " + moved}, 0},
		{"307 repeats the POST once", []http.HandlerFunc{redirectTo(307, same(moved)), status(204)}, "", []string{"POST", "POST " + moved}, 0},
		{"relative Location", []http.HandlerFunc{redirectTo(301, func() string { return moved }), status(204)}, "", []string{"POST", "POST " + moved}, 0},
		{"a second temporary redirect is refused", []http.HandlerFunc{redirectTo(302, same(moved)), redirectTo(307, same("/again"))}, "only once", []string{"POST", "POST " + moved}, 0},
		{"303 is refused: it would become a GET", []http.HandlerFunc{redirectTo(303, same(moved))}, "303", []string{"POST"}, 0},
		{"307 to another origin is refused", []http.HandlerFunc{redirectTo(307, elsewhere)}, "origin", []string{"POST"}, 0},
		{"301 to another origin is refused", []http.HandlerFunc{redirectTo(301, elsewhere)}, "origin", []string{"POST"}, 0},
		{"https to http on the same host is refused", []http.HandlerFunc{redirectTo(301, func() string { return strings.Replace(apiURL, "http://", "https://", 1) + moved })}, "origin", []string{"POST"}, 0},
		{"no Location", []http.HandlerFunc{status(301)}, "Location", []string{"POST"}, 0},
		{"a loop ends", []http.HandlerFunc{redirectTo(301, same(moved))}, "more than 5", []string{"POST", "POST " + moved, "POST " + moved, "POST " + moved, "POST " + moved, "POST " + moved}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := &answerer{handlers: tt.handlers}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			apiURL = srv.URL
			before := len(other.requests())
			c, err := api.New(api.WithBaseURL(srv.URL), api.WithToken(testToken), api.WithWritePacing(0), api.WithClock(apitest.NewClock(start)))
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			out, err := c.RestoreVersion(context.Background(), npmPkg, 1)
			if tt.wantErr == "" {
				if err != nil || out != api.OutcomeRestored {
					t.Fatalf("RestoreVersion = %q, %v", out, err)
				}
			} else {
				var re *api.RedirectError
				if !errors.As(err, &re) || !errors.Is(err, api.ErrRedirect) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want a *RedirectError saying %q", err, tt.wantErr)
				}
				if re.Method != http.MethodPost || re.StatusCode/100 != 3 {
					t.Errorf("RedirectError = %+v", re)
				}
				if strings.Contains(re.Location, "/orgs/") {
					t.Errorf("RedirectError.Location = %q shows the path", re.Location)
				}
			}
			var sent []string
			for i, r := range rc.requests() {
				if r.Auth != "Bearer "+testToken {
					t.Errorf("request %d to the API lacks the token", i)
				}
				if i == 0 {
					sent = append(sent, r.Method)
				} else {
					sent = append(sent, r.Method+" "+r.Path)
				}
			}
			if !slices.Equal(sent, tt.wantSent) {
				t.Errorf("sent %q, want %q", sent, tt.wantSent)
			}
			if n := len(other.requests()) - before; n != tt.wantOther {
				t.Errorf("the other origin got %d requests", n)
			}
		})
	}
}
