// Command applyoverlay writes the slice with the overlay applied: the
// corrected description of the operations this module uses, for any
// generator.
//
//	go run ./spec/applyoverlay [-in spec/openapi.json] [-overlay spec/overlay.yaml] [-out spec/openapi.overlaid.json]
//
// `go generate ./...` runs it before oapi-codegen, which generates gen/ from
// its output, so gen/ and every other generator read the same bytes. The
// overlay is applied strictly (every action must match) with the same
// library oapi-codegen uses, github.com/speakeasy-api/openapi/overlay, and
// the result is validated with kin-openapi before it is written. The output
// is deterministic: indented JSON with sorted keys, like the slice.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/speakeasy-api/openapi/overlay"
	"gopkg.in/yaml.v3"

	"github.com/ghpackages/restore/spec/internal/jsondoc"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("applyoverlay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", filepath.Join("spec", "openapi.json"), "the OpenAPI document to correct")
	ov := fs.String("overlay", filepath.Join("spec", "overlay.yaml"), "the OpenAPI Overlay to apply")
	out := fs.String("out", filepath.Join("spec", "openapi.overlaid.json"), "where to write the result; - for standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("applyoverlay: unexpected argument %q", fs.Arg(0))
	}
	doc, err := os.ReadFile(*in)
	if err != nil {
		return fmt.Errorf("applyoverlay: reading the document: %w", err)
	}
	ovText, err := os.ReadFile(*ov)
	if err != nil {
		return fmt.Errorf("applyoverlay: reading the overlay: %w", err)
	}
	result, err := Apply(doc, ovText)
	if err != nil {
		return err
	}
	if err := validate(ctx, result); err != nil {
		return err
	}
	if *out == "-" {
		_, err = stdout.Write(result)
		return err
	}
	if err := os.WriteFile(*out, result, 0o644); err != nil {
		return fmt.Errorf("applyoverlay: writing %s: %w", *out, err)
	}
	fmt.Fprintf(stderr, "applyoverlay: wrote %s: %d bytes\n", *out, len(result))
	return nil
}

// Apply applies the OpenAPI Overlay ov (YAML or JSON) to the OpenAPI document
// doc (JSON or YAML) and returns the result as indented JSON with sorted keys.
// The overlay must be valid, and every one of its actions must select at
// least one node (oapi-codegen's strict mode), so that an overlay that no
// longer matches the slice fails here instead of silently doing nothing.
func Apply(doc, ov []byte) ([]byte, error) {
	o, err := overlay.ParseReader(bytes.NewReader(ov))
	if err != nil {
		return nil, fmt.Errorf("applyoverlay: parsing the overlay: %w", err)
	}
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("applyoverlay: the overlay is not valid: %w", err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		return nil, fmt.Errorf("applyoverlay: parsing the document: %w", err)
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("applyoverlay: the document is not an object")
	}
	warnings, err := o.ApplyToStrict(&root)
	if err != nil {
		return nil, fmt.Errorf("applyoverlay: %w", err)
	}
	if len(warnings) > 0 {
		return nil, fmt.Errorf("applyoverlay: the overlay gave warnings:\n- %s", strings.Join(warnings, "\n- "))
	}
	v, err := jsondoc.FromYAML(&root)
	if err != nil {
		return nil, fmt.Errorf("applyoverlay: %w", err)
	}
	b, err := jsondoc.Encode(v)
	if err != nil {
		return nil, fmt.Errorf("applyoverlay: %w", err)
	}
	return b, nil
}

// validate loads the result with kin-openapi, refusing external references,
// and validates it.
func validate(ctx context.Context, b []byte) error {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	loader.Context = ctx
	doc, err := loader.LoadFromData(b)
	if err != nil {
		return fmt.Errorf("applyoverlay: loading the result: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return fmt.Errorf("applyoverlay: the result is not a valid OpenAPI document: %w", err)
	}
	return nil
}
