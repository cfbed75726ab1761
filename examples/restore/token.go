package main

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os/exec"
	"strings"
	"time"
)

// token is the token the tool found, and where.
type token struct {
	value string
	// from names the source for messages: GH_TOKEN, GITHUB_TOKEN, or gh.
	from string
	// host is the gh host the token was asked for ("" unless from gh).
	host string
}

// refreshScopes is the gh command that gives gh's token the scopes the tool
// needs.
const refreshScopes = "gh auth refresh -s read:packages,write:packages,delete:packages"

// refreshCommand is refreshScopes for t's host.
func (t token) refreshCommand() string {
	if t.host == "" || t.host == "github.com" {
		return refreshScopes
	}
	return refreshScopes + " --hostname " + t.host
}

// ghHost is the host gh knows the API by: github.com for api.github.com,
// the tenant for api.TENANT.ghe.com, else the API URL's host (a GitHub
// Enterprise Server, whose API lives under /api/v3 on its own host).
func ghHost(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return ""
	}
	h := u.Host
	switch {
	case h == "api.github.com":
		return "github.com"
	case strings.HasPrefix(h, "api.") && strings.HasSuffix(h, ".ghe.com"):
		return strings.TrimPrefix(h, "api.")
	}
	return h
}

// findToken looks for a token the way gh does: GH_TOKEN, then GITHUB_TOKEN,
// then gh's own login for the host, asked with `gh auth token --hostname
// HOST` when gh is on PATH. Running gh (rather than reading its files with
// go-gh) keeps working whatever gh stores the token in (its config file or
// the system keyring) and adds no dependency.
func findToken(ctx context.Context, getenv func(string) string, host string) (token, error) {
	for _, name := range []string{"GH_TOKEN", "GITHUB_TOKEN"} {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return token{value: v, from: name}, nil
		}
	}
	gh, err := exec.LookPath("gh")
	if err != nil {
		return token{}, noToken(host, "")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, gh, "auth", "token", "--hostname", host)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		why := strings.TrimSpace(stderr.String())
		if why == "" {
			why = err.Error()
		}
		return token{}, noToken(host, "gh has no login for "+host+" ("+escape(firstLine(why))+")")
	}
	v := strings.TrimSpace(stdout.String())
	if v == "" || strings.ContainsAny(v, " \t\r\n") {
		return token{}, noToken(host, "gh auth token printed no token for "+host)
	}
	return token{value: v, from: "gh", host: host}, nil
}

func noToken(host, why string) error {
	msg := "no token: set GH_TOKEN or GITHUB_TOKEN, or log in with gh"
	if why != "" {
		msg += " (" + why + ")"
	}
	msg += ":\n  gh auth login --hostname " + host + " --scopes read:packages,write:packages,delete:packages"
	return &exitError{code: exitUsage, err: errors.New(msg)}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
