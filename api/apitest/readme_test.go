package apitest_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every row of README.md's behaviour table names at least one test, and
// every test it names exists, here or in cmd/fakegithub.
func TestReadmeTableNamesRealTests(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	defined := map[string]bool{}
	for _, pattern := range []string{"*_test.go", "cmd/fakegithub/*_test.go"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil {
					defined[fn.Name.Name] = true
				}
			}
		}
	}
	row := regexp.MustCompile(`^\| (\d+) \|.*\| ([^|]+) \|$`)
	testName := regexp.MustCompile(`\bTest\w+`)
	rows := 0
	for line := range strings.SplitSeq(string(readme), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		rows++
		names := testName.FindAllString(m[2], -1)
		if len(names) == 0 {
			t.Errorf("row %s names no test", m[1])
		}
		for _, n := range names {
			if !defined[n] {
				t.Errorf("row %s names %s, which does not exist", m[1], n)
			}
		}
	}
	if rows < 20 {
		t.Errorf("found %d rows; the table's format changed?", rows)
	}
}
