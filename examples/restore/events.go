package main

import (
	"encoding/json"
	"io"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/image"
)

// The JSON events: one type per kind of line that --json prints, each with
// "event" first. events.schema.json describes them and JSON.md explains
// them; a test validates every line the tool prints against the schema.

// planEvent is the plan of a run, once. Plan is an api.Plan (versions,
// sweep, undo-run, plan file), an image.Plan (image, broken) or a
// doctorPlan (doctor).
type planEvent struct {
	Event     string           `json:"event"` // "plan"
	Mode      runMode          `json:"mode"`
	Apply     bool             `json:"apply"`
	Selection string           `json:"selection,omitempty"`
	Run       *api.WorkflowRun `json:"run,omitempty"`
	SavedTo   string           `json:"saved_to,omitempty"`
	Plan      any              `json:"plan"`
}

// doctorPlan is the plan of a doctor run: each package's broken images.
type doctorPlan struct {
	Owner    string          `json:"owner"`
	Registry string          `json:"registry"`
	Packages []doctorPackage `json:"packages"`
}

// doctorPackage is one package of a doctorPlan.
type doctorPackage struct {
	Package string     `json:"package"`
	Plan    image.Plan `json:"plan"`
	Error   string     `json:"error,omitempty"`
}

// resultEvent is the outcome of one restore: a version of a plan, a
// manifest of an image, or (no id) a package restored whole.
type resultEvent struct {
	Event    string      `json:"event"` // "result"
	Package  string      `json:"package"`
	ID       int64       `json:"id,omitempty"`
	Name     string      `json:"name,omitempty"`
	Role     string      `json:"role,omitempty"`
	Platform string      `json:"platform,omitempty"`
	Outcome  api.Outcome `json:"outcome"`
	Done     int         `json:"done"`
	Total    int         `json:"total"`
	Resumed  bool        `json:"resumed,omitempty"`
	// Redeleted: the journal had it done, but it was deleted again after
	// that entry, and restored again (api.Result.Redeleted).
	Redeleted bool   `json:"redeleted,omitempty"`
	Error     string `json:"error,omitempty"`
}

// imageEvent is one image as a phase (plan, apply, verify) left it.
type imageEvent struct {
	Event     string                 `json:"event"` // "image"
	Phase     string                 `json:"phase"`
	Package   string                 `json:"package"`
	Ref       string                 `json:"ref"` // REGISTRY/OWNER/NAME:TAG or @sha256:…
	Root      string                 `json:"root"`
	Digest    string                 `json:"digest,omitempty"`
	Tags      []string               `json:"tags"`
	Whole     bool                   `json:"whole"`
	Pending   bool                   `json:"pending,omitempty"`
	TagsOK    *bool                  `json:"tags_ok,omitempty"`
	Manifests []image.Entry          `json:"manifests"`
	Platforms []image.PlatformStatus `json:"platforms"`
	Error     string                 `json:"error,omitempty"`
}

// waitEvent says the tool waits: for which host, why, how long.
type waitEvent struct {
	Event     string  `json:"event"` // "wait"
	Host      string  `json:"host"`
	Cause     string  `json:"cause"`
	Reason    string  `json:"reason"`
	Seconds   float64 `json:"seconds"`
	Until     string  `json:"until,omitempty"`
	Method    string  `json:"method,omitempty"`
	Path      string  `json:"path,omitempty"`
	Status    int     `json:"status,omitempty"`
	Attempt   int     `json:"attempt,omitempty"`
	RequestID string  `json:"request_id,omitempty"`
	Message   string  `json:"message"`
}

// notFoundEvent names what was not found: kind is owner, package, version,
// name, digest, tag or run.
type notFoundEvent struct {
	Event   string   `json:"event"` // "not_found"
	Kind    string   `json:"kind"`
	Name    string   `json:"name"`
	Package string   `json:"package,omitempty"`
	Similar []string `json:"similar"`
	Applied bool     `json:"applied"`
	Message string   `json:"message"`
}

// errorEvent is an error that ends the run, in the tool's words; Operation
// is the SDK's operation id when it names one.
type errorEvent struct {
	Event     string `json:"event"` // "error"
	Error     string `json:"error"`
	Fix       string `json:"fix,omitempty"`
	Operation string `json:"operation,omitempty"`
	ExitCode  int    `json:"exit_code"`
}

// progressEvent is how far a long read is: images or packages checked.
type progressEvent struct {
	Event string `json:"event"` // "progress"
	What  string `json:"what"`
	Done  int    `json:"done"`
	Total int    `json:"total"`
}

// interruptedEvent reports an apply stopped by Ctrl-C or a closed pipe.
type interruptedEvent struct {
	Event    string   `json:"event"` // "interrupted"
	While    string   `json:"while"`
	Done     int      `json:"done"`
	Failed   int      `json:"failed"`
	Unknown  int      `json:"unknown"`
	InFlight []string `json:"in_flight"`
	NotTried []string `json:"not_tried"`
	Resume   string   `json:"resume,omitempty"`
}

// summaryEvent is the last line of every --json run.
type summaryEvent struct {
	Event    string   `json:"event"` // "summary"
	Mode     runMode  `json:"mode"`
	Applied  bool     `json:"applied"`
	ExitCode int      `json:"exit_code"`
	Restored []string `json:"restored"`
	Failed   []string `json:"failed"`
	Unknown  []string `json:"unknown"`
	NotTried []string `json:"not_tried"`
	Broken   []string `json:"broken"`
}

// tally gathers, through a run, what its summary lists.
type tally struct {
	restored, failed, unknown, notTried, broken []string
}

// summary is the summary event of a run that ends with code.
func (t *tally) summary(m runMode, applied bool, code int) summaryEvent {
	list := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return l
	}
	return summaryEvent{Event: "summary", Mode: m, Applied: applied, ExitCode: code, Restored: list(t.restored),
		Failed: list(t.failed), Unknown: list(t.unknown), NotTried: list(t.notTried), Broken: list(t.broken)}
}

// versionRef is how the summary names a version: PACKAGE@ID.
func versionRef(pkg api.Package, id int64) string {
	return pkg.String() + "@" + itoa64(id)
}

// emit writes v as one JSON line.
func emit(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(errorEvent{Event: "error", Error: escape(err.Error()), ExitCode: exitFailed})
	}
	w.Write(append(b, '\n'))
}

// untilText is t in RFC 3339, or "" for the zero time.
func untilText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
