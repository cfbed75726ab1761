package action_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// A small GitHub Actions runner for the composite action: it reads
// action.yml, resolves ${{ … }} in each step's env, with and
// working-directory (inputs with their defaults, the github context, the
// steps' outputs), and runs each run: step with bash the way the runner
// does (bash --noprofile --norc -e -o pipefail FILE), with a fresh
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY per step. uses: steps are skipped:
// setup-go's work (a Go toolchain) is the test's own.

type actionFile struct {
	Inputs map[string]struct {
		Default  string `yaml:"default"`
		Required bool   `yaml:"required"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []step `yaml:"steps"`
	} `yaml:"runs"`
}

type step struct {
	ID               string            `yaml:"id"`
	Name             string            `yaml:"name"`
	Uses             string            `yaml:"uses"`
	Run              string            `yaml:"run"`
	Shell            string            `yaml:"shell"`
	Env              map[string]string `yaml:"env"`
	With             map[string]string `yaml:"with"`
	WorkingDirectory string            `yaml:"working-directory"`
	If               string            `yaml:"if"`
}

func loadAction(path string) (*actionFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var a actionFile
	if err := yaml.Unmarshal(b, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// runner runs the action once.
type runner struct {
	act        *actionFile
	github     map[string]string // the github context: token, api_url, action_path, repository_owner
	inputs     map[string]string // the with: of the workflow step
	temp       string            // RUNNER_TEMP
	files      string            // where the step scripts, outputs and summaries go
	workspace  string            // GITHUB_WORKSPACE, the steps' directory
	skip       map[string]bool   // step ids not to run (the build, done once)
	outputs    map[string]map[string]string
	log        bytes.Buffer // every step's stdout and stderr
	summary    bytes.Buffer // the job summary
	exitStatus int          // of the last step run
	failedStep string
}

var exprRE = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// eval resolves the expressions in s; an expression the runner here does
// not know is an error, so that the action uses nothing it cannot check.
func (r *runner) eval(s string) (string, error) {
	var bad error
	out := exprRE.ReplaceAllStringFunc(s, func(m string) string {
		expr := exprRE.FindStringSubmatch(m)[1]
		parts := strings.Split(expr, ".")
		switch {
		case len(parts) == 2 && parts[0] == "inputs":
			in, ok := r.act.Inputs[parts[1]]
			if !ok {
				bad = fmt.Errorf("unknown input %q", parts[1])
				return ""
			}
			if v, given := r.inputs[parts[1]]; given {
				return v
			}
			v, err := r.eval(in.Default)
			if err != nil {
				bad = err
			}
			return v
		case len(parts) == 2 && parts[0] == "github":
			v, ok := r.github[parts[1]]
			if !ok {
				bad = fmt.Errorf("unknown context value %q", expr)
			}
			return v
		case len(parts) == 4 && parts[0] == "steps" && parts[2] == "outputs":
			return r.outputs[parts[1]][parts[3]]
		}
		bad = fmt.Errorf("unsupported expression %q", expr)
		return ""
	})
	return out, bad
}

// run runs the steps until one fails, as the runner does.
func (r *runner) run(t *testing.T) {
	t.Helper()
	for k := range r.inputs {
		if _, ok := r.act.Inputs[k]; !ok {
			t.Fatalf("the workflow gives input %q, which action.yml does not declare", k)
		}
	}
	r.outputs = map[string]map[string]string{}
	for i, s := range r.act.Runs.Steps {
		if s.If != "" {
			t.Fatalf("step %d has an if:, which this runner does not evaluate", i)
		}
		if s.Uses != "" {
			// setup-go's work (a Go toolchain) is the test's own; the
			// cache's inputs must resolve.
			if !strings.HasPrefix(s.Uses, "actions/setup-go@") && !strings.HasPrefix(s.Uses, "actions/cache@") {
				t.Fatalf("step %d uses %s; the action may only set up Go and cache its build", i, s.Uses)
			}
			for k, v := range s.With {
				ev, err := r.eval(v)
				if err != nil {
					t.Fatalf("step %d with.%s: %v", i, k, err)
				}
				if strings.HasPrefix(s.Uses, "actions/cache@") && strings.TrimSpace(ev) == "" {
					t.Fatalf("step %d with.%s resolves to nothing", i, k)
				}
			}
			continue
		}
		if r.skip[s.ID] {
			continue
		}
		if err := r.runStep(s); err != nil {
			t.Fatalf("step %q: %v", s.Name, err)
		}
		if r.exitStatus != 0 {
			r.failedStep = s.ID
			break
		}
	}
}

// runStep runs one run: step, with its own GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY, and records its outputs.
func (r *runner) runStep(s step) error {
	if s.Shell != "bash" {
		return fmt.Errorf("shell %q: want bash", s.Shell)
	}
	if strings.Contains(s.Run, "${{") {
		return fmt.Errorf("an expression in run: (script injection): %q", s.Run)
	}
	dir := r.workspace
	if s.WorkingDirectory != "" {
		d, err := r.eval(s.WorkingDirectory)
		if err != nil {
			return err
		}
		dir = d
	}
	script := filepath.Join(r.files, "step-"+s.ID+".sh")
	outFile := filepath.Join(r.files, "output-"+s.ID)
	sumFile := filepath.Join(r.files, "summary-"+s.ID)
	for _, f := range []string{outFile, sumFile} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			return err
		}
	}
	if err := os.WriteFile(script, []byte(s.Run), 0o600); err != nil {
		return err
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"RUNNER_TEMP=" + r.temp, "GITHUB_WORKSPACE=" + r.workspace, "GITHUB_ACTIONS=true",
		"GITHUB_OUTPUT=" + outFile, "GITHUB_STEP_SUMMARY=" + sumFile,
		"GITHUB_API_URL=" + r.github["api_url"], "GITHUB_ACTION_PATH=" + r.github["action_path"],
	}
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOPROXY", "GOFLAGS", "XDG_CACHE_HOME"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	for k, v := range s.Env {
		ev, err := r.eval(v)
		if err != nil {
			return fmt.Errorf("env %s: %w", k, err)
		}
		env = append(env, k+"="+ev)
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-e", "-o", "pipefail", script)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdout, cmd.Stderr = &r.log, &r.log
	err := cmd.Run()
	r.exitStatus = 0
	if ee, ok := err.(*exec.ExitError); ok {
		r.exitStatus = ee.ExitCode()
	} else if err != nil {
		return err
	}
	outs, err := os.ReadFile(outFile)
	if err != nil {
		return err
	}
	parsed, err := parseOutputs(string(outs))
	if err != nil {
		return err
	}
	if s.ID != "" {
		r.outputs[s.ID] = parsed
	}
	sum, err := os.ReadFile(sumFile)
	r.summary.Write(sum)
	return err
}

// actionOutputs are the action's outputs, from outputs.*.value.
func (r *runner) actionOutputs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, o := range r.act.Outputs {
		v, err := r.eval(o.Value)
		if err != nil {
			t.Fatalf("output %s: %v", name, err)
		}
		out[name] = v
	}
	return out
}

// parseOutputs reads GITHUB_OUTPUT as the runner does: NAME=VALUE lines and
// NAME<<DELIMITER blocks.
func parseOutputs(text string) (map[string]string, error) {
	out := map[string]string{}
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l == "" {
			continue
		}
		if name, delim, ok := strings.Cut(l, "<<"); ok {
			var v []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				v = append(v, lines[i])
			}
			if i == len(lines) {
				return nil, fmt.Errorf("output %s: delimiter %s never closed", name, delim)
			}
			out[name] = strings.Join(v, "\n")
			continue
		}
		name, v, ok := strings.Cut(l, "=")
		if !ok {
			return nil, fmt.Errorf("output line %q is neither NAME=VALUE nor NAME<<DELIMITER", l)
		}
		out[name] = v
	}
	return out, nil
}
