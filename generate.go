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
// This file holds the generation step: `go generate ./...`, offline,
//
//  1. applies spec/overlay.yaml to spec/openapi.json and writes
//     spec/openapi.overlaid.json, the corrected description for any
//     generator (spec/applyoverlay, with oapi-codegen's overlay library);
//  2. regenerates gen/ from that file with the oapi-codegen version pinned
//     in go.mod.
package restore

//go:generate go run ./spec/applyoverlay
//go:generate go tool oapi-codegen -config gen/config.yaml spec/openapi.overlaid.json
