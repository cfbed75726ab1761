// Package api restores deleted GitHub Packages versions and packages of an
// organization, a named user or the authenticated user.
//
// A Package names its Owner (Org, User or Me); every call takes its route
// from the owner (/orgs/{org}, /users/{username}, /user), so one method
// serves all three. Client.Packages lists an owner's packages of a type.
//
// It wraps the client generated from GitHub's OpenAPI description (package
// gen) with what a careful caller needs:
//
//   - inputs checked before anything is sent (*ValidationError names the
//     field); "/" inside a package name is sent as %2F;
//   - GitHub's headers (Accept, X-GitHub-Api-Version, User-Agent) and the
//     token, sent only to the configured API host;
//   - GitHub Enterprise Server (a host name becomes https://HOST/api/v3) and
//     GITHUB_API_URL;
//   - typed errors: *Error (status, GitHub's message, request id, scopes and a
//     hint) and *RateLimitError, matched with errors.Is and errors.As;
//   - retries and rate limits as GitHub documents them, a local gate while
//     the primary limit is exhausted, writes paced one at a time, one second
//     apart, and a read budget (WithReadBudget; WithoutReadBudget for a
//     GitHub Enterprise Server whose rate limits are off);
//   - restores that succeed only on GitHub's 204, are idempotent for the
//     caller (OutcomeAlreadyActive, under GitHub's 204 and its 400 answer
//     for an active version), and say "unknown" (ErrOutcomeUnknown) when an
//     attempt may have taken effect and the check failed;
//   - listings that follow GitHub's Link headers (its /organizations/{id}
//     and /user/{id} forms) and never leave the listing asked for; a full
//     page without a Link is followed by the next page (GitHub omits it),
//     up to GitHub's cap of 10,000 results (*ListingCapError);
//   - the restore workflow: Select deleted versions, MakePlan, Apply (one
//     engine for version plans and, through ApplyItems, image plans: a
//     Journal to resume, a Report of done, in flight and not tried). Known
//     ids are restored with read:packages and write:packages alone: MakePlan
//     plans them unlisted when the deleted listing needs delete:packages,
//     and Apply names each version after restoring it.
//
// A minimal program:
//
//	c, err := api.New() // GH_TOKEN or GITHUB_TOKEN; GITHUB_API_URL or api.github.com
//	if err != nil { ... }
//	pkg := api.Package{Owner: api.Org("octo-org"), Type: api.PackageTypeContainer, Name: "team/app"}
//	out, err := c.RestoreVersion(ctx, pkg, 45763)
//
// Every wait goes through a Clock (WithClock); package api/apitest provides a
// fake GitHub and a fake clock, so that tests of code using this package are
// quick and never sleep.
//
// The transport stack, outside in: retries and rate limits, GitHub's
// redirect rules, the read budget, write pacing, the attempt bound, GitHub's
// headers and the token, then the caller's transport (or a pooled default).
// Client.HTTPClient returns it for use with the generated client. Its parts
// (the retry loop with a classifier per client, jittered backoff, one bound
// per attempt covering the headers and the body, wait events, the Clock,
// pacing, the read budget and the masking of tokens) come from one internal
// toolkit, which the registry client of package api/image is built from as
// well, with the registry's classifier: the two clients retry, bound, wait
// and mask alike. The shared types are this package's Clock, TimerClock,
// SystemClock, RetryPolicy, WaitEvent and WaitReason. Neither client
// retries what can never succeed: a host name that does not exist, a
// certificate it does not trust, an https request to a plain http server.
// Tokens the client knows, anything shaped like a GitHub token, and Bearer
// and Basic credentials are masked in every text from a server; other text
// (GitHub's messages) is kept as it came, control characters included, so a
// program printing an error to a terminal escapes it.
package api
