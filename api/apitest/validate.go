package apitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/ghpackages/restore/api"
)

// anyRouteUndeclared are statuses GitHub answers on every route although
// the description may not declare them: 400 for an unsupported API
// version, 401 without or with a bad token, 403 for a refused token kind,
// a missing User-Agent or a rate limit, 404 for what the token cannot see,
// 422 for a parameter the description does not allow, and 429 for a rate
// limit (README.md, behaviour table).
var anyRouteUndeclared = []int{400, 401, 403, 404, 422, 429}

// undeclaredByOp are the statuses GitHub really answers per operation that
// the description does not declare (README.md, behaviour table:
// restore version 400/422/500; restore package 409/422; list versions 422;
// get version 404).
var undeclaredByOp = map[api.Operation][]int{
	api.OpRestoreVersion: {500},
	api.OpRestorePackage: {409},
}

// undeclaredOK reports whether GitHub is known to answer status on op
// although the description does not declare it.
func undeclaredOK(op api.Operation, status int) bool {
	return slices.Contains(anyRouteUndeclared, status) || slices.Contains(undeclaredByOp[op], status)
}

// validateReply checks one of the model's answers against the description.
func (s *Server) validateReply(c *call, rep reply) {
	r, in := c.r, c.input
	if in == nil || in.Route == nil {
		return
	}
	resps := in.Route.Operation.Responses
	if resps.Value(fmt.Sprint(rep.status)) == nil && resps.Default() == nil {
		if !undeclaredOK(c.op, rep.status) {
			s.violation(r, true, fmt.Sprintf("status %d is neither declared nor a known GitHub answer", rep.status))
			return
		}
		var e map[string]any
		if err := json.Unmarshal(rep.body, &e); err != nil {
			s.violation(r, true, fmt.Sprintf("undeclared status %d without a JSON error body", rep.status))
			return
		}
		if err := s.doc.Components.Schemas["basic-error"].Value.VisitJSON(e); err != nil {
			s.violation(r, true, fmt.Sprintf("status %d body is not a basic-error: %v", rep.status, err))
		}
		return
	}
	if c.op == api.OpRateLimit && c.apiVersion == apiV2026 && rep.status == http.StatusOK {
		s.validateRateLimit2026(c, rep)
		return
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 rep.status,
		Header:                 rep.header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	out.SetBodyBytes(rep.body)
	if err := openapi3filter.ValidateResponse(r.Context(), out); err != nil {
		s.violation(r, true, err.Error())
	}
	if c.op == api.OpListPackages && c.apiVersion == apiV2026 && rep.status == http.StatusOK {
		var list []struct {
			Repository map[string]any `json:"repository"`
		}
		_ = json.Unmarshal(rep.body, &list)
		for _, p := range list {
			if _, ok := p.Repository["has_downloads"]; ok {
				s.violation(r, true, "packages (2026-03-10): repository.has_downloads is present; that version drops it")
				break
			}
		}
	}
}

// validateRateLimit2026 checks a /rate_limit answer of API version
// 2026-03-10. That version's description (github/rest-api-description,
// api.github.com.2026-03-10.json) drops `rate` and requires only
// `resources`; the slice is of 2022-11-28, so the check uses its schema
// with `rate` removed, and insists that `rate` is absent.
func (s *Server) validateRateLimit2026(c *call, rep reply) {
	base := s.doc.Components.Schemas["rate-limit-overview"].Value
	schema := *base
	schema.Required = slices.DeleteFunc(slices.Clone(base.Required), func(n string) bool { return n == "rate" })
	schema.Properties = openapi3.Schemas{}
	for k, v := range base.Properties {
		if k != "rate" {
			schema.Properties[k] = v
		}
	}
	var body map[string]any
	if err := json.Unmarshal(rep.body, &body); err != nil {
		s.violation(c.r, true, "rate_limit (2026-03-10): "+err.Error())
		return
	}
	if _, ok := body["rate"]; ok {
		s.violation(c.r, true, "rate_limit (2026-03-10): `rate` is present; that version drops it")
	}
	if err := schema.VisitJSON(body); err != nil {
		s.violation(c.r, true, "rate_limit (2026-03-10): "+err.Error())
	}
}
