// Package spec embeds the slice of GitHub's OpenAPI description that this
// module is generated from, for tooling: its bytes, the overlay of documented
// fixes, the slice with those fixes applied, the list of operations it keeps,
// and loaders.
//
// Two forms of the description are offered:
//
//   - JSON and Load: the faithful slice, spec/openapi.json, exactly as GitHub
//     describes the operations (including GitHub's known mistakes);
//   - OverlaidJSON and LoadOverlaid: spec/openapi.overlaid.json, the slice
//     with spec/overlay.yaml applied. gen/ is generated from it; feed it to
//     any other generator (openapi-typescript, openapi-generator, ...) to get
//     the same corrected types, such as docker metadata's `tags` array and a
//     single package-type schema.
//
// The slice is cut from GitHub's MIT-licensed REST API description (see
// NOTICE in this folder) by the slicer in ./slice. Neither gen nor api imports
// this package, so programs that use the SDK do not link kin-openapi or a
// YAML parser; import it on purpose where you need the description itself.
package spec

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed openapi.json
var sliceJSON []byte

//go:embed overlay.yaml
var overlayYAML []byte

//go:embed openapi.overlaid.json
var overlaidJSON []byte

//go:embed operations.txt
var operationsText []byte

// JSON returns a copy of the slice, spec/openapi.json: a faithful subset of
// GitHub's description, without the overlay applied.
func JSON() []byte { return bytes.Clone(sliceJSON) }

// Overlay returns a copy of spec/overlay.yaml, the OpenAPI Overlay with this
// module's documented fixes, each with its reason.
func Overlay() []byte { return bytes.Clone(overlayYAML) }

// OverlaidJSON returns a copy of spec/openapi.overlaid.json: the slice with
// the overlay applied, the description gen/ is generated from. `go generate`
// writes it deterministically (indented JSON, sorted keys) and CI checks that
// the committed file is current.
func OverlaidJSON() []byte { return bytes.Clone(overlaidJSON) }

// Operations returns the operationIds the slice keeps, in the order of
// spec/operations.txt.
func Operations() []string { return ParseOperations(operationsText) }

// ParseOperations reads an operation list: one operationId per line; blank
// lines and lines starting with # are ignored.
func ParseOperations(text []byte) []string {
	var ops []string
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ops = append(ops, line)
	}
	return ops
}

// Load parses the faithful slice (JSON) with kin-openapi and validates it.
// External references are refused: the slice is self-contained. Each call
// returns a new document that the caller may modify.
func Load(ctx context.Context) (*openapi3.T, error) {
	return load(ctx, sliceJSON, "slice")
}

// LoadOverlaid parses the slice with the overlay applied (OverlaidJSON) with
// kin-openapi and validates it, like Load.
func LoadOverlaid(ctx context.Context) (*openapi3.T, error) {
	return load(ctx, overlaidJSON, "overlaid slice")
}

func load(ctx context.Context, b []byte, what string) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	loader.Context = ctx
	doc, err := loader.LoadFromData(b)
	if err != nil {
		return nil, fmt.Errorf("spec: loading the embedded %s: %w", what, err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("spec: the embedded %s is not valid: %w", what, err)
	}
	return doc, nil
}
