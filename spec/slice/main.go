// Command slice cuts GitHub's full OpenAPI description down to the operations
// this module uses, and exactly the components they reference.
//
//	go run ./spec/slice -from FILE_OR_URL [-ops spec/operations.txt] [-out spec/openapi.json]
//
// FILE_OR_URL is a local path, "-" for standard input, or an http(s) URL of a
// JSON or YAML OpenAPI 3.0.x document (api.github.com's or a GitHub Enterprise
// Server one). The output is deterministic: the same input and list give the
// same bytes. It is validated with kin-openapi before it is written.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ghpackages/restore/spec"
)

// maxInput bounds what the slicer reads: api.github.com's description is
// about 13 MB.
const maxInput = 512 << 20

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("slice", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "upstream OpenAPI description: a file, - for standard input, or an http(s) URL (required)")
	opsFile := fs.String("ops", filepath.Join("spec", "operations.txt"), "file listing the operationIds to keep, one per line")
	out := fs.String("out", filepath.Join("spec", "openapi.json"), "where to write the slice; - for standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" {
		fs.Usage()
		return errors.New("slice: -from is required")
	}
	opsText, err := os.ReadFile(*opsFile)
	if err != nil {
		return fmt.Errorf("slice: reading the operation list: %w", err)
	}
	ops := spec.ParseOperations(opsText)
	src, err := readSource(ctx, *from, stdin)
	if err != nil {
		return err
	}
	sliced, err := Slice(src, ops)
	if err != nil {
		return err
	}
	if err := Validate(ctx, sliced); err != nil {
		return err
	}
	if *out == "-" {
		_, err = stdout.Write(sliced)
		return err
	}
	if err := os.WriteFile(*out, sliced, 0o644); err != nil {
		return fmt.Errorf("slice: writing %s: %w", *out, err)
	}
	fmt.Fprintf(stderr, "slice: wrote %s: %d operations, %d bytes\n", *out, len(ops), len(sliced))
	return nil
}

func readSource(ctx context.Context, from string, stdin io.Reader) ([]byte, error) {
	var r io.Reader
	switch {
	case from == "-":
		r = stdin
	case strings.HasPrefix(from, "https://") || strings.HasPrefix(from, "http://"):
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, from, nil)
		if err != nil {
			return nil, fmt.Errorf("slice: %w", err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("slice: fetching %s: %w", from, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("slice: fetching %s: %s", from, resp.Status)
		}
		r = resp.Body
	default:
		f, err := os.Open(from)
		if err != nil {
			return nil, fmt.Errorf("slice: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("slice: reading %s: %w", from, err)
	}
	if len(b) > maxInput {
		return nil, fmt.Errorf("slice: %s is larger than %d bytes", from, maxInput)
	}
	return b, nil
}

// Validate loads a slice with kin-openapi, refusing external references, and
// validates it.
func Validate(ctx context.Context, doc []byte) error {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	t, err := loader.LoadFromData(doc)
	if err != nil {
		return fmt.Errorf("slice: the slice does not load as OpenAPI: %w", err)
	}
	if err := t.Validate(ctx); err != nil {
		return fmt.Errorf("slice: the slice is not valid OpenAPI: %w", err)
	}
	return nil
}
