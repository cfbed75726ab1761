// Package image restores whole container images: a multi-arch index, every
// platform image, the buildx attestation manifests and the cosign
// signatures, which GitHub keeps as separate package versions of one
// container package. The Packages REST API cannot tell which manifests an
// index references; the registry can. This package reads the registry
// (ghcr.io, or containers.HOST for GitHub Enterprise Server), maps each
// digest to its package version, and restores what is deleted through
// package api.
//
// The usual incident: a cleanup deleted the untagged children of a
// multi-arch image. The tag and the index still answer, but docker pull
// fails with "manifest unknown". A Restorer plans the image (every manifest
// with its role, platform, state and version id), applies the plan through
// the same engine as api.Client.Apply (pacing, retries, idempotent restore,
// journal, report), and verifies in the registry that every manifest
// resolves and each tag points at its root:
//
//	host, err := image.DiscoverRegistry(ctx, client) // ghcr.io for api.github.com
//	reg, err := image.NewRegistry(image.WithRegistry(host), image.WithToken(token))
//	r, err := image.NewRestorer(client, reg, pkg, nil)
//	plan, err := r.Plan(ctx, "v1.4.0") // changes nothing; json.Marshal saves it
//	done, err := r.Apply(ctx, plan, &api.ApplyOptions{Journal: journal})
//	// done.Report: restored, failed, unknown, in flight, not tried
//	report, err := r.Verify(ctx, done.Plan) // report.Whole(), Images[i].Platforms()
//
// A plan saved as JSON is read back with ParsePlan and applied as written
// (Apply refuses one made for another API host, registry or package).
// Broken plans every broken image of a package; Verify(ctx, Roots(tags...))
// checks images in the registry alone, without restoring anything.
// DiscoverRegistry asks the API for its registry, else applies GitHub's
// host rules, and never guesses one for a loopback or unknown API host.
//
// The registry client (Registry) is built on oras-go's registry/remote and
// auth packages. It exchanges the GitHub token for a registry token through
// the registry's 401 challenge and sends it nowhere else: a token realm or a
// redirect on another host is refused (ErrForeignHost). It asks for the four
// manifest media types, checks every digest, finds referrers through the
// OCI 1.1 API where the registry has it and through the tag schema
// (sha256-HEX, cosign's .sig/.att/.sbom) where it does not, as on ghcr.io,
// and bounds the reads in flight (WithMaxInFlight).
//
// Its transport is a stack of the REST client's parts (see package api):
// the same retry loop, with the registry's classifier, and the same
// api.RetryPolicy (WithRetryPolicy), api.Clock (WithClock), attempt bound
// (WithAttemptTimeout, 30 s by default, headers and body) and
// api.WaitEvent (WithWaitHook). A 429 waits as Retry-After says, else as
// the body's "retry-after: DURATION" says (ghcr.io's form), at least 100 ms
// with jitter; a 5xx, a transient network error and a timed-out attempt
// are retried after a jittered backoff; a host that does not exist, an
// untrusted certificate and an https request to an http server are not
// retried. A registry still answering 429 ends with a
// *RegistryRateLimitError (errors.Is api.ErrRateLimited). The GitHub token,
// the registry tokens it gets and anything shaped like a GitHub token or
// credentials are masked in every error (RegistryError, ResponseError's
// Message) and wait event. Its User-Agent is the REST client's
// (api.DefaultUserAgent).
//
// A program that imports only package api links none of this.
package image
