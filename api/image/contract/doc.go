// Package contract tests the registry client of api/image against an
// independent registry implementation, go-containerregistry's pkg/registry,
// with the OCI referrers API on and off, the way the Prism contract test
// checks the REST requests.
//
// It is its own module (go.mod beside this file) so that no consumer of
// github.com/ghpackages/restore ever downloads go-containerregistry or sees
// it in go.sum. Run it with: cd api/image/contract && go test ./...
package contract
