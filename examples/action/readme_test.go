package action_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestReadmeMatchesTheAction: README.md shows each example workflow exactly
// as it is in workflows/ (where actionlint checks it), and its tables list
// exactly the inputs and outputs action.yml declares.
func TestReadmeMatchesTheAction(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	files, _ := filepath.Glob("workflows/*.yml")
	if len(files) < 3 {
		t.Fatalf("%d example workflows, want at least 3", len(files))
	}
	for _, f := range files {
		wf, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(readme, "```yaml\n"+string(wf)+"```") {
			t.Errorf("README.md does not show %s as it is", f)
		}
	}
	section := func(title string) string {
		_, rest, _ := strings.Cut(readme, "## "+title+"\n")
		body, _, _ := strings.Cut(rest, "\n## ")
		return body
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z-]+)`(?: / `([a-z-]+)`)?")
	names := func(body string) []string {
		var out []string
		for _, m := range row.FindAllStringSubmatch(body, -1) {
			for _, n := range m[1:] {
				if n != "" {
					out = append(out, n)
				}
			}
		}
		slices.Sort(out)
		return out
	}
	extra := regexp.MustCompile("(?m)^\\| `([a-z-]+)`, `([a-z-]+)`")
	var inputs []string
	for _, m := range extra.FindAllStringSubmatch(section("Inputs"), -1) {
		inputs = append(inputs, m[1], m[2])
	}
	inputs = append(inputs, names(section("Inputs"))...)
	slices.Sort(inputs)
	var declared, outputs []string
	for k := range act.Inputs {
		declared = append(declared, k)
	}
	for k := range act.Outputs {
		outputs = append(outputs, k)
	}
	slices.Sort(declared)
	slices.Sort(outputs)
	if !slices.Equal(slices.Compact(inputs), declared) {
		t.Errorf("README's inputs %v\naction.yml's   %v", inputs, declared)
	}
	if got := names(section("Outputs")); !slices.Equal(got, outputs) {
		t.Errorf("README's outputs %v\naction.yml's    %v", got, outputs)
	}
}
