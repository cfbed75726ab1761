package image

// Referrers: the manifests that refer to an image's (signatures,
// attestations, SBOMs), through the OCI 1.1 API where the registry has it
// and the tag schema where it does not.

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/ghpackages/restore/internal/wire"
)

// Referrers lists the manifests that refer to digest (signatures,
// attestations, SBOMs). It asks the OCI 1.1 referrers API,
// GET /v2/REPO/referrers/DIGEST (distribution spec: "Listing referrers",
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers),
// where the registry has it; a registry that answers 404, as ghcr.io does,
// is asked once and then read through the tag schema: the index tagged
// sha256-HEX. Cosign's tags sha256-HEX.sig, .att and .sbom are resolved as
// well. Referrers are not filtered by artifact type (ghcr's fallback index
// may report the empty type for cosign bundles).
func (r *Registry) Referrers(ctx context.Context, repo, dgst string) ([]Descriptor, error) {
	if err := validDigest("digest", dgst); err != nil {
		return nil, err
	}
	rp, err := r.repository(repo)
	if err != nil {
		return nil, err
	}
	if _, err := r.HasReferrersAPI(ctx, repo); err != nil {
		return nil, err
	}
	subject := ocispec.Descriptor{Digest: digest.Digest(dgst), MediaType: MediaTypeOCIManifest}
	var out []Descriptor
	seen := map[string]bool{}
	err = func() error {
		if err := r.acquire(ctx); err != nil {
			return err
		}
		defer r.release()
		return rp.Referrers(ctx, subject, "", func(page []ocispec.Descriptor) error {
			for _, d := range page {
				if !seen[d.Digest.String()] {
					seen[d.Digest.String()] = true
					out = append(out, descriptorFrom(d))
				}
			}
			return nil
		})
	}()
	if err != nil {
		return nil, r.wrap("referrers of "+repo+"@"+dgst, err)
	}
	for _, suffix := range cosignSuffixes {
		tag := TagSchema(dgst) + suffix
		d, err := r.Resolve(ctx, repo, tag)
		if errors.Is(err, ErrManifestUnknown) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !seen[d.Digest] {
			seen[d.Digest] = true
			d.Tag = tag
			out = append(out, d)
		}
	}
	return out, nil
}

// zeroDigest is the subject of the referrers API probe.
const zeroDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"

// HasReferrersAPI reports whether the registry answers the OCI 1.1
// referrers API for repo, asking once (GET /v2/REPO/referrers/ZERO-DIGEST):
// ghcr.io answers 404, and its referrers are found through the tag schema.
func (r *Registry) HasReferrersAPI(ctx context.Context, repo string) (bool, error) {
	rp, err := r.repository(repo)
	if err != nil {
		return false, err
	}
	// One probe per repository, however many walks ask at once.
	r.probeMu.Lock()
	defer r.probeMu.Unlock()
	r.mu.Lock()
	known, ok := r.referrersAPI[repo]
	r.mu.Unlock()
	if ok {
		return known, nil
	}
	if err := r.acquire(ctx); err != nil {
		return false, err
	}
	defer r.release()
	scheme := "https"
	if r.plainHTTP {
		scheme = "http"
	}
	ref := registry.Reference{Registry: r.host, Repository: repo, Reference: zeroDigest}
	ctx = auth.AppendRepositoryScope(ctx, ref, auth.ActionPull)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+r.host+"/v2/"+repo+"/referrers/"+zeroDigest, nil)
	if err != nil {
		return false, err
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return false, r.wrap("referrers API of "+repo, err)
	}
	wire.DrainClose(resp.Body)
	var supported bool
	switch {
	case resp.StatusCode == http.StatusOK:
		supported = strings.HasPrefix(resp.Header.Get("Content-Type"), MediaTypeOCIIndex)
	case resp.StatusCode == http.StatusNotFound:
	default:
		return false, &RegistryError{Op: "referrers API of " + repo, Err: &ResponseError{Status: resp.StatusCode}}
	}
	_ = rp.SetReferrersCapability(supported) // already set by an earlier Referrers: keep it
	r.mu.Lock()
	r.referrersAPI[repo] = supported
	r.mu.Unlock()
	return supported, nil
}

// cosignSuffixes are the tag suffixes cosign attaches to sha256-HEX.
var cosignSuffixes = []string{".sig", ".att", ".sbom"}

// TagSchema is the tag the referrers tag schema and cosign derive from a
// digest: "sha256:abc…" becomes "sha256-abc…".
func TagSchema(dgst string) string { return strings.Replace(dgst, ":", "-", 1) }
