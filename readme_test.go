package restore_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMESnippet compiles the SDK snippet of README.md (the go block after
// the readme-snippet marker) against this module, through a build overlay so
// that nothing is written into the repository.
func TestREADMESnippet(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "<!-- readme-snippet: compiled by TestREADMESnippet -->")
	if !ok {
		t.Fatal("README.md has no readme-snippet marker")
	}
	_, code, ok := strings.Cut(after, "```go\n")
	if !ok {
		t.Fatal("no go block after the marker")
	}
	code, _, ok = strings.Cut(code, "```")
	if !ok {
		t.Fatal("the go block is not closed")
	}
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	virtual := filepath.Join(root, "readmesnippet", "main.go")
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{virtual: src}})
	overlayFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-overlay", overlayFile, "-o", os.DevNull, "./readmesnippet")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the README snippet does not compile:\n%s\n%s", out, code)
	}
}
