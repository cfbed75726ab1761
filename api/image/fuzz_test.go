package image

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/internal/wire"
)

// A manifest from the registry is decoded without panicking, and an index's
// children are only ever read from an index.
func FuzzDecodeManifest(f *testing.F) {
	f.Add(MediaTypeOCIIndex, []byte(`{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":1,"platform":{"os":"linux","architecture":"arm","variant":"v7"}}]}`))
	f.Add(MediaTypeOCIManifest, []byte(`{"schemaVersion":2,"config":{"mediaType":"application/vnd.in-toto+json"},"subject":{"digest":"sha256:00"}}`))
	f.Add("", []byte(`{"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[{}]}`))
	f.Add("text/html", []byte(`<html>`))
	f.Fuzz(func(t *testing.T, mediaType string, body []byte) {
		m, err := decodeManifest(Descriptor{Digest: "sha256:x", MediaType: mediaType}, body)
		if err != nil {
			return
		}
		if len(m.Children) > 0 && !m.IsIndex() {
			t.Fatalf("an image manifest (%s) with children", m.MediaType)
		}
		for _, c := range m.Children {
			if c.Platform != "" && strings.Count(c.Platform, "/") < 1 {
				t.Fatalf("platform %q is not os/arch", c.Platform)
			}
		}
	})
}

// A registry is plain http only on loopback, and its host is a bare
// host[:port].
func FuzzParseRegistry(f *testing.F) {
	for _, s := range []string{"ghcr.io", "http://127.0.0.1:5000", "http://localhost", "https://user@h", "http://[::1]:1/", "http://10.0.0.1", "HTTP://LOCALHOST"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		host, plain, err := ParseRegistry(s)
		if err != nil {
			return
		}
		if host == "" || strings.ContainsAny(host, "/@?# ") {
			t.Fatalf("ParseRegistry(%q) host %q", s, host)
		}
		if plain {
			h := host
			if hh, _, err := net.SplitHostPort(host); err == nil {
				h = hh
			}
			if !wire.IsLoopback(strings.Trim(h, "[]")) {
				t.Fatalf("ParseRegistry(%q): plain http to %q", s, host)
			}
		}
	})
}

// A 429's wait (Retry-After, else the body's "retry-after: DURATION")
// is never negative, a number in Retry-After is always read, and an absurd
// one is longer than any retry policy waits.
func FuzzLimitWait(f *testing.F) {
	for _, s := range []string{"7", "0", "-1", "99999999999999999999", "Wed, 21 Oct 2015 07:28:00 GMT", "soon", ""} {
		f.Add(s, "toomanyrequests: retry-after: 1.16676ms, allowed: 44000/minute")
	}
	f.Add("", `{"errors":[{"code":"TOOMANYREQUESTS","message":"retry-after: -3s"}]}`)
	f.Add("", "Retry-After: 2540400000000000000000h")
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v, body string) {
		resp := &http.Response{Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
		if v != "" {
			resp.Header.Set("Retry-After", v)
		}
		d, ok := limitWait(resp, now)
		digits := strings.TrimSpace(v)
		allDigits := digits != "" && len(digits) <= 4096 && strings.Trim(digits, "0123456789") == ""
		if allDigits && !ok {
			t.Fatalf("limitWait(%q) is not read: a number, however large, is a wait", v)
		}
		if rest, _ := io.ReadAll(resp.Body); string(rest) != body {
			t.Fatalf("limitWait consumed the body: %q left of %q", rest, body)
		}
		if !ok {
			return
		}
		if d < 0 {
			t.Fatalf("limitWait(%q, %q) = %s", v, body, d)
		}
		if n := strings.TrimLeft(digits, "0"); allDigits && len(n) > 12 && d <= api.DefaultRetryPolicy().MaxWait {
			t.Fatalf("limitWait(%q) = %s, want beyond any policy's MaxWait", v, d)
		}
	})
}
