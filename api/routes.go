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

// Operation is one kind of call the client makes. GitHub gives each route
// its own operationId, which depends on the owner: ID returns it. Errors
// carry the operationId of the route that was used (Error.Op).
type Operation uint8

// The client's operations.
const (
	// OpRestoreVersion restores one deleted version.
	OpRestoreVersion Operation = iota + 1
	// OpListVersions lists a package's versions.
	OpListVersions
	// OpGetVersion gets one version.
	OpGetVersion
	// OpRestorePackage restores a package deleted as a whole.
	OpRestorePackage
	// OpListPackages lists an owner's packages of one type.
	OpListPackages
	// OpRateLimit reads the token's rate limits (GET /rate_limit); it has
	// no owner.
	OpRateLimit
	// OpGetWorkflowRun reads one GitHub Actions workflow run (GET
	// /repos/{owner}/{repo}/actions/runs/{run_id}); it has no package owner.
	OpGetWorkflowRun
	// OpContainerRegistryURL asks for the container registry of the API's
	// host (GET /packages/container-registry-url, undocumented); it has no
	// owner.
	OpContainerRegistryURL
)

// operationIDs are GitHub's operationIds, by operation and owner kind
// (organization, named user, authenticated user).
var operationIDs = [...][3]string{
	OpRestoreVersion:       {"packages/restore-package-version-for-org", "packages/restore-package-version-for-user", "packages/restore-package-version-for-authenticated-user"},
	OpListVersions:         {"packages/get-all-package-versions-for-package-owned-by-org", "packages/get-all-package-versions-for-package-owned-by-user", "packages/get-all-package-versions-for-package-owned-by-authenticated-user"},
	OpGetVersion:           {"packages/get-package-version-for-organization", "packages/get-package-version-for-user", "packages/get-package-version-for-authenticated-user"},
	OpRestorePackage:       {"packages/restore-package-for-org", "packages/restore-package-for-user", "packages/restore-package-for-authenticated-user"},
	OpListPackages:         {"packages/list-packages-for-organization", "packages/list-packages-for-user", "packages/list-packages-for-authenticated-user"},
	OpRateLimit:            {"rate-limit/get", "rate-limit/get", "rate-limit/get"},
	OpGetWorkflowRun:       {"actions/get-workflow-run", "actions/get-workflow-run", "actions/get-workflow-run"},
	OpContainerRegistryURL: {"packages/get-container-registry-url", "packages/get-container-registry-url", "packages/get-container-registry-url"},
}

// ID is GitHub's operationId of op for an owner of kind k, for example
// "packages/restore-package-version-for-org" for OpRestoreVersion and
// OwnerOrg. The operations without an owner have one id for every kind:
// OpRateLimit's is "rate-limit/get", OpContainerRegistryURL's
// "packages/get-container-registry-url". It is "" for an unknown operation
// or kind.
func (op Operation) ID(k OwnerKind) string {
	if op == 0 || int(op) >= len(operationIDs) {
		return ""
	}
	switch k {
	case OwnerOrg:
		return operationIDs[op][0]
	case OwnerUser:
		return operationIDs[op][1]
	case OwnerMe:
		return operationIDs[op][2]
	}
	if op == OpRateLimit || op == OpGetWorkflowRun || op == OpContainerRegistryURL {
		return operationIDs[op][0]
	}
	return ""
}

// String is the operation's Go name, such as "OpRestoreVersion".
func (op Operation) String() string {
	switch op {
	case OpRestoreVersion:
		return "OpRestoreVersion"
	case OpListVersions:
		return "OpListVersions"
	case OpGetVersion:
		return "OpGetVersion"
	case OpRestorePackage:
		return "OpRestorePackage"
	case OpListPackages:
		return "OpListPackages"
	case OpRateLimit:
		return "OpRateLimit"
	case OpGetWorkflowRun:
		return "OpGetWorkflowRun"
	case OpContainerRegistryURL:
		return "OpContainerRegistryURL"
	}
	return "Operation(" + strconv.Itoa(int(op)) + ")"
}

// writePackageURL writes {base}{owner}/packages/{package_type}/{package_name}
// into a builder the caller owns (on its stack: no allocation for it).
func (c *Client) writePackageURL(b *strings.Builder, pkg Package, extra int) {
	b.Grow(len(c.baseStr) + len(pkg.Owner.login) + len(pkg.Type) + len(pkg.Name) + 48 + extra)
	b.WriteString(c.baseStr)
	pkg.Owner.writePath(b)
	b.WriteString("/packages/")
	b.WriteString(url.PathEscape(string(pkg.Type)))
	b.WriteByte('/')
	b.WriteString(url.PathEscape(pkg.Name))
}

// versionURL is …/versions/{package_version_id}[/restore].
func (c *Client) versionURL(pkg Package, id int64, restore bool) string {
	var b strings.Builder
	c.writePackageURL(&b, pkg, 0)
	b.WriteString("/versions/")
	var num [20]byte
	b.Write(strconv.AppendInt(num[:0], id, 10))
	if restore {
		b.WriteString("/restore")
	}
	return b.String()
}

// versionsURL is …/versions?per_page=N&state=S (query keys sorted, as
// url.Values.Encode writes them).
func (c *Client) versionsURL(pkg Package, state State, perPage int) string {
	var b strings.Builder
	c.writePackageURL(&b, pkg, 0)
	b.WriteString("/versions?per_page=")
	b.WriteString(strconv.Itoa(perPage))
	b.WriteString("&state=")
	b.WriteString(url.QueryEscape(string(state)))
	return b.String()
}

// packagesURL is {owner}/packages?package_type=T[&visibility=V]&per_page=N
// (query keys in the order of the description's parameters, as gen's
// builders write them).
func (c *Client) packagesURL(owner Owner, typ PackageType, perPage int, visibility string) string {
	var b strings.Builder
	b.Grow(len(c.baseStr) + len(owner.login) + len(typ) + len(visibility) + 64)
	b.WriteString(c.baseStr)
	owner.writePath(&b)
	b.WriteString("/packages?package_type=")
	b.WriteString(url.QueryEscape(string(typ)))
	if visibility != "" {
		b.WriteString("&visibility=")
		b.WriteString(url.QueryEscape(visibility))
	}
	b.WriteString("&per_page=")
	b.WriteString(strconv.Itoa(perPage))
	return b.String()
}

// packageRestoreURL is …/{package_name}/restore[?token=T].
func (c *Client) packageRestoreURL(pkg Package, token string) string {
	var b strings.Builder
	c.writePackageURL(&b, pkg, len(token)*3)
	b.WriteString("/restore")
	if token != "" {
		b.WriteString("?token=")
		b.WriteString(url.QueryEscape(token))
	}
	return b.String()
}

func (c *Client) rateLimitURL() string { return c.baseStr + "/rate_limit" }

func (c *Client) containerRegistryURL() string {
	return c.baseStr + "/packages/container-registry-url"
}

// send performs one request of a facade call through the client's stack.
func (c *Client) send(ctx context.Context, method, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	return c.do(req)
}
