package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// maxIDLine is the longest line --ids-from reads.
const maxIDLine = 4 << 20

// idsFound is what --ids-from read.
type idsFound struct {
	ids     []int64
	digests []string
	ignored int // all-digit tokens that are no version id (0, too long)

	// The sets behind ids and digests: a token is checked against what
	// was read before in constant time, so a log of n tokens is read in
	// O(n) (issue 17 item 9: a list search made 400,000 tokens quadratic).
	seenIDs     map[int64]struct{}
	seenDigests map[string]struct{}
	// probes counts the look-ups into those sets: one per id token and
	// one per digest, the read's unit of work (tests bound it).
	probes int
}

// digestPrefix starts a digest; 64 hex digits follow.
const digestPrefix = "sha256:"

// readIDs reads version ids and digests from any text, such as a cleanup
// job's log. A version id is a whitespace-separated token made only of
// digits; a digest is "sha256:" and 64 hex digits anywhere on a line, not
// running on into more hex digits. Digits inside other tokens (timestamps,
// "@v5", "id=7") are not ids. Each is kept once, in the order first seen.
// It reads in time linear in the input.
func readIDs(r io.Reader) (idsFound, error) {
	f := idsFound{seenIDs: map[int64]struct{}{}, seenDigests: map[string]struct{}{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxIDLine)
	for sc.Scan() {
		line := sc.Bytes()
		f.readDigests(line)
		f.readTokens(line)
	}
	return f, sc.Err()
}

// readDigests finds the digests of a line.
func (f *idsFound) readDigests(line []byte) {
	for {
		i := bytes.Index(line, []byte(digestPrefix))
		if i < 0 {
			return
		}
		hex := line[i+len(digestPrefix):]
		n := 0
		for n < len(hex) && n <= 64 && isHex(hex[n]) {
			n++
		}
		if n == 64 {
			f.addDigest("sha256:" + string(bytes.ToLower(hex[:64])))
		}
		// A run of more than 64 hex digits is no digest; the search goes on
		// after what was read (a "sha256:" cannot start inside hex digits).
		line = hex[n:]
	}
}

// readTokens finds the version ids among a line's whitespace-separated
// tokens (white space as strings.Fields has it).
func (f *idsFound) readTokens(line []byte) {
	for tok := range bytes.FieldsSeq(line) {
		if !allDigits(tok) {
			continue
		}
		id, err := strconv.ParseInt(string(tok), 10, 64)
		if err != nil || id <= 0 {
			f.ignored++
			continue
		}
		f.probes++
		if _, dup := f.seenIDs[id]; !dup {
			f.seenIDs[id] = struct{}{}
			f.ids = append(f.ids, id)
		}
	}
}

func (f *idsFound) addDigest(d string) {
	f.probes++
	if _, dup := f.seenDigests[d]; !dup {
		f.seenDigests[d] = struct{}{}
		f.digests = append(f.digests, d)
	}
}

func allDigits(s []byte) bool {
	for _, b := range s {
		if b < '0' || b > '9' {
			return false
		}
	}
	return len(s) > 0
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
