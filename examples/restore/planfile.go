package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ghpackages/restore/api"
)

// journalPath is where the journal of a plan file lives: next to it, as
// FILE.journal, so that it travels with the plan and a re-run finds it.
func journalPath(planFile string) string { return planFile + ".journal" }

// savePlan writes the plan (an api.Plan or an image.Plan) as indented
// JSON, atomically (a temporary file renamed over FILE). First it opens the
// journal FILE.journal (api.OpenJournal, which takes its lock) and resets
// it: the outcomes of an earlier plan of the same name belong to another
// plan. A journal another run holds is never touched (api.ErrJournalInUse:
// nothing is written), and one that is not a regular file is refused.
// The journal is returned open, for the apply that follows.
func savePlan(name string, p any) (j *api.FileJournal, stale bool, err error) {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, false, err
	}
	j, err = openJournal(name)
	if err != nil {
		return nil, false, err
	}
	stale = j.Done() > 0
	if fi, err := os.Stat(journalPath(name)); err == nil && fi.Size() > 0 {
		stale = true
	}
	if err := j.Reset(); err != nil {
		j.Close()
		return nil, false, fmt.Errorf("--save-plan: resetting the journal %s: %w", journalPath(name), err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		j.Close()
		return nil, false, fmt.Errorf("--save-plan: %w", err)
	}
	_, werr := tmp.Write(append(data, '\n'))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		j.Close()
		return nil, false, fmt.Errorf("--save-plan: %w", err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		os.Remove(tmp.Name())
		j.Close()
		return nil, false, fmt.Errorf("--save-plan: %w", err)
	}
	return j, stale, nil
}

// openJournal opens the journal of a plan file, in the tool's words when
// another run holds it or it is not a regular file.
func openJournal(planFile string) (*api.FileJournal, error) {
	path := journalPath(planFile)
	j, err := api.OpenJournal(path)
	switch {
	case err == nil:
		return j, nil
	case errors.Is(err, api.ErrJournalInUse):
		return nil, withFix(exitFailed, "Wait for the other run to end, or save the plan to another file.",
			"the journal %s is in use by another run of this plan: nothing was sent", path)
	case errors.Is(err, api.ErrJournalNotRegular):
		return nil, withFix(exitUsage, "Remove it, or save the plan to another file.",
			"the journal %s is not a regular file (a symbolic link, a FIFO, a device or a directory): nothing was sent", path)
	}
	return nil, err
}

// journalFor is the journal an apply records in: the one --save-plan
// opened, else that of the plan file, else none. ok false ends the run with
// code.
func (c *cli) journalFor(planFile string) (j *api.FileJournal, code int, ok bool) {
	if c.journal != nil {
		j, c.journal = c.journal, nil
		return j, 0, true
	}
	if planFile == "" {
		return nil, 0, true
	}
	j, err := openJournal(planFile)
	if err != nil {
		return nil, c.fail(err), false
	}
	if n := j.Done(); n > 0 && c.talk != modeJSON {
		c.say(c.stdout, "Resuming: the journal %s records %s done.", journalPath(planFile), plural(n, "restore"))
	}
	return j, 0, true
}

// checkSavePlan refuses, before anything is sent, a --save-plan FILE that
// cannot be written: a directory, or a file in a directory that does not
// exist.
func checkSavePlan(name string) error {
	if fi, err := os.Stat(name); err == nil && fi.IsDir() {
		return usageErr("--save-plan %s is a directory: give a file name, such as %s", name, filepath.Join(name, "plan.json"))
	}
	dir := filepath.Dir(name)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return usageErr("--save-plan %s: the directory %s does not exist", name, dir)
	}
	return nil
}

// readPlanFile reads --plan FILE and tells its kind (api.PlanKindOf):
// versions (api.ParsePlan) or images (image.ParsePlan).
func readPlanFile(name string) ([]byte, api.PlanKind, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, "", usageErr("--plan: %v", err)
	}
	kind, err := api.PlanKindOf(data)
	if err != nil {
		return nil, "", usageErr("--plan %s: %s", name, message(err))
	}
	return data, kind, nil
}

// loadPlan parses a plan file of versions and checks it against the
// connection: the plan's API must be this one, and an owner given on the
// command line must be the plan's.
func loadPlan(name string, data []byte, baseURL string, owner api.Owner) (api.Plan, error) {
	p, err := api.ParsePlan(data)
	if err != nil {
		return api.Plan{}, usageErr("--plan %s: %s", name, message(err))
	}
	if err := checkPlanHeader(name, p.BaseURL, baseURL); err != nil {
		return api.Plan{}, err
	}
	if !owner.IsZero() {
		for _, pkg := range p.Packages() {
			if pkg.Owner != owner {
				return api.Plan{}, usageErr("--plan %s is for %s, not %s", name, escape(pkg.Owner.String()), owner)
			}
		}
	}
	return p, nil
}

// checkPlanHeader refuses a plan made against another API.
func checkPlanHeader(name, planBase, baseURL string) error {
	if strings.TrimRight(planBase, "/") != strings.TrimRight(baseURL, "/") {
		return usageErr("--plan %s was made against %s, not %s: version ids mean nothing on another host (give --base-url %s to use it)",
			name, escape(planBase), baseURL, escape(planBase))
	}
	return nil
}

// planAge says how old a plan is, and how many of its versions have run out
// of GitHub's restore window since. Items given by id and not listed (no
// deletion time) are not counted: their window is not known.
func planAge(madeAt time.Time, items []api.PlanItem, now time.Time) string {
	age := now.Sub(madeAt)
	s := fmt.Sprintf("Plan made %s ago (%s)", roundAge(age), madeAt.UTC().Format(time.RFC3339))
	gone := 0
	for _, it := range items {
		if !it.DeletedAt.IsZero() && it.DaysLeftAt(now) < 0 {
			gone++
		}
	}
	if gone > 0 {
		s += fmt.Sprintf("; %s passed GitHub's 30-day window since and cannot be restored", plural(gone, "version"))
	}
	return s + "."
}

func roundAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < 48*time.Hour:
		return d.Round(time.Minute).String()
	}
	return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
}
