package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api/apitest"
)

// The structure of the quickstart's report is pinned: sections in order, one
// line per deleted version and per restore, both injected faults handled.
func TestQuickstartOutput(t *testing.T) {
	clk := apitest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	var out bytes.Buffer
	if err := run(context.Background(), &out, clk, demoPacing); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	text := out.String()
	sections := []string{
		"restore quickstart: a fake GitHub in this process; no token, no network.",
		"Writes are paced 200ms apart for the demo",
		"1. Deleted versions of octo-org/container/team/app:",
		"2. Plan: restore 5 versions of octo-org/container/team/app; octo-org/npm/left-pad is deleted whole",
		"3. Apply (the fake answers one 502 and one secondary rate limit on the way):",
		"4. Verify: 5 of 5 versions active again; octo-org/npm/left-pad lists its versions again: true.",
		"Applying the plan again: 5 already active, 0 restored, 0 failed (a safe no-op).",
		"Done: restored 11 versions (6 of them an image's manifests) and 1 package in",
	}
	at := 0
	for _, s := range sections {
		i := strings.Index(text[at:], s)
		if i < 0 {
			t.Fatalf("missing, or out of order: %q\n%s", s, text)
		}
		at += i + len(s)
	}
	patterns := map[string]int{
		`(?m)^   \d+  sha256:[0-9a-f]{12}…  \S+\s+deleted 2026-11-23, 28 days left to restore$`: 5,
		`(?m)^   \[\d/5\] \d+ restored$`: 5,
		`(?m)^   retry: GitHub answered 502 \(server error\); waiting \d+ms before attempt 2$`:      1,
		`(?m)^   retry: GitHub answered 403 \(secondary rate limit\); waiting 1s before attempt 2$`: 1,
		`(?m)^   package octo-org/npm/left-pad: restored$`:                                          1,
		`\(untagged\)`: 2,
	}
	for p, n := range patterns {
		if got := len(regexp.MustCompile(p).FindAllString(text, -1)); got != n {
			t.Errorf("%d lines match %s, want %d\n%s", got, p, n, text)
		}
	}
	if clk.Slept() == 0 {
		t.Error("no wait went through the injected clock")
	}
}
