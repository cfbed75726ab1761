package image_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
)

// An image plan is saved (json.Marshal), read back (ParsePlan) and applied
// by a new Restorer exactly as written: the planned restores and nothing
// else, with no re-planning (no version listing) before them.
func TestImagePlanFileRoundTripAppliesExactlyThePlannedRestores(t *testing.T) {
	e := newEnv(t, nil)
	img := e.seed(apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64", "linux/arm64"}, Attestations: true})
	deleted := deleteUntaggedChildren(t, e.reg, app)
	plan, err := e.r.Plan(ctx(t), "v1")
	if err != nil {
		t.Fatal(err)
	}
	if plan.Schema != api.PlanSchema || plan.Kind != api.PlanKindImage || plan.BaseURL != e.c.BaseURL() || plan.Registry != e.rc.Location() || plan.Registry != "http://"+e.rc.Host() ||
		plan.Package != e.pkg || plan.Repository != "acme/team/app" || !plan.MadeAt.Equal(e.clock.Now()) {
		t.Fatalf("plan header = %+v", plan)
	}
	saved, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	if kind, err := api.PlanKindOf(saved); err != nil || kind != api.PlanKindImage {
		t.Fatalf("PlanKindOf = %q, %v", kind, err)
	}
	if _, err := api.ParsePlan(saved); !isField(err, "kind") {
		t.Errorf("api.ParsePlan of an image plan: %v, want a validation error of kind", err)
	}
	p, err := image.ParsePlan(saved)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(p.Items, plan.Items, func(a, b api.PlanItem) bool { return a.ID == b.ID && a.DeletedAt.Equal(b.DeletedAt) }) {
		t.Fatalf("items after the round trip = %v, want %v", itemIDs(p.Items), itemIDs(plan.Items))
	}
	e.gh.ResetRequests()
	res, err := e.restorer(t).Apply(ctx(t), p, nil)
	if err != nil || res.Report.Restored != len(deleted) || !res.Report.OK() {
		t.Fatalf("apply: %v, %+v", err, res.Report)
	}
	var ops []api.Operation
	for _, r := range e.gh.Requests() {
		ops = append(ops, r.Op)
	}
	if slices.Contains(ops, api.OpListVersions) || len(ops) != len(deleted) {
		t.Errorf("requests = %v, want exactly the %d restores", ops, len(deleted))
	}
	posts := e.postsByID()
	for _, m := range img.Children() {
		if posts[m.ID] != 1 {
			t.Errorf("%s: %d restores", m, posts[m.ID])
		}
	}
}

func isField(err error, field string) bool {
	var ve *api.ValidationError
	return errors.As(err, &ve) && ve.Field == field && errors.Is(err, api.ErrInvalidInput)
}

// A plan of another schema, kind, API, registry host or package, or one
// whose items were edited, is refused with the field named and nothing
// sent.
func TestImagePlanOfAnotherSchemaKindOrHostIsRefused(t *testing.T) {
	e := newEnv(t, nil)
	e.seed(apitest.ImageSpec{Tags: []string{"v1"}, Platforms: []string{"linux/amd64", "linux/arm64"}})
	deleteUntaggedChildren(t, e.reg, app)
	plan, err := e.r.Plan(ctx(t), "v1")
	if err != nil {
		t.Fatal(err)
	}
	saved, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	good := string(saved)
	edit := func(old, new string) string {
		t.Helper()
		if !strings.Contains(good, old) {
			t.Fatalf("the plan has no %s", old)
		}
		return strings.Replace(good, old, new, 1)
	}
	parse := []struct{ name, json, field string }{
		{"not JSON", "plan", "plan"},
		{"schema 2", edit(`"schema":1`, `"schema":2`), "schema"},
		{"a plan of versions", edit(`"kind":"image"`, `"kind":"versions"`), "kind"},
		{"an unknown kind", edit(`"kind":"image"`, `"kind":"tarball"`), "kind"},
		{"an unknown field", edit(`"schema":1,`, `"schema":1,"frobs":1,`), "plan"},
		{"no base url", edit(`"base_url":"`+e.c.BaseURL()+`",`, ``), "base_url"},
		{"no registry", edit(`"registry":"`+e.rc.Location()+`",`, ``), "registry"},
		{"a registry that is no registry", edit(`"registry":"`+e.rc.Location()+`"`, `"registry":"ftp://x"`), "registry"},
		{"another repository", edit(`"repository":"acme/team/app"`, `"repository":"acme/other"`), "repository"},
		{"an unknown state", edit(`"state":"deleted"`, `"state":"lost"`), "images[0].manifests[1].state"},
		{"an item no image restores", edit(`"id":`+itoa(plan.Items[0].ID), `"id":999999`), "items[0].id"},
	}
	for _, tt := range parse {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := image.ParsePlan([]byte(tt.json)); !isField(err, tt.field) {
				t.Errorf("err = %v, want a validation error of %s", err, tt.field)
			}
		})
	}
	other := plan
	other.Package = api.Package{Owner: api.Org("acme"), Type: api.PackageTypeContainer, Name: "other"}
	apply := []struct {
		name  string
		plan  image.Plan
		field string
	}{
		{"another API", withHeader(plan, func(p *image.Plan) { p.BaseURL = "https://ghe.example.com/api/v3" }), "base_url"},
		{"another registry", withHeader(plan, func(p *image.Plan) { p.Registry = "registry.example.com" }), "registry"},
		{"another kind", withHeader(plan, func(p *image.Plan) { p.Kind = api.PlanKindVersions }), "kind"},
		{"another schema", withHeader(plan, func(p *image.Plan) { p.Schema = 2 }), "schema"},
		{"another package", other, "package"},
	}
	for _, tt := range apply {
		t.Run("apply/"+tt.name, func(t *testing.T) {
			e.gh.ResetRequests()
			if _, err := e.r.Apply(ctx(t), tt.plan, nil); !isField(err, tt.field) {
				t.Errorf("err = %v, want a validation error of %s", err, tt.field)
			}
			for _, r := range e.gh.Requests() {
				if r.Method == http.MethodPost {
					t.Errorf("sent %s %s", r.Method, r.RawPath)
				}
			}
		})
	}
}

func withHeader(p image.Plan, fn func(*image.Plan)) image.Plan {
	fn(&p)
	return p
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
