// Package restore is the root of github.com/ghpackages/restore, a Go SDK for
// restoring deleted GitHub Packages versions of an organization.
//
// The SDK lives in the sub-packages:
//
//   - api: the facade to use (auth, validation, typed errors, retries, rate
//     limits, pacing, restore workflows);
//   - api/apitest: a spec-validated fake GitHub for tests;
//   - gen: the client generated from the OpenAPI slice (never edited by hand);
//   - spec: the OpenAPI slice itself, its overlay and a loader, for tooling.
//
// This file holds the generation step: `go generate ./...` regenerates gen/
// from spec/openapi.json and spec/overlay.yaml, offline, with the
// oapi-codegen version pinned in go.mod.
package restore

//go:generate go tool oapi-codegen -config gen/config.yaml spec/openapi.json
