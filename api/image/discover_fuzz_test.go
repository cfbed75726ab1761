package image

import (
	"net"
	"strings"
	"testing"

	"github.com/ghpackages/restore/internal/wire"
)

// GitHub's host rules never guess a registry on a loopback host or an IP
// address, and what they name is a registry WithRegistry takes, over https.
func FuzzRegistryByHostRules(f *testing.F) {
	for _, s := range []string{"https://api.github.com", "https://api.octo.ghe.com", "https://ghes.example.com/api/v3", "http://127.0.0.1:8080/api/v3", "https://[::1]/api/v3", "https://localhost/api/v3", "https://10.0.0.1/api/v3", "https://api..ghe.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, base string) {
		reg, ok := registryByHostRules(base)
		if !ok {
			return
		}
		host, plain, err := ParseRegistry(reg)
		if err != nil || plain {
			t.Fatalf("rules for %q named %q: %v, plain %v", base, reg, err, plain)
		}
		h := host
		if hh, _, err := net.SplitHostPort(host); err == nil {
			h = hh
		}
		h = strings.Trim(h, "[]")
		if wire.IsLoopback(h) || net.ParseIP(h) != nil || strings.HasSuffix(h, ".localhost") || strings.HasPrefix(strings.TrimPrefix(h, "containers."), "127.") {
			t.Fatalf("rules for %q guessed %q", base, reg)
		}
	})
}
