package main

import (
	"fmt"
	"strings"

	"github.com/ghpackages/restore/api"
)

// Waits: what the tool says while a client waits, naming the host and the
// cause ("api.github.com: secondary rate limit", "HOST: connection
// refused").

// waited is the SDK's wait hook: what the tool waits for, why and how long.
func (r *reporter) waited(ev api.WaitEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.current != nil {
		r.wait, r.waitEnds = &ev, r.now().Add(ev.Wait)
	}
	switch r.mode {
	case modeJSON:
		v := waitEvent{Event: "wait", Host: r.host, Cause: causeOf(ev), Reason: string(ev.Reason), Seconds: ev.Wait.Seconds(), Until: untilText(ev.Until),
			Method: ev.Method, Path: escape(ev.Path), Status: ev.Status, Attempt: ev.Attempt, RequestID: escape(ev.RequestID), Message: waitText(r.host, ev)}
		emit(r.stdout, v)
	case modeTTY:
		if ev.Reason == api.ReasonPacing {
			r.draw() // routine: only on the progress line
			return
		}
		text := wrap("waiting "+waitText(r.host, ev), r.width, "  ")
		r.println(r.stderr, r.paint(yellow, "waiting")+strings.TrimPrefix(text, "waiting"))
	default:
		if ev.Reason == api.ReasonPacing && r.pacingTold {
			return // said once, when the apply began
		}
		fmt.Fprintln(r.stderr, "waiting "+waitText(r.host, ev))
	}
}

// registryWaited is the registry client's wait hook: the registry's host
// and the cause ("HOST: connection refused", "HOST: rate limit (429)").
func (r *reporter) registryWaited(host string, ev api.WaitEvent) {
	cause := causeOf(ev)
	switch ev.Reason {
	case api.ReasonRegistryLimit:
		cause = fmt.Sprintf("rate limit (%d)", max(ev.Status, 429))
	case api.ReasonServerError:
		cause = fmt.Sprintf("server error %d", ev.Status)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	text := fmt.Sprintf("%s: %s: %s (%s %s, before attempt %d)", roundDuration(ev.Wait), escape(host), cause, ev.Method, escape(ev.Path), ev.Attempt)
	switch r.mode {
	case modeJSON:
		emit(r.stdout, waitEvent{Event: "wait", Host: escape(host), Cause: cause, Reason: string(ev.Reason), Seconds: ev.Wait.Seconds(),
			Until: untilText(ev.Until), Method: ev.Method, Path: escape(ev.Path), Status: ev.Status, Attempt: ev.Attempt, Message: text})
	case modeTTY:
		r.println(r.stderr, r.paint(yellow, "waiting")+" "+wrap(text, r.width-8, "  "))
	default:
		fmt.Fprintln(r.stderr, "waiting "+text)
	}
}

// causeOf is why the client waits, in a few words: "secondary rate limit",
// "connection refused".
func causeOf(ev api.WaitEvent) string {
	switch ev.Reason {
	case api.ReasonSecondaryLimit:
		return "secondary rate limit"
	case api.ReasonPrimaryLimit, api.ReasonGate:
		return "primary rate limit used up"
	case api.ReasonServerError:
		return fmt.Sprintf("server error %d", ev.Status)
	case api.ReasonNetwork:
		return networkCause(ev.Err)
	case api.ReasonTimeout:
		return "no answer within --timeout"
	case api.ReasonTransientRestore:
		return "restore not possible yet"
	case api.ReasonPacing:
		return "pacing"
	case api.ReasonReadBudget:
		return "read budget spent"
	}
	return escape(string(ev.Reason))
}

// networkCause names a network error the way a user knows it.
func networkCause(err error) string {
	if err == nil {
		return "network error"
	}
	s := strings.ToLower(err.Error())
	for _, c := range []string{"connection refused", "connection reset", "no such host", "i/o timeout", "tls", "certificate", "eof", "broken pipe", "network is unreachable"} {
		if strings.Contains(s, c) {
			if c == "eof" {
				return "connection closed"
			}
			if c == "tls" || c == "certificate" {
				return "TLS error"
			}
			return c
		}
	}
	return "network error"
}

// waitText says how long, for which host, why, and the request.
func waitText(host string, ev api.WaitEvent) string {
	d := roundDuration(ev.Wait)
	req := ev.Method + " " + escape(ev.Path)
	h := escape(host)
	switch ev.Reason {
	case api.ReasonSecondaryLimit:
		return fmt.Sprintf("%s: %s: secondary rate limit (answer %d to %s); then it retries", d, h, ev.Status, req)
	case api.ReasonPrimaryLimit:
		return fmt.Sprintf("%s: %s: primary rate limit used up until %s (answer %d to %s)", d, h, ev.Until.Local().Format("15:04:05"), ev.Status, req)
	case api.ReasonGate:
		return fmt.Sprintf("%s: %s: primary rate limit used up until %s; %s waits for it", d, h, ev.Until.Local().Format("15:04:05"), req)
	case api.ReasonServerError:
		return fmt.Sprintf("%s: %s: server error %d (%s, before attempt %d)", d, h, ev.Status, req, ev.Attempt)
	case api.ReasonNetwork:
		return fmt.Sprintf("%s: %s: %s (%s, before attempt %d)", d, h, networkCause(ev.Err), req, ev.Attempt)
	case api.ReasonTimeout:
		return fmt.Sprintf("%s: %s: no answer within --timeout (%s, before attempt %d)", d, h, req, ev.Attempt)
	case api.ReasonTransientRestore:
		return fmt.Sprintf("%s: %s: GitHub asked to try the restore again later (answer %d to %s)", d, h, ev.Status, req)
	case api.ReasonPacing:
		return fmt.Sprintf("%s: pacing, restores go at least --pacing apart as GitHub asks", d)
	case api.ReasonReadBudget:
		return fmt.Sprintf("%s: the read budget for this minute is spent (%s; see --no-read-budget)", d, req)
	}
	return fmt.Sprintf("%s: %s: %s (%s)", d, h, escape(string(ev.Reason)), req)
}
