package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
)

// A plan is saved for review, read back, and applied with a journal: an
// interrupted apply of the same plan resumes, sending no restore twice.
func ExampleParsePlan() {
	srv, c := demo()
	defer srv.Close()
	// Listing deleted versions needs delete:packages too.
	srv.AddToken(apitest.Token{Value: "ghp_example", Scopes: []string{"read:packages", "write:packages", "delete:packages"}})
	ctx := context.Background()
	pkg := api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "team/app"}

	plan, err := c.MakePlan(ctx, pkg, api.Selector{Tags: []string{"v1.*"}})
	if err != nil {
		panic(err)
	}
	data, _ := json.Marshal(plan) // written to a file, reviewed, ...

	saved, err := api.ParsePlan(data) // ... read back: the schema is checked
	if err != nil {
		panic(err)
	}
	dir, _ := os.MkdirTemp("", "plan")
	defer os.RemoveAll(dir)
	journal, err := api.OpenJournal(filepath.Join(dir, "plan.json.journal"))
	if err != nil {
		panic(err)
	}
	defer journal.Close()

	rep, err := c.Apply(ctx, saved, &api.ApplyOptions{Journal: journal})
	fmt.Println(len(saved.Items), "versions:", rep.Restored, "restored", err)

	// Run again: the journal says both are done; nothing is sent.
	srv.ResetRequests()
	rep, err = c.Apply(ctx, saved, &api.ApplyOptions{Journal: journal})
	fmt.Println(rep.Skipped, "skipped,", len(srv.Requests()), "requests", err)
	// Output:
	// 2 versions: 2 restored <nil>
	// 2 skipped, 0 requests <nil>
}

// A plan file is handed to the parser of its kind: api.ParsePlan for a plan
// of versions, image.ParsePlan for an image plan. Both are applied by the
// same engine, with the same journal and report.
func ExamplePlanKindOf() {
	for _, data := range []string{
		`{"schema":1,"base_url":"https://api.github.com","items":[]}`,
		`{"schema":1,"kind":"image","base_url":"https://api.github.com","images":[]}`,
		`{"schema":2,"kind":"image"}`,
	} {
		kind, err := api.PlanKindOf([]byte(data))
		var ve *api.ValidationError
		if errors.As(err, &ve) {
			fmt.Println("refused: the field", ve.Field)
			continue
		}
		fmt.Println(kind)
	}
	// Output:
	// versions
	// image
	// refused: the field schema
}
