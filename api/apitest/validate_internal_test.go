package apitest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/ghpackages/restore/api"
)

// The response validation catches answers that drift from the description:
// a missing required field, a wrong type, an undeclared status that GitHub
// is not known to send, an undeclared status with a body that is not
// GitHub's basic-error.
func TestReplyValidationCatchesDrift(t *testing.T) {
	s := New(t)
	r := httptest.NewRequest(http.MethodGet, "/orgs/o/packages/npm/p/versions", nil)
	c := &call{r: r, op: api.OpListVersions, input: &openapi3filter.RequestValidationInput{Request: r, Route: s.routes[api.OpListVersions.ID(api.OwnerOrg)]}}
	tests := []struct {
		name string
		rep  reply
		want string
	}{
		{"missing id", jsonReply(200, []map[string]any{{"name": "1.0.0", "url": "u", "package_html_url": "h", "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}}), "id"},
		{"wrong type", jsonReply(200, []map[string]any{{"id": "one", "name": "1.0.0", "url": "u", "package_html_url": "h", "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}}), "id"},
		{"unknown status", jsonReply(418, map[string]string{"message": "teapot"}), "neither declared nor a known GitHub answer"},
		{"undeclared status, not JSON", reply{status: 422, header: http.Header{}, body: []byte("<html>")}, "without a JSON error body"},
	}
	for _, tt := range tests {
		s.TakeViolations()
		s.validateReply(c, tt.rep)
		v := s.TakeViolations()
		if len(v) != 1 || !v[0].Response || !strings.Contains(v[0].Detail, tt.want) {
			t.Errorf("%s: violations = %v, want one answer violation mentioning %q", tt.name, v, tt.want)
		}
	}
	s.validateReply(c, jsonReply(200, []map[string]any{}))
	if v := s.TakeViolations(); len(v) != 0 {
		t.Errorf("a valid answer was flagged: %v", v)
	}
}

// Undeclared statuses stay limited to those GitHub really sends (README.md,
// row 16): 409 only from package restore, 500 only from
// version restore, and the statuses every route can answer; anything else
// is drift.
func TestUndeclaredStatusesArePerOperation(t *testing.T) {
	s := New(t)
	basic := func(status int) reply { return errReply(status, "m", docsPackages) }
	tests := []struct {
		op      api.Operation
		kind    api.OwnerKind
		method  string
		status  int
		allowed bool
	}{
		{api.OpRestorePackage, api.OwnerOrg, "POST", 409, true},
		{api.OpRestorePackage, api.OwnerMe, "POST", 409, true},
		{api.OpRestorePackage, api.OwnerUser, "POST", 422, true},
		{api.OpRestoreVersion, api.OwnerOrg, "POST", 409, false},
		{api.OpRestoreVersion, api.OwnerUser, "POST", 500, true},
		{api.OpRestoreVersion, api.OwnerOrg, "POST", 400, true},
		{api.OpListVersions, api.OwnerOrg, "GET", 409, false},
		{api.OpListVersions, api.OwnerOrg, "GET", 500, false},
		{api.OpListVersions, api.OwnerOrg, "GET", 422, true},
		{api.OpGetVersion, api.OwnerMe, "GET", 404, true},
		{api.OpGetVersion, api.OwnerOrg, "GET", 410, false},
		{api.OpListPackages, api.OwnerMe, "GET", 403, true},
		{api.OpListPackages, api.OwnerOrg, "GET", 409, false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, "/x", nil)
		c := &call{r: r, op: tt.op, input: &openapi3filter.RequestValidationInput{Request: r, Route: s.routes[tt.op.ID(tt.kind)]}}
		s.validateReply(c, basic(tt.status))
		if v := s.TakeViolations(); (len(v) == 0) != tt.allowed {
			t.Errorf("%s %d: violations %v, want allowed %v", tt.op.ID(tt.kind), tt.status, v, tt.allowed)
		}
	}
}
