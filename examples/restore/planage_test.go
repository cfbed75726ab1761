package main

import (
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
)

// A plan's age counts the versions that passed GitHub's window since, and
// skips items that could not be listed (no deletion time: their window is
// unknown), which would otherwise count as deleted in year 1.
func TestPlanAgeSkipsItemsWithoutADeletionTime(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	made := now.Add(-48 * time.Hour)
	tests := []struct {
		name  string
		items []api.PlanItem
		want  string
	}{
		{"unlisted only", []api.PlanItem{{ID: 1}}, "Plan made 2 days ago (2026-12-01T12:00:00Z)."},
		{"one gone, one unlisted", []api.PlanItem{{ID: 1}, {ID: 2, DeletedAt: now.Add(-31 * 24 * time.Hour)}},
			"; 1 version passed GitHub's 30-day window since and cannot be restored."},
		{"in the window", []api.PlanItem{{ID: 2, DeletedAt: now.Add(-24 * time.Hour)}}, "Plan made 2 days ago (2026-12-01T12:00:00Z)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := planAge(made, tt.items, now); !strings.HasSuffix(got, tt.want) {
				t.Errorf("got %q, want it to end with %q", got, tt.want)
			}
		})
	}
}
