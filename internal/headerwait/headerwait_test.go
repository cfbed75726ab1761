package headerwait

import (
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"7", 7 * time.Second, true},
		{" 0 ", 0, true},
		{"Thu, 26 Nov 2026 09:01:00 GMT", time.Minute, true},
		{"10000000000", Max, true},                      // 1e10 s: too long, not now
		{"9223372036854775807", Max, true},              // max int64
		{"99999999999999999999999999999999", Max, true}, // beyond int64
		{"Fri, 31 Dec 9999 23:59:59 GMT", Max, true},
		{"", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		at, ok := RetryAfter(tt.v, now)
		if ok != tt.ok || (ok && at.Sub(now) != tt.want) {
			t.Errorf("RetryAfter(%q) = %v, %v; want +%v, %v", tt.v, at.Sub(now), ok, tt.want, tt.ok)
		}
	}
}
