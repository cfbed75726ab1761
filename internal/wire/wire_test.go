package wire_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/ghpackages/restore/internal/wire"
)

func TestRedactMasksTokensAndCredentials(t *testing.T) {
	const known = "s3cr3t-registry-token"
	tests := []struct{ name, in, want string }{
		{"known token", "echo " + known + "!", "echo [REDACTED]!"},
		{"GitHub-shaped", "password ghp_abcDEF123_x, then gho_Z", "password ghp_[REDACTED], then gho_[REDACTED]"},
		{"every prefix", "ghs_a ghu_b ghr_c github_pat_d", "ghs_[REDACTED] ghu_[REDACTED] ghr_[REDACTED] github_pat_[REDACTED]"},
		{"Bearer", "Authorization: Bearer eyJhbGciOi.J9x-y_z", "Authorization: Bearer [REDACTED]"},
		{"bearer, any case", "header bearer abcdefgh12345678", "header bearer [REDACTED]"},
		{"Basic user:password", "Authorization: Basic cmVzdG9yZTpzM2NyM3Q=", "Authorization: Basic [REDACTED]"},
		{"a challenge stays", `WWW-Authenticate: Bearer realm="https://r/token"`, `WWW-Authenticate: Bearer realm="https://r/token"`},
		{"prose stays", "basic authentication failed; bearer token expired", "basic authentication failed; bearer token expired"},
		{"a bare prefix stays", "ghp_ alone", "ghp_ alone"},
		{"inside a word stays", "xghp_abc", "xghp_abc"},
		{"nothing", "no secrets here", "no secrets here"},
	}
	s := wire.NewSecrets(known)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Redact(tt.in); got != tt.want {
				t.Fatalf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSecretsLearnWhatIsSent(t *testing.T) {
	s := wire.NewSecrets()
	s.SawAuthorization("Bearer opaque.registry.token")
	s.SawAuthorization("Basic " + "cmVzdG9yZTpvcGFxdWUtcGFzc3dvcmQ=") // restore:opaque-password
	text := s.Redact("a opaque.registry.token b opaque-password c")
	if text != "a [REDACTED] b [REDACTED] c" {
		t.Fatalf("Redact = %q", text)
	}
	err := s.RedactError(fmt.Errorf("wrapped: %w", io.ErrUnexpectedEOF))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatal("a masked error no longer unwraps")
	}
	err = s.RedactError(fmt.Errorf("opaque-password: %w", io.ErrUnexpectedEOF))
	if strings.Contains(err.Error(), "opaque-password") || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("RedactError = %v", err)
	}
	if got := fmt.Sprintf("%v %+v %#v", s, s, s); strings.Contains(got, "opaque") {
		t.Fatalf("formatting shows a token: %s", got)
	}
}

func TestTransientTellsWhatCanNeverSucceed(t *testing.T) {
	urlErr := func(err error) error { return &url.Error{Op: "Get", URL: "https://h/x", Err: err} }
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", urlErr(&net.OpError{Op: "dial", Err: errors.New("connection refused")}), true},
		{"reset", urlErr(io.ErrUnexpectedEOF), true},
		{"DNS not found", urlErr(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", IsNotFound: true}}), false},
		{"DNS timeout", urlErr(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "timeout", IsTimeout: true}}), true},
		{"unknown authority", urlErr(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), false},
		{"wrong host name", urlErr(x509.HostnameError{Certificate: &x509.Certificate{}, Host: "h"}), false},
		{"expired", urlErr(x509.CertificateInvalidError{Reason: x509.Expired}), false},
		{"http answer to https", urlErr(errors.New("http: server gave HTTP response to HTTPS client")), false},
		{"not a TLS handshake", urlErr(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), false},
		{"too large", &wire.TooLargeError{Limit: 10}, false},
	}
	for _, tt := range tests {
		if got := wire.Transient(tt.err); got != tt.want {
			t.Errorf("%s: Transient = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestReadCapped(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 300_000) // 3 MB, several chunks
	for _, hint := range []int64{-1, int64(len(data)), 5} {
		got, err := wire.ReadCapped(bytes.NewReader(data), hint, int64(len(data)))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("hint %d: %d bytes, %v; want the body whole", hint, len(got), err)
		}
		_, err = wire.ReadCapped(bytes.NewReader(data), hint, int64(len(data)-1))
		var tl *wire.TooLargeError
		if !errors.As(err, &tl) || tl.Limit != int64(len(data)-1) {
			t.Fatalf("hint %d: err = %v, want TooLargeError", hint, err)
		}
	}
	if got, err := wire.ReadCapped(strings.NewReader(""), 0, 10); err != nil || len(got) != 0 {
		t.Fatalf("empty: %q, %v", got, err)
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "app.localhost": true, "127.0.0.1": true, "127.9.9.9": true, "::1": true,
		"10.0.0.1": false, "example.com": false, "localhost.example.com": false, "": false,
	} {
		if got := wire.IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestBackoffIsJittered(t *testing.T) {
	p := wire.RetryPolicy{MaxAttempts: 5, MaxWait: 0, BaseDelay: 1000, MaxDelay: 4000}
	seen := map[int64]bool{}
	for range 50 {
		d := p.Backoff(3) // 4000, plus up to half
		if d < 4000 || d > 6000 {
			t.Fatalf("Backoff(3) = %d, want 4000 to 6000", d)
		}
		seen[int64(d)] = true
	}
	if len(seen) < 2 {
		t.Fatal("50 backoffs are all equal: no jitter, retries in lockstep")
	}
}
