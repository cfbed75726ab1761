package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ghpackages/restore/api"
)

func TestEveryWaitSaysWhatWhyAndHowLong(t *testing.T) {
	until := time.Date(2026, 11, 26, 14, 15, 0, 0, time.UTC)
	base := api.WaitEvent{Method: "POST", Path: "/orgs/o/packages/npm/p/versions/7/restore", Attempt: 2, Until: until}
	tests := []struct {
		reason api.WaitReason
		status int
		wait   time.Duration
		want   string
	}{
		{api.ReasonSecondaryLimit, 403, time.Minute, "1m0s: api.github.com: secondary rate limit (answer 403 to POST /orgs/o/packages/npm/p/versions/7/restore)"},
		{api.ReasonPrimaryLimit, 403, 12 * time.Minute, "12m0s: api.github.com: primary rate limit used up until "},
		{api.ReasonGate, 0, 3 * time.Minute, "3m0s: api.github.com: primary rate limit used up until "},
		{api.ReasonServerError, 502, 1400 * time.Millisecond, "1.4s: api.github.com: server error 502 (POST /orgs/o/packages/npm/p/versions/7/restore, before attempt 2)"},
		{api.ReasonNetwork, 0, time.Second, "1s: api.github.com: connection reset (POST /orgs/o/packages/npm/p/versions/7/restore, before attempt 2)"},
		{api.ReasonTimeout, 0, 2 * time.Second, "2s: api.github.com: no answer within --timeout (POST /orgs/o/packages/npm/p/versions/7/restore, before attempt 2)"},
		{api.ReasonTransientRestore, 422, 4 * time.Second, "4s: api.github.com: GitHub asked to try the restore again later (answer 422"},
		{api.ReasonPacing, 0, 800 * time.Millisecond, "800ms: pacing, restores go at least --pacing apart as GitHub asks"},
		{api.ReasonReadBudget, 0, 5 * time.Second, "5s: the read budget for this minute is spent"},
	}
	for _, tt := range tests {
		ev := base
		ev.Reason, ev.Status, ev.Wait = tt.reason, tt.status, tt.wait
		if tt.reason == api.ReasonNetwork {
			ev.Err = errors.New("connection reset")
		}
		if got := waitText("api.github.com", ev); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: %q, want it to start with %q", tt.reason, got, tt.want)
		}
	}
}

func TestProgressLineEstimatesTimeLeft(t *testing.T) {
	now := time.Date(2026, 11, 26, 14, 0, 0, 0, time.UTC)
	var stderr bytes.Buffer
	r := &reporter{stderr: &stderr, stdout: &stderr, mode: modeTTY, width: 200, now: func() time.Time { return now }, pacing: time.Second}
	r.began, r.total, r.stop = now.Add(-20*time.Second), 10, make(chan struct{}) // ten versions, begun 20 s ago
	it := api.PlanItem{ID: 7, Name: "sha256:" + strings.Repeat("ab", 32)}
	r.sending(api.Progress{Done: 4, Total: 10, Result: api.Result{Item: it}})
	if got := stderr.String(); !strings.HasSuffix(got, "\r\x1b[K[4/10] 7 sha256:abababababab… · restoring · 0:20 elapsed · ~0:30 left") {
		t.Errorf("line = %q", got)
	}
	stderr.Reset()
	r.mode = modeTTY
	r.waited(api.WaitEvent{Reason: api.ReasonPacing, Wait: 40 * time.Second, Method: "POST", Path: "/x"})
	if got := stderr.String(); !strings.HasSuffix(got, "[4/10] 7 sha256:abababababab… · waiting 40s (write pacing) · 0:20 elapsed · ~0:45 left") {
		t.Errorf("line = %q", got)
	}
	if r.onTheWire() {
		t.Error("a restore waiting for pacing is said to be on the wire")
	}
	now = now.Add(41 * time.Second)
	if !r.onTheWire() {
		t.Error("after the wait the restore is not on the wire")
	}
}

// At 80 columns the progress line drops the digest and the wait's reason
// before it would cut the time left.
func TestProgressLineKeepsTheTimeLeftAt80Columns(t *testing.T) {
	now := time.Date(2026, 11, 26, 14, 0, 0, 0, time.UTC)
	var stderr bytes.Buffer
	r := &reporter{stderr: &stderr, stdout: &stderr, mode: modeTTY, width: 80, now: func() time.Time { return now }, pacing: time.Second}
	r.began, r.total, r.stop = now.Add(-6*time.Second), 5, make(chan struct{})
	it := api.PlanItem{ID: 4, Name: "sha256:" + strings.Repeat("ab", 32)}
	r.sending(api.Progress{Done: 3, Total: 5, Result: api.Result{Item: it}})
	r.waited(api.WaitEvent{Reason: api.ReasonSecondaryLimit, Wait: 57 * time.Second, Method: "POST", Path: "/x"})
	lines := strings.Split(stderr.String(), "\r\x1b[K")
	last := lines[len(lines)-1]
	if !strings.HasSuffix(last, "left") || utf8.RuneCountInString(last) > 79 {
		t.Errorf("line = %q (%d cells)", last, utf8.RuneCountInString(last))
	}
}
