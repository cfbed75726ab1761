package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ghpackages/restore/api"
)

// mode is how the tool talks while it works.
type mode int

const (
	modePlain mode = iota // plain lines: results on stdout, waits on stderr
	modeTTY               // a progress line redrawn on stderr, a terminal
	modeJSON              // JSON event objects on stdout
)

// reporter prints progress, waits and results. Its methods are safe for
// concurrent use: the SDK's wait hook is called from the goroutine making a
// call, and on a terminal a ticker redraws the line every second.
type reporter struct {
	mu     sync.Mutex
	stdout io.Writer
	stderr io.Writer
	mode   mode
	color  bool
	width  int
	now    func() time.Time
	pacing time.Duration
	host   string // the API's host, which wait lines name

	began       time.Time
	done, total int
	current     *api.PlanItem
	wait        *api.WaitEvent
	waitEnds    time.Time
	lineShown   bool
	stop        chan struct{}
	stopped     chan struct{}
	pacingTold  bool
}

// ANSI colours, used on a terminal unless NO_COLOR is set.
const (
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	reset  = "\x1b[0m"
)

func (r *reporter) paint(color, s string) string {
	if !r.color {
		return s
	}
	return color + s + reset
}

// clearLine removes the progress line (lock held).
func (r *reporter) clearLine() {
	if r.lineShown {
		fmt.Fprint(r.stderr, "\r\x1b[K")
		r.lineShown = false
	}
}

// println prints a line to w above the progress line, which is drawn again
// (lock held).
func (r *reporter) println(w io.Writer, line string) {
	r.clearLine()
	fmt.Fprintln(w, line)
	r.draw()
}

// begin starts the apply phase: total versions.
func (r *reporter) begin(total int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.began, r.total = r.now(), total
	if r.mode == modePlain && r.pacing > 0 && total > 1 {
		fmt.Fprintf(r.stderr, "Restores are paced %s apart, as GitHub asks: about %s for %s.\n",
			r.pacing, roundDuration(time.Duration(total-1)*r.pacing), plural(total, "version"))
		r.pacingTold = true
	}
	if r.mode != modeTTY {
		return
	}
	r.stop, r.stopped = make(chan struct{}), make(chan struct{})
	go r.tick(r.stop, r.stopped)
	r.draw()
}

// tick redraws the progress line every second, so the elapsed time and a
// wait's countdown move.
func (r *reporter) tick(stop, stopped chan struct{}) {
	defer close(stopped)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			r.mu.Lock()
			r.draw()
			r.mu.Unlock()
		}
	}
}

// end stops the ticker and clears the progress line, so that what follows
// starts on its own line.
func (r *reporter) end() {
	r.mu.Lock()
	stop, stopped := r.stop, r.stopped
	r.stop = nil
	r.mu.Unlock()
	if stop != nil {
		close(stop)
		<-stopped
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clearLine()
	r.current, r.wait = nil, nil
}

// sending is ApplyOptions.Sending: the item being restored.
func (r *reporter) sending(p api.Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	it := p.Result.Item
	r.current, r.done, r.total, r.wait = &it, p.Done, p.Total, nil
	r.draw()
}

// progress is ApplyOptions.Progress: one version's result.
func (r *reporter) progress(p api.Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done, r.total, r.current, r.wait = p.Done, p.Total, nil, nil
	res := p.Result
	switch r.mode {
	case modeJSON:
		v := resultEvent{Event: "result", Package: res.Item.Package.String(), ID: res.Item.ID, Name: escape(res.Item.Name),
			Outcome: res.Outcome, Done: p.Done, Total: p.Total, Resumed: res.Resumed, Redeleted: res.Redeleted}
		if res.Err != nil {
			v.Error = message(res.Err)
		}
		emit(r.stdout, v)
	case modeTTY:
		if res.Err != nil || res.Outcome == api.OutcomeUnknown {
			color := red
			if res.Outcome == api.OutcomeUnknown {
				color = yellow
			}
			r.println(r.stderr, r.paint(color, string(res.Outcome))+" "+itemText(res.Item)+": "+wrap(message(res.Err), r.width, "    "))
		}
		r.draw()
	default:
		line := fmt.Sprintf("[%d/%d] %s %s", p.Done, p.Total, outcomeText(res), itemText(res.Item))
		if res.Redeleted {
			line += ": " + redeletedText
		}
		if res.Err != nil {
			line += ": " + wrap(message(res.Err), r.width, "    ")
		}
		fmt.Fprintln(r.stdout, line)
	}
}

// redeletedText says why a version the journal had done was restored
// again (api.Result.Redeleted).
const redeletedText = "deleted again after the journal's entry"

func outcomeText(res api.Result) string {
	s := strings.ReplaceAll(string(res.Outcome), "_", " ")
	switch {
	case res.Redeleted:
		s += " again"
	case res.Resumed:
		s += " (journal)"
	}
	return s
}

// itemText is "ID NAME" with the name escaped and digests shortened.
func itemText(it api.PlanItem) string {
	return fmt.Sprintf("%d %s", it.ID, short(escape(it.Name)))
}

// draw renders the progress line on a terminal (lock held).
func (r *reporter) draw() {
	if r.mode != modeTTY || r.stop == nil {
		return
	}
	now := r.now()
	elapsed := now.Sub(r.began)
	// The parts, and shorter forms to fall back on, so that the line fits
	// the terminal and keeps the time left: the digest goes first, then the
	// wait's reason, then the elapsed time.
	counter := fmt.Sprintf("[%d/%d]", r.done, r.total)
	item, itemShort := "", ""
	if r.current != nil {
		item, itemShort = " "+itemText(*r.current), " "+itoa64(r.current.ID)
	}
	state, stateShort := "", ""
	if r.wait != nil && now.Before(r.waitEnds) {
		state = fmt.Sprintf(" · waiting %s (%s)", roundDuration(r.waitEnds.Sub(now)), r.wait.Reason)
		stateShort = fmt.Sprintf(" · waiting %s", roundDuration(r.waitEnds.Sub(now)))
	} else if r.current != nil {
		state, stateShort = " · restoring", " · restoring"
	}
	spent := fmt.Sprintf(" · %s elapsed", clock(elapsed))
	left := ""
	if l, ok := r.timeLeft(elapsed); ok {
		left = fmt.Sprintf(" · ~%s left", clock(l))
	}
	candidates := []string{
		counter + item + state + spent + left,
		counter + itemShort + state + spent + left,
		counter + itemShort + stateShort + spent + left,
		counter + itemShort + stateShort + left,
	}
	line := candidates[len(candidates)-1]
	w := r.width - 1
	for _, c := range candidates {
		if w <= 10 || cells(c) <= w {
			line = c
			break
		}
	}
	if w > 10 {
		line = cut(line, w)
	}
	fmt.Fprint(r.stderr, "\r\x1b[K"+line)
	r.lineShown = true
}

// timeLeft estimates the rest from the pace so far, and at least the wait
// under way plus the pacing of the restores still to send.
func (r *reporter) timeLeft(elapsed time.Duration) (time.Duration, bool) {
	rest := r.total - r.done
	if rest <= 0 {
		return 0, false
	}
	est := time.Duration(rest-1) * r.pacing
	if r.wait != nil {
		est += max(r.waitEnds.Sub(r.now()), 0)
	}
	if r.done > 0 {
		est = max(est, elapsed/time.Duration(r.done)*time.Duration(rest))
	}
	return est, r.done > 0 || r.pacing > 0 || r.wait != nil
}

func clock(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// onTheWire reports whether a restore is being sent or answered: one is
// under way and the client is not waiting before an attempt.
func (r *reporter) onTheWire() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.current != nil && (r.wait == nil || !r.now().Before(r.waitEnds))
}

// idle says no restore is under way any more (image runs, which print
// their own lines and draw no progress line).
func (r *reporter) idle() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.current, r.wait = nil, nil
}

// note prints a line of the tool's own on stderr, above the progress line.
func (r *reporter) note(line string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.println(r.stderr, line)
}
