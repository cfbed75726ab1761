package image

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/ghpackages/restore/internal/wire"
)

// maxErrorBytes bounds how much of a registry's error body is read.
const maxErrorBytes = 8 << 10

// fetched is a manifest answer as the registry gave it, before any check:
// checkManifest decides what it is.
type fetched struct {
	contentType  string
	headerDigest string // Docker-Content-Digest, "" if none
	body         []byte
}

// getManifest sends GET /v2/REPO/manifests/REF with the four manifest media
// types in Accept, through the client's auth, retries and host guard, and
// returns the answer unchecked, so that every forged or mismatched body
// reaches the one check (verifyBody) rather than failing inside oras with
// an error of its own.
func (r *Registry) getManifest(ctx context.Context, repo, ref string) (fetched, error) {
	scheme := "https"
	if r.plainHTTP {
		scheme = "http"
	}
	ctx = auth.AppendRepositoryScope(ctx, registry.Reference{Registry: r.host, Repository: repo, Reference: ref}, auth.ActionPull)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+r.host+"/v2/"+repo+"/manifests/"+ref, nil)
	if err != nil {
		return fetched{}, err
	}
	req.Header.Set("Accept", strings.Join(manifestMediaTypes, ", "))
	resp, err := r.client.Do(req)
	if err != nil {
		return fetched{}, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		wire.DrainClose(resp.Body)
		return fetched{}, fmt.Errorf("%s: %w", ref, errdef.ErrNotFound)
	default:
		e := &errcode.ErrorResponse{Method: req.Method, URL: req.URL, StatusCode: resp.StatusCode}
		var body struct {
			Errors errcode.Errors `json:"errors"`
		}
		if json.NewDecoder(io.LimitReader(resp.Body, maxErrorBytes)).Decode(&body) == nil {
			e.Errors = body.Errors
		}
		wire.DrainClose(resp.Body)
		return fetched{}, e
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxManifestBytes+1))
	if err != nil {
		return fetched{}, err
	}
	if len(body) > maxManifestBytes {
		return fetched{}, fmt.Errorf("manifest larger than %d bytes", maxManifestBytes)
	}
	return fetched{contentType: resp.Header.Get("Content-Type"), headerDigest: resp.Header.Get("Docker-Content-Digest"), body: body}, nil
}
