package api_test

import (
	"testing"

	"github.com/ghpackages/restore/api"
)

func TestResolveBaseURLMatchesTheClient(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "GITHUB_API_URL" {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		name, flag, envURL, want string
		wantErr                  bool
	}{
		{"default", "", "", api.DefaultBaseURL, false},
		{"environment", "", "https://ghes.example.com/api/v3", "https://ghes.example.com/api/v3", false},
		{"flag wins over environment", "ghes.example.com", "https://other.example.com/api/v3", "https://ghes.example.com/api/v3", false},
		{"GHE.com tenant", "octo.ghe.com", "", "https://api.octo.ghe.com", false},
		{"loopback http", "http://127.0.0.1:8080", "", "http://127.0.0.1:8080", false},
		{"plain http to a remote host", "http://ghes.example.com", "", "", true},
		{"blank flag falls back", "  ", "https://ghes.example.com/api/v3", "https://ghes.example.com/api/v3", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := api.ResolveBaseURL(tt.flag, env(tt.envURL))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("ResolveBaseURL(%q) = %q, %v; want %q (error %v)", tt.flag, got, err, tt.want, tt.wantErr)
			}
			if err != nil {
				return
			}
			opts := []api.Option{api.WithEnv(env(tt.envURL)), api.WithoutToken()}
			if tt.flag != "" && len(tt.flag) > 0 && tt.flag[0] != ' ' {
				opts = append(opts, api.WithBaseURL(tt.flag))
			}
			c, err := api.New(opts...)
			if err != nil {
				t.Fatal(err)
			}
			if c.BaseURL() != got {
				t.Errorf("the client says %q, ResolveBaseURL %q", c.BaseURL(), got)
			}
		})
	}
	if _, err := api.ResolveBaseURL("", nil); err != nil {
		t.Errorf("nil getenv: %v", err)
	}
}
