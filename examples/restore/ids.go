package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// digestRE finds sha256 digests anywhere on a line; the look-around is done
// by hand (RE2 has none): a digest must not run on into more hex digits.
var digestRE = regexp.MustCompile(`sha256:[0-9a-fA-F]{64}`)

// maxIDLine is the longest line --ids-from reads.
const maxIDLine = 4 << 20

// idsFound is what --ids-from read.
type idsFound struct {
	ids     []int64
	digests []string
	ignored int // all-digit tokens that are no version id (0, too long)
}

// readIDs reads version ids and digests from any text, such as a cleanup
// job's log. A version id is a whitespace-separated token made only of
// digits; a digest is "sha256:" and 64 hex digits anywhere on a line.
// Digits inside other tokens (timestamps, "@v5", "id=7") are not ids.
func readIDs(r io.Reader) (idsFound, error) {
	var f idsFound
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxIDLine)
	for sc.Scan() {
		line := sc.Text()
		for _, loc := range digestRE.FindAllStringIndex(line, -1) {
			if end := loc[1]; end < len(line) && isHex(line[end]) {
				continue
			}
			d := strings.ToLower(line[loc[0]:loc[1]])
			if !slices.Contains(f.digests, d) {
				f.digests = append(f.digests, d)
			}
		}
		for _, tok := range strings.Fields(line) {
			if !allDigits(tok) {
				continue
			}
			id, err := strconv.ParseInt(tok, 10, 64)
			if err != nil || id <= 0 {
				f.ignored++
				continue
			}
			if !slices.Contains(f.ids, id) {
				f.ids = append(f.ids, id)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return f, err
	}
	return f, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isHex(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F'
}

// openIDs reads --ids-from: a file, or stdin for "-". A read error is bad
// input (exit 2) that names the flag, for stdin as for a file.
func openIDs(name string, stdin io.Reader) (idsFound, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return idsFound{}, usageErr("--ids-from: %v", err)
		}
		defer f.Close()
		r = f
	}
	found, err := readIDs(r)
	if errors.Is(err, bufio.ErrTooLong) {
		return found, usageErr("--ids-from %s: a line is longer than %d MiB", name, maxIDLine>>20)
	}
	if err != nil {
		return found, usageErr("--ids-from %s: %v", name, err)
	}
	return found, nil
}

// String summarises what was read.
func (f idsFound) String() string {
	s := fmt.Sprintf("%s and %s", plural(len(f.ids), "version id"), plural(len(f.digests), "digest"))
	if f.ignored > 0 {
		s += fmt.Sprintf(" (%s ignored: not a version id)", plural(f.ignored, "number"))
	}
	return s
}
