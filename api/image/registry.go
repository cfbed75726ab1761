package image

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/internal/wire"
)

// The four manifest media types the registry client asks for and reads.
const (
	MediaTypeOCIIndex      = ocispec.MediaTypeImageIndex
	MediaTypeOCIManifest   = ocispec.MediaTypeImageManifest
	MediaTypeDockerList    = "application/vnd.docker.distribution.manifest.list.v2+json"
	MediaTypeDockerImageV2 = "application/vnd.docker.distribution.manifest.v2+json"
)

var manifestMediaTypes = []string{MediaTypeOCIIndex, MediaTypeOCIManifest, MediaTypeDockerList, MediaTypeDockerImageV2}

// maxManifestBytes bounds the size of a manifest read (the registries'
// own limit is 4 MiB).
const maxManifestBytes = 4 << 20

// Reader is what the closure walk needs from a registry: resolve a tag or a
// digest, read a manifest, and find the manifests that refer to one. The
// Registry implements it; tests may substitute their own. A Reader that also
// has HasReferrersAPI(ctx, repo) (bool, error), as Registry does, is asked
// once per Restorer whether the OCI referrers API is there; without it, a
// plan finds referrers through the tag schema of the package's tags only.
type Reader interface {
	// Resolve finds what a tag or a digest points at, without reading the
	// manifest (HEAD).
	Resolve(ctx context.Context, repo, tagOrDigest string) (Descriptor, error)
	// Manifest reads the manifest a tag or digest points at (GET), checks its
	// digest and decodes it.
	Manifest(ctx context.Context, repo, tagOrDigest string) (Manifest, error)
	// Referrers lists the manifests that refer to a digest: signatures,
	// attestations, SBOMs.
	Referrers(ctx context.Context, repo, digest string) ([]Descriptor, error)
}

// Registry is a client of a container registry (ghcr.io, or a GitHub
// Enterprise Server's containers.HOST) for reading images. It is safe for
// concurrent use; at most WithMaxInFlight reads run at once.
type Registry struct {
	host      string // host[:port]
	plainHTTP bool
	client    *auth.Client
	sem       chan struct{}
	clock     api.Clock

	pool    *http.Transport // the default transport, nil with WithTransport
	secrets *wire.Secrets   // the tokens the client knows, masked in every text

	probeMu      sync.Mutex
	mu           sync.Mutex
	repos        map[string]*remote.Repository
	referrersAPI map[string]bool
}

// NewRegistry returns a registry client. Without WithRegistry it talks to
// ghcr.io; without a token it reads anonymously (public images only). Its
// transport is a stack of the REST client's parts (internal/wire): the same
// retry loop with the registry's classifier, jittered backoff, attempt
// bound, wait events, redaction and User-Agent (api.DefaultUserAgent).
func NewRegistry(opts ...RegistryOption) (*Registry, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	r := &Registry{
		host:      cfg.host,
		plainHTTP: cfg.plainHTTP,
		sem:       make(chan struct{}, cfg.maxInFlight),
		clock:     cfg.clock,
		repos:     map[string]*remote.Repository{},

		referrersAPI: map[string]bool{},
	}
	base := cfg.transport
	if base == nil {
		// A pool of its own, one connection per read in flight.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxConnsPerHost, t.MaxIdleConnsPerHost = cfg.maxInFlight+1, cfg.maxInFlight+1
		r.pool = t
		base = t
	}
	r.secrets = wire.NewSecrets(cfg.static)
	w := &wire.Waiter{Clock: cfg.clock, Hook: cfg.waitHook, Secrets: r.secrets}
	var rt http.RoundTripper = &sentNote{secrets: r.secrets, next: base}
	rt = &hostGuard{host: cfg.host, base: rt}
	rt = &wire.Timeout{Next: rt, After: cfg.attempt, Clock: cfg.clock, Err: &attemptTimeoutError{after: cfg.attempt}}
	rr := &registryRetry{policy: cfg.retry, clock: cfg.clock}
	rt = &wire.Retry{Next: rt, Policy: cfg.retry, Waiter: w, MaxBody: maxManifestBytes, Classify: rr.classify, GiveUp: rr.giveUp}
	r.client = &auth.Client{
		Client: &http.Client{Transport: rt, CheckRedirect: refuseRedirects},
		Header: http.Header{"User-Agent": {cfg.userAgent}},
		Cache:  auth.NewCache(),
	}
	if cfg.token != nil {
		host, user, token, sec := cfg.host, cfg.username, cfg.token, r.secrets
		r.client.Credential = func(ctx context.Context, hostport string) (auth.Credential, error) {
			// oras asks for the credential of the registry it talks to; the
			// host guard below also refuses to send anything to a realm on
			// another host.
			if !strings.EqualFold(hostport, host) {
				return auth.EmptyCredential, nil
			}
			t, err := token(ctx)
			if err != nil {
				return auth.EmptyCredential, &RegistryError{Op: "token", Err: ErrToken}
			}
			sec.Saw(t)
			return auth.Credential{Username: user, Password: t}, nil
		}
	}
	return r, nil
}

// CloseIdleConnections closes the idle connections of the client's own
// pool (not those of a transport given with WithTransport).
func (r *Registry) CloseIdleConnections() {
	if r.pool != nil {
		r.pool.CloseIdleConnections()
	}
}

// Location is the registry as WithRegistry takes it: its host[:port], or
// http://host[:port] for a plain-http (loopback) registry. Image plans keep
// it, so that a plan file says how its registry is reached.
func (r *Registry) Location() string {
	if r.plainHTTP {
		return "http://" + r.host
	}
	return r.host
}

// Clock returns the clock behind the client's waits (WithClock). A
// Restorer without a GitHub client waits on it too.
func (r *Registry) Clock() api.Clock { return r.clock }

// Host returns the registry's host (and port), as images are named:
// ghcr.io/OWNER/NAME.
func (r *Registry) Host() string { return r.host }

// String describes the client without its credentials.
func (r *Registry) String() string { return "image.Registry{" + r.host + "}" }

// Format prints String for every verb, so that %#v shows no token.
func (r *Registry) Format(f fmt.State, _ rune) { fmt.Fprint(f, r.String()) }

// repository returns the oras repository for repo (OWNER/NAME), made once
// so that its referrers capability is probed once.
func (r *Registry) repository(repo string) (*remote.Repository, error) {
	if err := validRepo(repo); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if rp, ok := r.repos[repo]; ok {
		return rp, nil
	}
	rp := &remote.Repository{
		Client:             r.client,
		Reference:          registry.Reference{Registry: r.host, Repository: repo},
		PlainHTTP:          r.plainHTTP,
		ManifestMediaTypes: manifestMediaTypes,
		MaxMetadataBytes:   maxManifestBytes,
		// A referrers list longer than this is not a list of signatures.
		ReferrerListMaxPages: 10,
	}
	r.repos[repo] = rp
	return rp, nil
}

// acquire takes one of the read slots, or returns ctx's error.
func (r *Registry) acquire(ctx context.Context) error {
	select {
	case r.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Registry) release() { <-r.sem }

// Resolve finds the digest and media type a tag or digest points at, with
// HEAD /v2/REPO/manifests/REF (distribution spec: "Checking if content exists
// in the registry",
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#checking-if-content-exists-in-the-registry).
// A manifest the registry does not serve (a deleted package version) is an
// error matching ErrManifestUnknown.
func (r *Registry) Resolve(ctx context.Context, repo, ref string) (Descriptor, error) {
	if err := validRef(ref); err != nil {
		return Descriptor{}, err
	}
	rp, err := r.repository(repo)
	if err != nil {
		return Descriptor{}, err
	}
	if err := r.acquire(ctx); err != nil {
		return Descriptor{}, err
	}
	defer r.release()
	d, err := rp.Resolve(ctx, ref)
	if err != nil {
		return Descriptor{}, r.wrap("resolve "+repo+":"+ref, err)
	}
	return descriptorFrom(d), nil
}

// Manifest reads and decodes the manifest a tag or digest points at, with
// GET /v2/REPO/manifests/REF and the four manifest media types in Accept
// (distribution spec: "Pulling manifests",
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests).
// The body's sha256 must match the digest asked for (or, for a tag, the
// digest the registry names); otherwise the error matches ErrDigestMismatch.
func (r *Registry) Manifest(ctx context.Context, repo, ref string) (Manifest, error) {
	if err := validRef(ref); err != nil {
		return Manifest{}, err
	}
	rp, err := r.repository(repo)
	if err != nil {
		return Manifest{}, err
	}
	if err := r.acquire(ctx); err != nil {
		return Manifest{}, err
	}
	defer r.release()
	op := "read " + repo + ":" + ref
	f, err := r.getManifest(ctx, rp.Reference.Repository, ref)
	if err != nil {
		return Manifest{}, r.wrap(op, err)
	}
	m, err := checkManifest(ref, f.headerDigest, f.contentType, f.body)
	if err != nil {
		return Manifest{}, r.wrap(op, err)
	}
	return m, nil
}

// wrap turns an oras error into a *RegistryError whose Err matches this
// package's sentinels, with every token the client knows, and anything
// shaped like a GitHub token or credentials, masked in its text.
func (r *Registry) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *RegistryError
	if errors.As(err, &e) {
		return err
	}
	var guard *ForeignHostError
	if errors.As(err, &guard) {
		return &RegistryError{Op: op, Err: guard}
	}
	var limited *RegistryRateLimitError
	if errors.As(err, &limited) {
		return &RegistryError{Op: op, Err: limited}
	}
	var resp *errcode.ErrorResponse
	if errors.As(err, &resp) {
		re := &ResponseError{Status: resp.StatusCode}
		for _, e := range resp.Errors {
			re.Codes = append(re.Codes, r.secrets.Redact(e.Code))
			if re.Message == "" {
				re.Message = r.secrets.Redact(e.Message)
			}
		}
		return &RegistryError{Op: op, Err: re}
	}
	switch {
	case errors.Is(err, errdef.ErrNotFound):
		return &RegistryError{Op: op, Err: ErrManifestUnknown}
	case strings.Contains(err.Error(), "invalid response; digest mismatch"):
		// oras' Resolve (HEAD) found a Docker-Content-Digest other than the
		// digest asked for; its error has no type of its own.
		return &RegistryError{Op: op, Err: fmt.Errorf("%w: %s", ErrDigestMismatch, r.secrets.Redact(err.Error()))}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return r.secrets.RedactError(err)
	}
	return &RegistryError{Op: op, Err: r.secrets.RedactError(err)}
}

// refuseRedirects keeps every request, and so the token, on the registry
// host: manifests are served directly, and a redirect is an error.
func refuseRedirects(req *http.Request, via []*http.Request) error {
	return &ForeignHostError{Host: req.URL.Host, Why: "redirect"}
}
