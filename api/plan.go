package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// PlanSchema is the version of the plan format that MakePlan writes and
// ParsePlan reads. It changes when a field changes meaning; ParsePlan
// refuses any other version rather than guess.
const PlanSchema = 1

// PlanKind says what a plan file restores, and so which Apply reads it:
// one plan format family, one schema, several kinds.
type PlanKind string

// The kinds of plan.
const (
	// PlanKindVersions is a plan of package versions (Plan, applied by
	// Client.Apply). A plan without a kind is one.
	PlanKindVersions PlanKind = "versions"
	// PlanKindImage is an image plan of a container package (image.Plan,
	// applied by image.Restorer.Apply, through the same engine).
	PlanKindImage PlanKind = "image"
)

// OutcomeUnknown: the restore was sent but its answer never came (the run
// was interrupted, or the check after an uncertain attempt failed). The
// restore may have taken effect. Only plans and journals use it.
const OutcomeUnknown Outcome = "unknown"

// PlanItem is one version a plan restores, and why.
type PlanItem struct {
	// Package is the package the version belongs to: one plan can span
	// several packages of an owner.
	Package   Package   `json:"package"`
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Digest    string    `json:"digest,omitempty"`
	Tags      []string  `json:"tags,omitempty"`
	DeletedAt time.Time `json:"deleted_at"`
	// DaysLeft of GitHub's 30-day restore window when the plan was made; see
	// DaysLeftAt for the days left later.
	DaysLeft int      `json:"days_left"`
	Reasons  []string `json:"reasons"`
}

// DaysLeftAt is how many whole days of GitHub's 30-day restore window are
// left at now (Version.DaysLeft): 30 at the moment of deletion, 29 a moment
// later, 0 during the last day, negative once the window has passed.
func (it PlanItem) DaysLeftAt(now time.Time) int {
	t := it.DeletedAt
	return Version{DeletedAt: &t}.DaysLeft(now)
}

// Plan is what Apply will do: the packages to restore whole first, then the
// versions, each naming its package. It is JSON-serialisable with a schema
// version (ParsePlan reads it back), so that a plan can be saved, reviewed,
// and applied later exactly as written. Items are grouped by package, in id
// order within a package (see Sort).
type Plan struct {
	// Schema is PlanSchema for plans made by this version of the SDK.
	Schema int `json:"schema"`
	// Kind is PlanKindVersions, or empty (the same; plans written before
	// kinds existed have none).
	Kind PlanKind `json:"kind,omitempty"`
	// BaseURL is the API the plan was made against (Client.BaseURL): a plan
	// names version ids, which mean nothing on another host.
	BaseURL  string    `json:"base_url"`
	MadeAt   time.Time `json:"made_at"`
	Selector Selector  `json:"selector"`
	// RestorePackages answered GitHub's 404 "Package not found." when their
	// deleted versions were listed. GitHub answers so both for a package
	// deleted whole (by deleting its last version) and for a name or type
	// that does not exist. Apply restores each first (a 404 then means no
	// such package, or deleted more than 30 days ago), then selects again
	// and restores what Selector chooses.
	RestorePackages []Package `json:"restore_packages,omitempty"`
	// Items are the versions to restore.
	Items []PlanItem `json:"items"`
	// Notes explain what the selection could not find.
	Notes []string `json:"notes,omitempty"`
}

// Sort orders the items by package (owner, type, name), then by id, the
// order Apply and a plan table follow.
func (p *Plan) Sort() {
	slices.SortStableFunc(p.Items, func(a, b PlanItem) int {
		return cmp.Or(cmp.Compare(a.Package.String(), b.Package.String()), cmp.Compare(a.ID, b.ID))
	})
}

// Packages lists the packages the plan touches, in plan order: those it
// restores whole, then those of its items.
func (p Plan) Packages() []Package {
	var out []Package
	add := func(pkg Package) {
		if !slices.Contains(out, pkg) {
			out = append(out, pkg)
		}
	}
	for _, pkg := range p.RestorePackages {
		add(pkg)
	}
	for _, it := range p.Items {
		add(it.Package)
	}
	return out
}

// Validate checks every package and version id of the plan, and the
// selector when the plan restores packages whole (Apply selects with it
// after restoring them), as Apply does before sending anything.
func (p Plan) Validate() error {
	for _, pkg := range p.RestorePackages {
		if err := pkg.Validate(); err != nil {
			return err
		}
	}
	if len(p.RestorePackages) > 0 {
		if err := p.Selector.Validate(); err != nil {
			return err
		}
	}
	for _, it := range p.Items {
		if err := it.Package.Validate(); err != nil {
			return err
		}
		if err := validateVersionID(it.ID); err != nil {
			return err
		}
	}
	return nil
}

// ParsePlan reads a plan written as JSON (json.Marshal of a Plan). It
// refuses a plan of another schema version, unknown fields, and bad
// packages or ids, with a *ValidationError naming the field.
func ParsePlan(data []byte) (Plan, error) {
	kind, err := PlanKindOf(data)
	if err != nil {
		return Plan{}, err
	}
	if kind != PlanKindVersions {
		return Plan{}, &ValidationError{Field: "kind", Value: string(kind), Reason: "is not a plan of versions: read it with image.ParsePlan"}
	}
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Plan{}, &ValidationError{Field: "plan", Value: excerpt(data), Reason: err.Error()}
	}
	if p.BaseURL == "" {
		return Plan{}, &ValidationError{Field: "base_url", Reason: "is missing: the plan does not say which API it was made against"}
	}
	if p.MadeAt.IsZero() {
		return Plan{}, &ValidationError{Field: "made_at", Reason: "is missing"}
	}
	if err := p.Validate(); err != nil {
		return Plan{}, err
	}
	if p.Items == nil {
		p.Items = []PlanItem{}
	}
	return p, nil
}

// PlanKindOf reads the schema and kind of a plan file, so that a caller
// can hand it to the right parser (ParsePlan or image.ParsePlan). A plan
// without a kind is PlanKindVersions. It refuses what is not a JSON plan,
// a plan of another schema version and an unknown kind, with a
// *ValidationError naming the field.
func PlanKindOf(data []byte) (PlanKind, error) {
	var head struct {
		Schema *int     `json:"schema"`
		Kind   PlanKind `json:"kind"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return "", &ValidationError{Field: "plan", Value: excerpt(data), Reason: "is not a JSON plan: " + err.Error()}
	}
	if head.Schema == nil {
		return "", &ValidationError{Field: "schema", Reason: "is missing: not a plan written by this tool"}
	}
	if *head.Schema != PlanSchema {
		return "", &ValidationError{Field: "schema", Value: strconv.Itoa(*head.Schema),
			Reason: fmt.Sprintf("is not %d, the plan version this SDK (%s) reads", PlanSchema, ModuleVersion)}
	}
	switch head.Kind {
	case "", PlanKindVersions:
		return PlanKindVersions, nil
	case PlanKindImage:
		return PlanKindImage, nil
	}
	return "", &ValidationError{Field: "kind", Value: string(head.Kind), Reason: fmt.Sprintf("is not a kind of plan this SDK (%s) knows (%q or %q)", ModuleVersion, PlanKindVersions, PlanKindImage)}
}

func excerpt(b []byte) string {
	const n = 40
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
