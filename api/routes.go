package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The URLs of the slice's operations. gen's generated request builders
// define them; these build the same bytes (url.PathEscape for each path
// parameter, as oapi-codegen's runtime does) without the builders'
// reflection and three URL parses per call, which cost about a fifth of a
// loopback round trip. TestRoutesMatchGenerated and FuzzRoutesMatchGenerated
// prove that both give byte-identical URLs for every valid input, so a
// change of the description that moves a route fails the tests after
// `go generate`.

func (c *Client) packageURL(pkg Package) *strings.Builder {
	b := new(strings.Builder)
	b.Grow(len(c.baseStr) + len(pkg.Org) + len(pkg.Type) + len(pkg.Name) + 48)
	b.WriteString(c.baseStr)
	b.WriteString("/orgs/")
	b.WriteString(url.PathEscape(pkg.Org))
	b.WriteString("/packages/")
	b.WriteString(url.PathEscape(string(pkg.Type)))
	b.WriteByte('/')
	b.WriteString(url.PathEscape(pkg.Name))
	return b
}

// versionURL is …/versions/{package_version_id}[/restore].
func (c *Client) versionURL(pkg Package, id int64, restore bool) string {
	b := c.packageURL(pkg)
	b.WriteString("/versions/")
	b.WriteString(strconv.FormatInt(id, 10))
	if restore {
		b.WriteString("/restore")
	}
	return b.String()
}

// versionsURL is …/versions?per_page=N&state=S (query keys sorted, as
// url.Values.Encode writes them).
func (c *Client) versionsURL(pkg Package, state State, perPage int) string {
	b := c.packageURL(pkg)
	b.WriteString("/versions?per_page=")
	b.WriteString(strconv.Itoa(perPage))
	b.WriteString("&state=")
	b.WriteString(url.QueryEscape(string(state)))
	return b.String()
}

// packageRestoreURL is …/{package_name}/restore.
func (c *Client) packageRestoreURL(pkg Package) string {
	b := c.packageURL(pkg)
	b.WriteString("/restore")
	return b.String()
}

func (c *Client) rateLimitURL() string { return c.baseStr + "/rate_limit" }

// send performs one request of a facade call through the client's stack.
func (c *Client) send(ctx context.Context, method, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	return c.hc.Do(req)
}
