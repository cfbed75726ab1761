package main

import (
	"bytes"
	"context"
	"flag"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The flag table is the only list of flag names: every flag registered is
// in it, no file registers a flag by hand, and its modes and exclusions
// name real flags.
func TestTheFlagTableIsTheOnlyListOfFlags(t *testing.T) {
	o := &options{given: map[string]bool{}}
	fs := newFlagSet(o)
	fs.VisitAll(func(f *flag.Flag) {
		if _, ok := specOf(f.Name); !ok {
			t.Errorf("--%s is registered but the flag table does not describe it", f.Name)
		}
	})
	seen := map[string]bool{}
	for _, f := range flagTable {
		if seen[f.name] {
			t.Errorf("--%s is in the table twice", f.name)
		}
		seen[f.name] = true
		if fs.Lookup(f.name) == nil {
			t.Errorf("--%s is in the table but not registered", f.name)
		}
		for _, x := range f.excludes {
			if _, ok := specOf(x); !ok {
				t.Errorf("--%s excludes --%s, which is no flag", f.name, x)
			}
		}
		for _, m := range f.modes {
			if !slices.Contains(allModes, m) {
				t.Errorf("--%s names the mode %q, which is none", f.name, m)
			}
		}
		if !strings.Contains(help(80), "  --"+f.name) {
			t.Errorf("--help does not describe --%s", f.name)
		}
	}
	// No flag registered outside the table's binders (flags.go).
	files, _ := filepath.Glob("*.go")
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "flags.go" {
			continue
		}
		fset := gotoken.NewFileSet()
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
					switch sel.Sel.Name {
					case "StringVar", "BoolVar", "IntVar", "DurationVar", "Var", "String", "Bool", "Int", "Duration", "Func", "NewFlagSet":
						if id, ok := sel.X.(*ast.Ident); ok && (id.Name == "fs" || id.Name == "flag") {
							t.Errorf("%s: a flag registered by hand (%s.%s): add it to the flag table", fset.Position(call.Pos()), id.Name, sel.Sel.Name)
						}
					}
				}
			}
			return true
		})
	}
}

// modeArgs selects each mode with the fewest flags.
var modeArgs = map[runMode][]string{
	modeVersions: {"--org", "o", "--type", "npm", "--package", "x", "--version-id", "1"},
	modeSweep:    {"--org", "o", "--type", "npm", "--deleted-since", "1d"},
	modeUndoRun:  {"--undo-run", "o/r/1"},
	modeImage:    {"--org", "o", "--package", "x", "--image", "v1"},
	modeBroken:   {"--org", "o", "--package", "x", "--broken"},
	modeDoctor:   {"--org", "o", "--broken"},
	modePlan:     {"--plan", "p.json"},
}

// sampleValue is the flag with a value it accepts.
func sampleValue(name string) []string {
	f, _ := specOf(name)
	if f.arg == "" {
		return []string{"--" + name}
	}
	v := map[string]string{"version-id": "2", "deleted-since": "2d", "deleted-until": "1d", "undo-run": "o/r/2", "image": "v2",
		"pacing": "1s", "timeout": "5s", "base-url": "http://127.0.0.1:1", "type": "npm", "package": "y"}[name]
	if v == "" {
		v = "v"
	}
	return []string{"--" + name, v}
}

// Usage errors come from the table: a flag given in a mode it does not
// apply to, or with a flag it excludes, is refused (exit 2) before the
// token is looked for and before anything is sent.
func TestUsageErrorsComeFromTheFlagTable(t *testing.T) {
	for _, m := range allModes {
		if got := parseMode(t, modeArgs[m]); got != m {
			t.Fatalf("%v selects %s, want %s", modeArgs[m], got, m)
		}
	}
	checked := 0
	for _, f := range flagTable {
		for _, m := range allModes {
			args := slices.Concat(modeArgs[m], sampleValue(f.name))
			if slices.Contains(modeArgs[m], "--"+f.name) {
				continue
			}
			allowed := f.modes == nil || slices.Contains(f.modes, parseMode(t, args))
			for _, x := range f.excludes {
				if slices.Contains(args, "--"+x) {
					allowed = false
				}
			}
			if allowed {
				continue
			}
			checked++
			code, stderr := runInProcess(t, args...)
			if code != exitUsage || !(strings.Contains(stderr, "--"+f.name+" cannot be used with") || strings.Contains(stderr, "not both") ||
				strings.Contains(stderr, "means no filter") || strings.Contains(stderr, "cannot be used with")) {
				t.Errorf("%v: exit %d, %q; want 2 naming --%s", args, code, stderr, f.name)
			}
			if strings.Contains(stderr, "no token") {
				t.Errorf("%v: the token was looked for before the usage error", args)
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d refused combinations checked", checked)
	}
	// And a valid command line gets past the table to the token.
	if code, stderr := runInProcess(t, modeArgs[modeVersions]...); code != exitUsage || !strings.Contains(stderr, "no token") {
		t.Errorf("a valid command line: exit %d, %q; want the missing token", code, stderr)
	}
}

func parseMode(t *testing.T, args []string) runMode {
	t.Helper()
	o, err := parse(args)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return o.modeOf()
}

// runInProcess runs the tool in process with no token and no gh: a run
// that gets past the usage checks stops at the token (exit 2, "no token").
func runInProcess(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	t.Setenv("PATH", t.TempDir())
	code := run(context.Background(), env{args: args, getenv: func(string) string { return "" }, stdin: strings.NewReader(""),
		stdout: &stdout, stderr: &stderr, now: time.Now})
	return code, stderr.String()
}
