// Command restore-action is the glue between the composite action
// (examples/action/action.yml) and the restore tool (examples/restore): it
// reads the action's inputs from INPUT_* environment variables, masks the
// token, runs the tool with --json, and writes the step's outputs
// ($GITHUB_OUTPUT) and a Markdown job summary ($GITHUB_STEP_SUMMARY).
//
// No shell ever parses an input: each input becomes one argument of the
// tool (or, for the token, its GH_TOKEN), so a package name or tag holding
// quotes, $(…) or line breaks is data.
//
// Environment:
//
//	INPUT_TOKEN, INPUT_OWNER, INPUT_OWNER_TYPE, INPUT_PACKAGE, INPUT_PACKAGES,
//	INPUT_PACKAGE_TYPE, INPUT_DRY_RUN, INPUT_GITHUB_API_URL, INPUT_REGISTRY_URL,
//	INPUT_TAGS, INPUT_IMAGES, INPUT_DELETED_SINCE, INPUT_DELETED_UNTIL,
//	INPUT_UNDO_RUN, INPUT_BROKEN, INPUT_VERIFY, INPUT_EXIT_STATUS
//	                      the action's inputs (README.md)
//	RESTORE_BIN           the tool (default: "restore", or "restore.exe", beside this program)
//	GITHUB_OUTPUT         the step's output file
//	GITHUB_STEP_SUMMARY   the job summary file
//
// It exits with the tool's exit status (README.md, "Exit status"), or 2
// when an input is invalid and the tool was not run.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// exitUsage is the tool's exit status for bad input; the glue uses it for
// bad inputs it refuses itself.
const exitUsage = 2

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Getenv, os.Stdout, os.Stderr))
}

// run is the glue, with its environment, log and error stream injected.
func run(ctx context.Context, getenv func(string) string, log, errs io.Writer) int {
	in := readInputs(getenv)
	for _, line := range strings.Split(in.token, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			fmt.Fprintf(log, "::add-mask::%s\n", escapeData(line))
		}
	}
	files := outputFiles{output: getenv("GITHUB_OUTPUT"), summary: getenv("GITHUB_STEP_SUMMARY")}
	args, err := in.args()
	if err != nil {
		fmt.Fprintf(errs, "::error title=restore::%s\n", escapeData(err.Error()))
		res := &result{exitCode: exitUsage, usage: err.Error()}
		return finish(files, res, in, errs)
	}
	bin := getenv("RESTORE_BIN")
	if bin == "" {
		self, err := os.Executable()
		if err != nil {
			fmt.Fprintf(errs, "::error title=restore::cannot find the restore tool: %s\n", escapeData(err.Error()))
			return finish(files, &result{exitCode: 1, usage: "the restore tool was not found"}, in, errs)
		}
		bin = filepath.Join(filepath.Dir(self), "restore"+filepath.Ext(self)) // .exe on Windows
	}
	res := runTool(ctx, bin, args, childEnv(in.token), log, errs)
	return finish(files, res, in, errs)
}

// finish writes the outputs and the summary and returns the exit status.
func finish(files outputFiles, res *result, in inputs, errs io.Writer) int {
	if err := files.write(res, in); err != nil {
		fmt.Fprintf(errs, "::error title=restore::%s\n", escapeData(err.Error()))
		if res.exitCode == 0 {
			return 1
		}
	}
	return res.exitCode
}

// childEnv is the tool's environment: the runner's, without the action's
// inputs (the token among them), and with the token as GH_TOKEN.
func childEnv(token string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "INPUT_"), name == "GH_TOKEN", name == "GITHUB_TOKEN", name == "RESTORE_BIN":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GH_TOKEN="+strings.TrimSpace(token))
}

// runTool runs the tool with --json and collects its events. Its JSON lines
// and its messages go to the log, with workflow commands stopped, so that
// nothing the tool prints (a package name from the API, say) is taken for a
// workflow command.
func runTool(ctx context.Context, bin string, args, env []string, log, errs io.Writer) *result {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second // then the tool is killed
	cmd.Stderr = errs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return &result{exitCode: 1, usage: err.Error()}
	}
	resume := randomToken()
	fmt.Fprintf(log, "::stop-commands::%s\n", resume)
	defer fmt.Fprintf(log, "::%s::\n", resume)
	fmt.Fprintf(log, "restore %s\n", strings.Join(quoteArgs(args), " "))
	if err := cmd.Start(); err != nil {
		return &result{exitCode: 1, usage: "cannot run the restore tool: " + err.Error()}
	}
	res := &result{}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		fmt.Fprintf(log, "%s\n", line)
		res.add(line)
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(errs, "reading the tool's output: %v\n", err)
		_, _ = io.Copy(io.Discard, stdout)
	}
	err = cmd.Wait()
	res.exitCode = 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		res.exitCode = ee.ExitCode()
		if res.exitCode < 0 { // killed by a signal
			res.exitCode = 1
		}
	case err != nil:
		res.exitCode = 1
		res.usage = err.Error()
	}
	return res
}

// quoteArgs quotes the arguments for the log line that shows the command.
func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a != "" && !strings.ContainsFunc(a, func(r rune) bool {
			return !(r == '-' || r == '_' || r == '.' || r == '/' || r == ':' || r == '@' || r == '*' || r == ',' ||
				(r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'))
		}) {
			out[i] = a
			continue
		}
		out[i] = fmt.Sprintf("%q", a)
	}
	return out
}
