package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadIDsFromAnyText(t *testing.T) {
	d1 := "sha256:" + strings.Repeat("ab", 32)
	d2 := "sha256:" + strings.Repeat("0f", 32)
	log := strings.Join([]string{
		"2026-11-24T14:00:03.123Z Deleting versions of team/app",
		"  deleted 101 (untagged)",
		"102",
		"\t103\t104  ",
		"image ghcr.io/octo-org/team/app@" + d1 + " deleted",
		"uses: actions/delete-package-versions@v5 keep 3 min-versions-to-keep=10",
		"id=77 #78 79th v1.2.3 14:00 1e5 -5 +6",
		"digest " + strings.ToUpper(d2[:7]) + d2[7:] + ", and again " + d2,
		"too long to be a digest sha256:" + strings.Repeat("a", 65),
		"101 0 99999999999999999999999",
		"",
	}, "\n")
	got, err := readIDs(strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	// "3" of "keep 3" is a whitespace-separated token of digits: an id by the rule.
	if want := []int64{101, 102, 103, 104, 3}; !slices.Equal(got.ids, want) {
		t.Errorf("ids = %v, want %v", got.ids, want)
	}
	if want := []string{d1, d2}; !slices.Equal(got.digests, want) {
		t.Errorf("digests = %v, want %v", got.digests, want)
	}
	if got.ignored != 2 {
		t.Errorf("ignored %d, want 2 (0 and a number past int64)", got.ignored)
	}
	if s := got.String(); s != "5 version ids and 2 digests (2 numbers ignored: not a version id)" {
		t.Errorf("summary %q", s)
	}
}

func TestIDsFromStdinSelects(t *testing.T) {
	srv, d := fake(t)
	v, _ := srv.Version(d.Org, d.Image.Type, d.Image.Name, d.ImageDeleted[1])
	log := "2026-11-24T14:00:00Z removed " + itoa(d.ImageDeleted[0]) + "\nremoved " + v.Name + " at 14:02\n"
	r := withToken(d)
	r.stdin = log
	out, errOut, code := r.do(t, "--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--ids-from", "-", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Count(out, `"type":"plan_item"`) != 2 || !strings.Contains(out, `"id":`+itoa(d.ImageDeleted[0])) || !strings.Contains(out, `"id":`+itoa(d.ImageDeleted[1])) {
		t.Errorf("plan:\n%s", out)
	}
	r.stdin = "nothing here 2026-11-24\n"
	if _, errOut, code := r.do(t, "--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--ids-from", "-"); code != 2 || !strings.Contains(errOut, "found no version id") {
		t.Errorf("empty input: exit %d: %s", code, errOut)
	}
}

func TestIDsFromAnOverlongLineIsBadInputNamingTheFlag(t *testing.T) {
	long := strings.Repeat("x", maxIDLine+1) + "\n101\n"
	path := filepath.Join(t.TempDir(), "log.txt")
	if err := os.WriteFile(path, []byte(long), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"-", path} {
		_, err := openIDs(name, strings.NewReader(long))
		if err == nil || codeOf(err, exitFailed) != exitUsage || !strings.Contains(message(err), "--ids-from "+name+": a line is longer than 4 MiB") {
			t.Errorf("openIDs(%q): exit %d, error %v; want exit %d naming --ids-from", name, codeOf(err, exitFailed), err, exitUsage)
		}
	}
}
