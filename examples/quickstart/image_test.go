package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/ghpackages/restore/api/apitest"
)

// The second act: the image's six deleted children are planned by role and
// platform, restored, and verified whole platform by platform.
func TestQuickstartImageAct(t *testing.T) {
	clk := apitest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	var out bytes.Buffer
	if err := run(context.Background(), &out, clk, demoPacing); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	text := out.String()
	for p, n := range map[string]int{
		`(?m)^5\. A multi-arch image after a cleanup: 127\.0\.0\.1:\d+/octo-org/team/web:v1\.4\.0`:                         1,
		`(?m)^   The tag resolves, but docker pull --platform linux/arm64 fails: manifest unknown\.$`:                      1,
		`(?m)^6\. Plan from the registry's index and GitHub's deleted versions \(6 to restore\):$`:                         1,
		`(?m)^   index +sha256:[0-9a-f]{12}…  present$`:                                                                    1,
		`(?m)^   (platform|attestation) linux/(amd64|arm64|arm/v7) +sha256:[0-9a-f]{12}…  deleted -> restore version \d+$`: 6,
		`(?m)^   version \d+ \((platform|attestation) linux/[a-z0-9/]+\): restored$`:                                       6,
		`(?m)^   linux/(amd64|arm64|arm/v7) +whole \(2 manifests resolve\)$`:                                               3,
		`(?m)^   octo-org/team/web:v1\.4\.0 is whole again: 7 manifests resolve`:                                           1,
	} {
		if got := len(regexp.MustCompile(p).FindAllString(text, -1)); got != n {
			t.Errorf("%d lines match %s, want %d\n%s", got, p, n, text)
		}
	}
}
