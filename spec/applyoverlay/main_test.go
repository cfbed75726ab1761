package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ghpackages/restore/spec"
)

// The committed spec/openapi.overlaid.json is what Apply makes of the
// committed slice and overlay (CI also regenerates it and diffs).
func TestApplyReproducesCommittedFile(t *testing.T) {
	got, err := Apply(spec.JSON(), spec.Overlay())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, spec.OverlaidJSON()) {
		t.Fatal("spec/openapi.overlaid.json is stale: run go generate ./...")
	}
	again, err := Apply(spec.JSON(), spec.Overlay())
	if err != nil || !bytes.Equal(again, got) {
		t.Fatalf("a second Apply gave different bytes (err %v)", err)
	}
}

const doc = `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},
"components":{"schemas":{"a":{"type":"string","enum":["x","y"],"maximum":1.5,"minLength":2}}}}`

func TestApply(t *testing.T) {
	for _, tc := range []struct {
		name, doc, overlay string
		want, wantErr      string
	}{
		{
			name: "update and remove, sorted output, numbers as written",
			doc:  doc,
			overlay: `overlay: 1.1.0
info: {title: t, version: 1.0.0}
actions:
  - target: $.components.schemas.a.enum
    remove: true
  - target: $.components.schemas
    update: {b: {type: integer}}
`,
			want: `{
  "components": {
    "schemas": {
      "a": {
        "maximum": 1.5,
        "minLength": 2,
        "type": "string"
      },
      "b": {
        "type": "integer"
      }
    }
  },
  "info": {
    "title": "t",
    "version": "1"
  },
  "openapi": "3.0.3",
  "paths": {}
}
`,
		},
		{
			name: "an action that selects nothing fails (strict)",
			doc:  doc,
			overlay: `overlay: 1.1.0
info: {title: t, version: 1.0.0}
actions:
  - target: $.components.schemas.missing
    remove: true
`,
			wantErr: "did not match any targets",
		},
		{
			name:    "an overlay without actions is invalid",
			doc:     doc,
			overlay: "overlay: 1.1.0\ninfo: {title: t, version: 1.0.0}\nactions: []\n",
			wantErr: "not valid",
		},
		{
			name:    "an unsupported overlay version is invalid",
			doc:     doc,
			overlay: "overlay: 9.0.0\ninfo: {title: t, version: 1.0.0}\nactions:\n  - {target: $.info, remove: true}\n",
			wantErr: "not valid",
		},
		{
			name:    "the document must be an object",
			doc:     `["not", "an", "object"]`,
			overlay: "overlay: 1.1.0\ninfo: {title: t, version: 1.0.0}\nactions:\n  - {target: $.info, remove: true}\n",
			wantErr: "not an object",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Apply([]byte(tc.doc), []byte(tc.overlay))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.json")
	ov := filepath.Join(dir, "overlay.yaml")
	out := filepath.Join(dir, "out.json")
	if err := os.WriteFile(in, spec.JSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ov, spec.Overlay(), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"-in", in, "-overlay", ov, "-out", out}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadFile(out)
	if err != nil || !bytes.Equal(written, spec.OverlaidJSON()) {
		t.Fatalf("-out file differs from the committed overlaid slice (err %v)", err)
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"-in", in, "-overlay", ov, "-out", "-"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stdout.Bytes(), spec.OverlaidJSON()) {
		t.Fatal("-out - wrote something else than the committed overlaid slice")
	}
	for _, args := range [][]string{
		{"-in", filepath.Join(dir, "missing.json")},
		{"-in", in, "-overlay", filepath.Join(dir, "missing.yaml")},
		{"-in", in, "-overlay", ov, "extra"},
	} {
		if err := run(context.Background(), args, &stdout, &stderr); err == nil {
			t.Errorf("run(%q) succeeded, want an error", args)
		}
	}
}
