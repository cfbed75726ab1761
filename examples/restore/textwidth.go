package main

import (
	"strings"
	"unicode/utf8"
)

// Text fits the terminal: every line printed on a terminal is at most its
// width, and nothing is wrapped or cut when the stream is not a terminal
// (width 0), so that logs and pipes keep every message on one line.

// cells is the number of terminal columns s takes: one per rune (the tool
// escapes control and format characters before printing).
func cells(s string) int { return utf8.RuneCountInString(s) }

// wrap breaks text into lines of at most width columns at spaces; lines
// after the first are indented by indent. A width of 0 or less (not a
// terminal) wraps nothing. Lines that start with two spaces are commands to
// copy: they keep their own indent and are continued with " \\" when too
// long. A word longer than a line (a URL) is kept whole.
func wrap(text string, width int, indent string) string {
	if width <= 0 {
		return text
	}
	width = max(width, 20)
	var b strings.Builder
	for pi, para := range strings.Split(text, "\n") {
		if strings.HasPrefix(para, "  ") {
			// A command to copy: its own indent, and, when too long, shell
			// continuation lines, so that it still pastes as one command.
			if pi > 0 {
				b.WriteString("\n")
			}
			b.WriteString(continued(para, width))
			continue
		}
		if pi > 0 {
			b.WriteString("\n" + indent)
		}
		col := 0
		if pi > 0 {
			col = cells(indent)
		}
		for i, word := range strings.Fields(para) {
			if i > 0 {
				if col+1+cells(word) > width {
					b.WriteString("\n" + indent)
					col = cells(indent)
				} else {
					b.WriteByte(' ')
					col++
				}
			}
			b.WriteString(word)
			col += cells(word)
		}
	}
	return b.String()
}

// continued breaks a command line longer than width at spaces, ending each
// line but the last with " \\" and indenting the next ones by four more.
func continued(cmd string, width int) string {
	if cells(cmd) <= width {
		return cmd
	}
	lead := cmd[:len(cmd)-len(strings.TrimLeft(cmd, " "))]
	var b strings.Builder
	line := lead
	for i, word := range strings.Fields(cmd) {
		switch {
		case i == 0:
			line += word
		case cells(line)+1+cells(word)+2 > width:
			b.WriteString(line + " \\\n")
			line = lead + "    " + word
		default:
			line += " " + word
		}
	}
	b.WriteString(line)
	return b.String()
}

// cut shortens s to n columns, ending with "…" when it had to cut.
func cut(s string, n int) string {
	if n <= 0 || cells(s) <= n {
		return s
	}
	if n == 1 {
		return "…"
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// table lays out rows in columns of at most width cells in all (0: no
// limit). When the natural widths do not fit, the columns marked in shrink
// are cut (with "…") down to their minimum, widest first, then the last
// column is cut.
type table struct {
	head   []string
	rows   [][]string
	shrink map[int]int // column → minimum width
}

// render writes the table, each line indented by indent.
func (t table) render(width int, indent string) string {
	n := len(t.head)
	w := make([]int, n)
	for _, r := range append([][]string{t.head}, t.rows...) {
		for i, s := range r {
			w[i] = max(w[i], cells(s))
		}
	}
	total := func() int {
		s := cells(indent) + 2*(n-1)
		for _, x := range w {
			s += x
		}
		return s
	}
	if width > 0 {
		for total() > width {
			best := -1
			for i, minW := range t.shrink {
				if w[i] > minW && (best < 0 || w[i] > w[best]) {
					best = i
				}
			}
			if best < 0 {
				break
			}
			w[best]--
		}
		if over := total() - width; over > 0 {
			w[n-1] = max(w[n-1]-over, 1)
		}
	}
	var b strings.Builder
	for _, r := range append([][]string{t.head}, t.rows...) {
		b.WriteString(indent)
		for i, s := range r {
			s = cut(s, w[i])
			b.WriteString(s)
			if i < n-1 {
				b.WriteString(strings.Repeat(" ", w[i]-cells(s)+2))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}
