package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// result is what the tool reported: the events of its --json output (one
// object a line, "event" first; the last line is the summary).
type result struct {
	plan      json.RawMessage   // {"event":"plan","plan":{…}}'s plan
	selection string            // the plan event's selection, stated once
	run       *runJSON          // undo-run: the workflow run whose window was swept
	results   []json.RawMessage // {"event":"result",…}: one version's outcome
	images    []json.RawMessage // {"event":"image",…}: one image, per phase
	errors    []string          // {"event":"error",…}'s messages
	summary   map[string]any    // the last line, {"event":"summary",…}
	exitCode  int
	usage     string // why the tool did not run, or its output was unreadable
}

// add reads one line of the tool's output; lines that are not JSON objects
// are ignored.
func (r *result) add(line []byte) {
	var ev struct {
		Event     string          `json:"event"`
		Plan      json.RawMessage `json:"plan"`
		Selection string          `json:"selection"`
		Run       *runJSON        `json:"run"`
		Error     string          `json:"error"`
		Fix       string          `json:"fix"`
		Message   string          `json:"message"`
	}
	if err := json.Unmarshal(line, &ev); err != nil {
		return
	}
	raw := json.RawMessage(bytes.Clone(line))
	switch ev.Event {
	case "plan":
		r.plan = bytes.Clone(ev.Plan)
		r.selection, r.run = ev.Selection, ev.Run
	case "not_found":
		r.errors = append(r.errors, ev.Message)
	case "result":
		r.results = append(r.results, raw)
	case "image":
		r.images = append(r.images, raw)
	case "error":
		msg := firstOf(ev.Error, ev.Message)
		if ev.Fix != "" {
			msg += " Fix: " + ev.Fix
		}
		r.errors = append(r.errors, msg)
	case "summary":
		var m map[string]any
		if json.Unmarshal(line, &m) == nil {
			r.summary = m
		}
	}
}

// strings returns the summary's list field name (restored, failed, broken…).
func (r *result) list(name string) []string {
	var out []string
	if r.summary == nil {
		return nil
	}
	items, _ := r.summary[name].([]any)
	for _, it := range items {
		switch v := it.(type) {
		case string:
			out = append(out, v)
		default:
			b, _ := json.Marshal(v)
			out = append(out, string(b))
		}
	}
	return out
}

// runJSON is what the summary shows of an api.WorkflowRun.
type runJSON struct {
	Ref struct {
		Owner string `json:"owner"`
		Repo  string `json:"repo"`
		ID    int64  `json:"run_id"`
	} `json:"ref"`
	Name       string `json:"name"`
	RunNumber  int    `json:"run_number"`
	HTMLURL    string `json:"html_url"`
	Conclusion string `json:"conclusion"`
	StartedAt  string `json:"run_started_at"`
	UpdatedAt  string `json:"updated_at"`
}

// report is the report output: the summary object with the version
// outcomes and the images added, or, when the tool gave no summary, what is
// known.
func (r *result) report() string {
	m := map[string]any{}
	for k, v := range r.summary {
		m[k] = v
	}
	if r.summary == nil {
		m["event"] = "summary"
		m["exit_code"] = r.exitCode
		if r.usage != "" {
			m["error"] = r.usage
		} else if len(r.errors) > 0 {
			m["error"] = strings.Join(r.errors, "\n")
		}
	}
	if len(r.errors) > 0 {
		m["errors"] = r.errors
	}
	m["results"] = orEmpty(r.results)
	m["images"] = orEmpty(r.images)
	b, _ := json.Marshal(m)
	return string(b)
}

func orEmpty(v []json.RawMessage) []json.RawMessage {
	if v == nil {
		return []json.RawMessage{}
	}
	return v
}

// outputFiles are the runner's files for the step's outputs and the job
// summary.
type outputFiles struct{ output, summary string }

// write appends the outputs and the summary; either file may be unset
// (outside a runner).
func (f outputFiles) write(r *result, in inputs) error {
	var errs []error
	if f.output != "" {
		plan := "null"
		if len(r.plan) > 0 {
			plan = string(r.plan)
		}
		outs := []struct{ name, value string }{
			{"plan", plan},
			{"report", r.report()},
			{"restored", strings.Join(r.list("restored"), ",")},
			{"failed", strings.Join(append(r.list("failed"), r.list("unknown")...), ",")},
			{"broken", strings.Join(r.list("broken"), ",")},
			{"exit-code", fmt.Sprint(r.exitCode)},
		}
		var b strings.Builder
		for _, o := range outs {
			b.WriteString(outputEntry(o.name, o.value))
		}
		errs = append(errs, appendFile(f.output, b.String()))
	}
	if f.summary != "" {
		errs = append(errs, appendFile(f.summary, markdown(r, in)))
	}
	return errors.Join(errs...)
}

func appendFile(name, text string) error {
	fh, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = fh.WriteString(text)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	return err
}

// outputEntry is one output in GITHUB_OUTPUT's multi-line form, with a
// random delimiter that the value does not contain, so that no value (a
// package name from the API, say) can end it early and set other outputs.
func outputEntry(name, value string) string {
	delim := "ghadelimiter_" + randomToken()
	for strings.Contains(value, delim) {
		delim = "ghadelimiter_" + randomToken()
	}
	return name + "<<" + delim + "\n" + value + "\n" + delim + "\n"
}

// randomToken is 16 random bytes in hex.
func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// escapeData escapes a workflow command's data, as GitHub's toolkit does.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
