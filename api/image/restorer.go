package image

import (
	"context"
	"slices"
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

	once     sync.Once
	versions *versionIndex
	listErr  error
	apiOnce  sync.Once
	hasAPI   bool
}

// RestorerOptions tunes a Restorer; the zero value (or nil) is the default.
type RestorerOptions struct {
	// Clock is behind the verify polls (default api.SystemClock{}); share
	// the clients' clock.
	Clock api.Clock
	// Concurrency is how many images are walked at once (default
	// DefaultMaxInFlight). The registry client bounds the reads in flight
	// on its own.
	Concurrency int
	// Poll are the waits before reading again a manifest that the registry
	// does not serve right after its restore (default 1s, 2s, 4s, 8s).
	Poll []time.Duration
	// Walked, if not nil, is called after each image that Plan, Broken,
	// Check or Verify has walked, with how many are done of how many: a
	// broken-images scan of hundreds of tags takes a while. Calls are
	// serialized.
	Walked func(done, total int)
}

// defaultPoll is how verify and apply wait for a restored manifest to be
// served: whether the registry serves it at once is not known (docs/github.md).
var defaultPoll = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}

// NewRestorer returns a Restorer of pkg, a container package. gh may be nil
// for a Restorer that only verifies (Check, Verify).
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
	r := &Restorer{gh: gh, reg: reg, pkg: pkg, repo: Repository(pkg), clock: api.SystemClock{}, workers: DefaultMaxInFlight, poll: defaultPoll}
	if opts != nil {
		if opts.Clock != nil {
			r.clock = opts.Clock
		}
		if opts.Concurrency < 0 || opts.Concurrency > 64 {
			return nil, invalid("concurrency", "", "must be between 1 and 64")
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

// Repository is the registry's name of a container package: OWNER/NAME in
// lower case (NAME may hold "/").
func Repository(pkg api.Package) string {
	return strings.ToLower(pkg.Owner.Login() + "/" + pkg.Name)
}

// listing lists the package's versions once.
func (r *Restorer) listing(ctx context.Context) (*versionIndex, error) {
	if r.gh == nil {
		return nil, invalid("client", "nil", "planning needs a GitHub client (NewRestorer's gh)")
	}
	r.once.Do(func() { r.versions, r.listErr = listVersions(ctx, r.gh, r.pkg, r.clock.Now()) })
	return r.versions, r.listErr
}

// referrersAPI asks once whether the registry has the OCI referrers API.
func (r *Restorer) referrersAPI(ctx context.Context) bool {
	r.apiOnce.Do(func() {
		if p, ok := r.reg.(interface {
			HasReferrersAPI(ctx context.Context, repo string) (bool, error)
		}); ok {
			r.hasAPI, _ = p.HasReferrersAPI(ctx, r.repo)
		}
	})
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
// version id), and what is gone. It changes nothing. An error that stops
// every image alike (a refused realm or token, a persistent 429) is
// returned; other read errors are reported per image (Image.Err). A root whose version
// is deleted is found among the deleted versions by tag or digest; its
// manifests become known once Apply restores it (Image.Pending).
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
	if err := fatal(p); err != nil {
		return p, err
	}
	return p, ctx.Err()
}

// Broken scans the package's active tagged images (single-platform images
// too; cosign and referrers tags are not images) and plans every image
// whose closure misses a manifest: what is restorable is restored, what is
// gone is named. Reads run concurrently, bounded by the registry client.
func (r *Restorer) Broken(ctx context.Context) (Plan, error) {
	w, err := r.planner(ctx)
	if err != nil {
		return Plan{}, err
	}
	tagged := w.versions.taggedImages()
	imgs := r.each(ctx, len(tagged), func(i int) Image { return w.plan(ctx, tagged[i].Name) })
	p := Plan{Repository: r.repo, Scanned: len(tagged)}
	if err := fatal(Plan{Images: imgs}); err != nil {
		return p, err
	}
	for k, img := range imgs {
		img.Tags = tagged[k].Tags
		if !img.Whole() {
			p.Images = append(p.Images, img)
		}
	}
	return r.stamp(w, p), ctx.Err()
}

// each runs fn for 0..n-1 on r.workers goroutines and returns the results
// in order.
func (r *Restorer) each(ctx context.Context, n int, fn func(int) Image) []Image {
	out := make([]Image, n)
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range min(r.workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = fn(i)
				if r.walked != nil {
					mu.Lock()
					done++
					r.walked(done, n)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// Check verifies images in the registry alone, as a health check: each
// root's closure is walked and every manifest is checked (HEAD), and each
// tag given must resolve. It needs no GitHub client and does not poll.
func (r *Restorer) Check(ctx context.Context, roots ...string) (Plan, error) {
	if len(roots) == 0 {
		return Plan{}, invalid("image", "", "give at least one tag or digest")
	}
	p := Plan{Repository: r.repo}
	for _, root := range roots {
		if err := validRef(root); err != nil {
			return Plan{}, err
		}
		img := Image{Root: root}
		if IsDigest(root) {
			img.Digest = root
		}
		p.Images = append(p.Images, img)
	}
	return r.verify(ctx, p, nil)
}

// Verify checks, in the registry, every manifest of each image of a plan
// (usually Apply's): it reads each index and HEADs every other manifest of
// the closure by digest, and checks that each tag resolves to the image's
// root digest. A manifest the plan says was restored (ManifestRestored) is
// polled with backoff on the clock while the registry does not serve it
// yet. An image is whole only when all of it resolves.
func (r *Restorer) Verify(ctx context.Context, p Plan) (Plan, error) {
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
