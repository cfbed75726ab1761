package image

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ghpackages/restore/api"
)

// Restorer plans, applies and verifies image-level restores of one
// container package: it brings back every manifest of a multi-arch image
// (platforms, attestations, signatures), not one version at a time. It
// reads the registry through a Reader (usually a *Registry) and the
// package's versions and restores through an *api.Client, whose pacing,
// retries and idempotent restore it uses.
//
// The package's versions are listed once per Restorer (active, then
// deleted), and its restores are recorded so that later walks see them;
// use one Restorer per run.
type Restorer struct {
	gh      *api.Client
	reg     Reader
	pkg     api.Package
	repo    string
	clock   api.Clock
	workers int
	poll    []time.Duration
	walked  func(done, total int)

	// mu guards the listing: a listing that failed (a cancelled context
	// included) is not kept, so that the next call lists again.
	mu       sync.Mutex
	versions *versionIndex
	// apiMu guards whether the registry has the referrers API, kept once
	// known (not after a failed probe).
	apiMu    sync.Mutex
	apiKnown bool
	hasAPI   bool
}

// RestorerOptions tunes a Restorer; the zero value (or nil) is the default.
type RestorerOptions struct {
	// Concurrency is how many images are walked at once. An image run has
	// one bound: the registry's on reads in flight (WithMaxInFlight,
	// Registry.InFlightBound), which Concurrency defaults to and may be set
	// below, never above (more walks than reads would only queue). A Reader
	// that states no bound counts as DefaultMaxInFlight.
	Concurrency int
	// Poll are the waits before reading again a manifest that the registry
	// does not serve right after its restore (default 1s, 2s, 4s, 8s).
	Poll []time.Duration
	// Walked, if not nil, is called after each image that Plan, Broken or
	// Verify has walked, with how many are done of how many: a
	// broken-images scan of hundreds of tags takes a while. Calls are
	// serialized.
	Walked func(done, total int)
}

// defaultPoll is how verify and apply wait for a restored manifest to be
// served: whether the registry serves it at once is not known (docs/github.md).
var defaultPoll = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}

// InFlightBound is how many reads the registry client runs at once
// (WithMaxInFlight): the one concurrency bound of an image run, which a
// Restorer's walks default to.
func (r *Registry) InFlightBound() int { return cap(r.sem) }

// NewRestorer returns a Restorer of pkg, a container package. gh may be nil
// for a Restorer that only verifies (Verify).
func NewRestorer(gh *api.Client, reg Reader, pkg api.Package, opts *RestorerOptions) (*Restorer, error) {
	if reg == nil {
		return nil, invalid("registry", "nil", "is nil")
	}
	if err := pkg.Validate(); err != nil {
		return nil, err
	}
	if pkg.Type != api.PackageTypeContainer {
		return nil, invalid("package_type", string(pkg.Type), "image-level restore needs a container package")
	}
	if pkg.Owner.Login() == "" {
		return nil, invalid("owner", pkg.Owner.String(), "the registry names images OWNER/NAME: give the owner's login (api.User(LOGIN)) rather than api.Me()")
	}
	bound := DefaultMaxInFlight
	if b, ok := reg.(interface{ InFlightBound() int }); ok && b.InFlightBound() > 0 {
		bound = b.InFlightBound()
	}
	r := &Restorer{gh: gh, reg: reg, pkg: pkg, repo: Repository(pkg), clock: runClock(gh, reg), workers: bound, poll: defaultPoll}
	if opts != nil {
		if opts.Concurrency < 0 || opts.Concurrency > bound {
			return nil, invalid("concurrency", strconv.Itoa(opts.Concurrency), "must be between 1 and the registry's bound on reads in flight, %d (WithMaxInFlight)", bound)
		}
		if opts.Concurrency > 0 {
			r.workers = opts.Concurrency
		}
		if opts.Poll != nil {
			for _, d := range opts.Poll {
				if d < 0 || d > time.Hour {
					return nil, invalid("poll", d.String(), "each wait must be between 0 and 1h")
				}
			}
			r.poll = slices.Clone(opts.Poll)
		}
		r.walked = opts.Walked
	}
	return r, nil
}

// runClock is the one clock of an image run: the GitHub client's
// (api.WithClock), else the registry client's (WithClock), else the wall
// clock. Give both clients the same clock.
func runClock(gh *api.Client, reg Reader) api.Clock {
	if gh != nil {
		return gh.Clock()
	}
	if c, ok := reg.(interface{ Clock() api.Clock }); ok && c.Clock() != nil {
		return c.Clock()
	}
	return api.SystemClock{}
}

// Repository is the registry's name of a container package: OWNER/NAME in
// lower case (NAME may hold "/").
func Repository(pkg api.Package) string {
	return strings.ToLower(pkg.Owner.Login() + "/" + pkg.Name)
}

// listing lists the package's versions once per Restorer. A listing that
// fails, or whose context ends, is not kept: a call cancelled part way does
// not poison the Restorer.
func (r *Restorer) listing(ctx context.Context) (*versionIndex, error) {
	if r.gh == nil {
		return nil, invalid("client", "nil", "planning needs a GitHub client (NewRestorer's gh)")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.versions != nil {
		return r.versions, nil
	}
	x, err := listVersions(ctx, r.gh, r.pkg, r.clock.Now())
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	r.versions = x
	return x, nil
}

// referrersAPI asks whether the registry has the OCI referrers API, once it
// has answered.
func (r *Restorer) referrersAPI(ctx context.Context) bool {
	p, ok := r.reg.(interface {
		HasReferrersAPI(ctx context.Context, repo string) (bool, error)
	})
	if !ok {
		return false
	}
	r.apiMu.Lock()
	defer r.apiMu.Unlock()
	if !r.apiKnown {
		has, err := p.HasReferrersAPI(ctx, r.repo)
		if err != nil || ctx.Err() != nil {
			return false
		}
		r.apiKnown, r.hasAPI = true, has
	}
	return r.hasAPI
}

func (r *Restorer) planner(ctx context.Context) (*walker, error) {
	x, err := r.listing(ctx)
	if err != nil {
		return nil, err
	}
	return &walker{reg: r.reg, repo: r.repo, versions: x, clock: r.clock, referrersAPI: r.referrersAPI(ctx)}, nil
}

// Plan resolves each root (a tag or a digest) and walks its closure,
// saying per manifest what is there, what a restore brings back (with the
// version id), and what is gone. It changes nothing. A root whose version
// is deleted is found among the deleted versions by tag or digest; its
// manifests become known once Apply restores it (Image.Pending).
//
// Read errors are reported per image (Image.Err), and so are indexes nested
// deeper than MaxDepth (ErrTooDeep) and manifests that are not what they
// are served or listed as (ErrMediaTypeMismatch). These are returned, with
// the plan as far as it got: an error that stops every image alike (a
// refused realm or token, a persistent 429); a *WrongRegistryError when the
// registry served none of the manifests that active versions hold; and,
// when every image could be read, an *ImageNotFoundError naming the roots
// no version of the package has, with the nearest tags.
func (r *Restorer) Plan(ctx context.Context, roots ...string) (Plan, error) {
	if len(roots) == 0 {
		return Plan{}, invalid("image", "", "give at least one tag or digest")
	}
	for _, root := range roots {
		if err := validRef(root); err != nil {
			return Plan{}, err
		}
	}
	w, err := r.planner(ctx)
	if err != nil {
		return Plan{}, err
	}
	imgs := r.each(ctx, len(roots), func(i int) Image { return w.plan(ctx, roots[i]) })
	p := r.stamp(w, Plan{Repository: r.repo, Images: imgs})
	if err := r.outcome(ctx, w, p); err != nil {
		return p, err
	}
	return p, r.notFound(w, roots)
}

// outcome is the error that stops a plan whatever its images say: one that
// stops every image alike, a registry that served none of the package's
// active manifests, or the context's.
func (r *Restorer) outcome(ctx context.Context, w *walker, p Plan) error {
	if err := fatal(p); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if asked := w.served.asked.Load(); asked > 0 && w.served.served.Load() == 0 {
		e := &WrongRegistryError{Package: r.repo, Asked: int(asked)}
		if h, ok := r.reg.(interface{ Host() string }); ok {
			e.Host = h.Host()
		}
		return e
	}
	return nil
}

// notFound is an *ImageNotFoundError for the roots no version has, or nil.
func (r *Restorer) notFound(w *walker, roots []string) error {
	var e *ImageNotFoundError
	var tags []string
	for _, root := range roots {
		if _, ok := w.versions.root(root); ok {
			continue
		}
		if e == nil {
			e = &ImageNotFoundError{Package: r.repo, Suggestions: map[string][]string{}}
			tags = w.versions.tags()
		}
		e.Refs = append(e.Refs, root)
		if !IsDigest(root) {
			if s := nearestTags(root, tags); len(s) > 0 {
				e.Suggestions[root] = s
			}
		}
	}
	if e == nil {
		return nil
	}
	return e
}

// Broken scans the package's active tagged images (single-platform images
// too; cosign and referrers tags are not images) and plans every image
// whose closure misses a manifest: what is restorable is restored, what is
// gone is named. Reads run concurrently, bounded by the registry client. A
// registry that serves none of the manifests that active versions hold is
// a *WrongRegistryError, not a list of broken images.
func (r *Restorer) Broken(ctx context.Context) (Plan, error) {
	w, err := r.planner(ctx)
	if err != nil {
		return Plan{}, err
	}
	tagged := w.versions.taggedImages()
	imgs := r.each(ctx, len(tagged), func(i int) Image { return w.plan(ctx, tagged[i].Name) })
	p := Plan{Repository: r.repo, Scanned: len(tagged)}
	for k, img := range imgs {
		img.Tags = tagged[k].Tags
		if !img.Whole() {
			p.Images = append(p.Images, img)
		}
	}
	return r.stamp(w, p), r.outcome(ctx, w, Plan{Images: imgs})
}

// each runs fn for 0..n-1 on r.workers goroutines and returns the results
// in order.
func (r *Restorer) each(ctx context.Context, n int, fn func(int) Image) []Image {
	out := make([]Image, n)
	var tick func(int, int)
	if r.walked != nil {
		tick = func(_, done int) { r.walked(done, n) }
	}
	inParallel(ctx, n, r.workers, func(i int) { out[i] = fn(i) }, tick)
	return out
}

// Roots returns a plan that names images by tag or digest and knows
// nothing else of them, for Verify to check in the registry alone: a health
// check of images that were not planned here, which needs no GitHub client.
// (It replaces Restorer.Check: Check(ctx, roots...) is Verify(ctx,
// Roots(roots...)).)
func Roots(roots ...string) Plan {
	p := Plan{}
	for _, root := range roots {
		img := Image{Root: root}
		if IsDigest(root) {
			img.Digest = root
		}
		p.Images = append(p.Images, img)
	}
	return p
}

// Verify checks, in the registry alone, every manifest of each image of a
// plan (Apply's, Plan's, or Roots' for images named by tag or digest): it
// reads each index and HEADs every other manifest of the closure by digest,
// and checks that each tag resolves to the image's root digest. A manifest
// the plan says was restored (ManifestRestored) is polled with backoff on the
// clock while the registry does not serve it yet; nothing else is polled.
// An image is whole only when all of it resolves. A root that is neither a
// tag nor a digest is an *api.ValidationError, and nothing is sent.
func (r *Restorer) Verify(ctx context.Context, p Plan) (Plan, error) {
	for _, img := range p.Images {
		if err := validRef(img.Root); err != nil {
			return Plan{}, err
		}
	}
	restored := map[string]bool{}
	for _, img := range p.Images {
		for k, e := range img.Manifests {
			if e.State == ManifestRestored {
				restored[e.Digest] = true
				if k == 0 {
					for _, t := range img.Tags {
						restored[t] = true
					}
					restored[img.Root] = true
				}
			}
		}
	}
	return r.verify(ctx, p, restored)
}

func (r *Restorer) verify(ctx context.Context, p Plan, restored map[string]bool) (Plan, error) {
	w := &walker{reg: r.reg, repo: r.repo, clock: r.clock, poll: r.poll, restored: restored}
	out := Plan{Repository: r.repo, Scanned: p.Scanned}
	out.Images = r.each(ctx, len(p.Images), func(i int) Image { return w.verify(ctx, p.Images[i]) })
	if err := fatal(out); err != nil {
		return out, err
	}
	return out, ctx.Err()
}
