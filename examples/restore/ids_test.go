package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
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
	v, _ := srv.LookupVersion(d.Image, d.ImageDeleted[1])
	log := "2026-11-24T14:00:00Z removed " + itoa(d.ImageDeleted[0]) + "\nremoved " + v.Name + " at 14:02\n"
	r := withToken(d)
	r.stdin = log
	out, errOut, code := r.do(t, "--base-url", srv.URL, "--org", d.Org, "--type", "container", "--package", d.Image.Name, "--ids-from", "-", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Count(out, `"deleted_at":`) != 2 || !strings.Contains(out, `"id":`+itoa(d.ImageDeleted[0])) || !strings.Contains(out, `"id":`+itoa(d.ImageDeleted[1])) {
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

// readIDsByList is the reader as it was before issue 17 (item 9): the same
// rules, with each token searched for in the list read so far. It is the
// fuzz target's oracle: the linear reader must find exactly what it found.
func readIDsByList(text string) (ids []int64, digests []string, ignored int) {
	digestRE := regexp.MustCompile(`sha256:[0-9a-fA-F]{64}`)
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\n")
		line = strings.TrimSuffix(line, "\r") // bufio.ScanLines drops a CR before LF
		for _, loc := range digestRE.FindAllStringIndex(line, -1) {
			if end := loc[1]; end < len(line) && isHex(line[end]) {
				continue
			}
			if d := strings.ToLower(line[loc[0]:loc[1]]); !slices.Contains(digests, d) {
				digests = append(digests, d)
			}
		}
		for _, tok := range strings.Fields(line) {
			if !allDigits([]byte(tok)) {
				continue
			}
			id, err := strconv.ParseInt(tok, 10, 64)
			if err != nil || id <= 0 {
				ignored++
				continue
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	return ids, digests, ignored
}

// FuzzReadIDs checks the linear reader against the list-search oracle on
// any text: the same ids, digests and ignored count, in the same order, and
// exactly one set probe per id token and digest found.
func FuzzReadIDs(f *testing.F) {
	d := "sha256:" + strings.Repeat("ab", 32)
	for _, seed := range []string{
		"", "101\n102 103\n101", "id=7 #8 9th 0 -5 99999999999999999999999",
		"pulled @" + d + " and " + strings.ToUpper(d[7:]) + "sha256:" + d[7:] + "a",
		"sha256:sha256:" + d[7:] + "\r\n42\r\n", "101\u00a0102\u2003103\x85 104",
		d + d, "\xff\xfe 7 \x00 8",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got, err := readIDs(strings.NewReader(text))
		if err != nil {
			t.Fatal(err)
		}
		ids, digests, ignored := readIDsByList(text)
		if !slices.Equal(got.ids, ids) || !slices.Equal(got.digests, digests) || got.ignored != ignored {
			t.Fatalf("readIDs(%q) = %v %v %d; the list reader finds %v %v %d", text, got.ids, got.digests, got.ignored, ids, digests, ignored)
		}
		for _, id := range got.ids {
			if id <= 0 {
				t.Fatalf("id %d read", id)
			}
		}
	})
}

// TestReadIDsIsLinear reads logs of n and 4n distinct ids (400,000 at the
// largest, the size that was still being read after 12 s): the work (set
// probes) is one per token and the allocations per token do not grow with
// the input: no list search, no per-token allocation beyond the result.
func TestReadIDsIsLinear(t *testing.T) {
	logOf := func(n int) string {
		var b strings.Builder
		for i := range n {
			// Ids among other tokens and a digest now and then, ten to a line.
			fmt.Fprintf(&b, "%d", 700000000+i)
			switch {
			case i%10 == 9:
				b.WriteString("\n")
			case i%1000 == 500:
				fmt.Fprintf(&b, " sha256:%064x deleted ", i)
			default:
				b.WriteString(" v1.2 ")
			}
		}
		return b.String()
	}
	const n = 100_000
	var allocs [2]float64
	for i, size := range []int{n, 4 * n} {
		text := logOf(size)
		got, err := readIDs(strings.NewReader(text))
		if err != nil {
			t.Fatal(err)
		}
		if len(got.ids) != size || len(got.digests) != size/1000 {
			t.Fatalf("%d tokens: read %d ids and %d digests", size, len(got.ids), len(got.digests))
		}
		if want := size + size/1000; got.probes != want {
			t.Errorf("%d tokens: %d set probes, want %d (one per id and digest)", size, got.probes, want)
		}
		allocs[i] = testing.AllocsPerRun(1, func() { _, _ = readIDs(strings.NewReader(text)) })
	}
	// The result's slices and sets grow by doubling: allocations grow
	// slower than the input; 4× the input may cost at most 4× them.
	if allocs[1] > 4*allocs[0] {
		t.Errorf("allocations: %v for %d tokens, %v for %d: more than linear", allocs[0], n, allocs[1], 4*n)
	}
	if perToken := allocs[1] / (4 * n); perToken > 0.1 {
		t.Errorf("%.3f allocations per token; the reader allocates per token", perToken)
	}
}
