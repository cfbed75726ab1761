package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/image"
)

// imageOptions are the flags of image-level restore: whole multi-arch
// images of a container package, read from the registry.
type imageOptions struct {
	images   listFlag
	broken   bool
	verify   bool
	registry string
}

// register adds the image flags to fs.
func (o *imageOptions) register(fs *flag.FlagSet) {
	fs.Var(&o.images, "image", "restore the whole image with this `TAG|DIGEST` (sha256:...): index, platforms, attestations, signatures (repeatable; container packages)")
	fs.BoolVar(&o.broken, "broken", false, "find every tagged image of the container package missing a manifest, and restore what is restorable")
	fs.BoolVar(&o.verify, "verify", false, "check in the registry that every manifest of each image resolves (after --apply, or alone)")
	fs.StringVar(&o.registry, "registry", "", "container registry `HOST|URL` (default ghcr.io, or containers.HOST for GitHub Enterprise Server; http:// only for loopback)")
}

// active reports whether the command line asks for image-level restore.
func (o *imageOptions) active() bool { return len(o.images) > 0 || o.broken || o.verify }

// imagePackage checks the image flags before anything is sent: the package
// (a container package of a named owner), the images and the registry.
func (c *cli) imagePackage() (api.Package, error) {
	o := &c.img
	switch {
	case len(o.images) > 0 && o.broken:
		return api.Package{}, usageErr("give --image or --broken, not both")
	case !o.broken && len(o.images) == 0:
		return api.Package{}, usageErr("--verify needs the images to check: --image TAG|DIGEST or --broken")
	case c.org != "" && c.user != "":
		return api.Package{}, usageErr("give --org or --user, not both")
	case c.org == "" && c.user == "":
		return api.Package{}, usageErr("missing --org or --user")
	case c.user == api.MeLogin:
		return api.Package{}, usageErr("the registry names images OWNER/NAME: give your login, --user LOGIN, instead of --user @me")
	case c.typ != "" && c.typ != string(api.PackageTypeContainer):
		return api.Package{}, usageErr("--image and --broken work on container packages: --type container, not %s", c.typ)
	case c.pkg == "":
		return api.Package{}, usageErr("missing --package")
	case isGlob(c.pkg):
		return api.Package{}, usageErr("--package %s: one package at a time with --image and --broken", c.pkg)
	}
	for _, name := range []string{"version-id", "version-name", "tag", "ids-from", "deleted-since", "deleted-until", "all-deleted", "plan", "save-plan"} {
		if c.given[name] {
			return api.Package{}, usageErr("--image and --broken select whole images: drop --%s", name)
		}
	}
	for _, ref := range o.images {
		if !image.IsTag(ref) && !image.IsDigest(ref) {
			return api.Package{}, usageErr("--image %q is neither a tag nor sha256: and 64 hex digits", ref)
		}
	}
	if o.registry != "" {
		if _, _, err := image.ParseRegistry(o.registry); err != nil {
			return api.Package{}, usageErr("--registry %s: %s", o.registry, strings.TrimPrefix(message(err), "invalid registry "+fmt.Sprintf("%q", o.registry)+": "))
		}
	}
	pkg := api.Package{Owner: c.owner(), Type: api.PackageTypeContainer, Name: c.pkg}
	if err := pkg.Validate(); err != nil {
		return api.Package{}, err
	}
	return pkg, nil
}

// runImages plans, applies and verifies whole images.
func (c *cli) runImages(ctx context.Context) int {
	pkg, err := c.imagePackage()
	if err != nil {
		return c.fail(err)
	}
	client, err := c.client(ctx)
	if err != nil {
		return c.fail(err)
	}
	defer client.CloseIdleConnections()
	host := c.img.registry
	if host == "" {
		host = image.RegistryFor(client.BaseURL())
	}
	rc, err := image.NewRegistry(
		image.WithRegistry(host),
		image.WithToken(c.tok.value),
		image.WithUserAgent("ghpackages-restore-cli/"+toolVersion()),
		image.WithWaitHook(c.registryWait),
	)
	if err != nil {
		return c.fail(usageErr("%s", message(err)))
	}
	defer rc.CloseIdleConnections()
	r, err := image.NewRestorer(client, rc, pkg, &image.RestorerOptions{Walked: c.imagesWalked})
	if err != nil {
		return c.fail(err)
	}
	ir := &imageReport{c: c}

	if c.img.verify && !c.apply && !c.img.broken {
		rep, err := r.Verify(ctx, image.Roots(c.img.images...))
		if err != nil {
			return c.fail(err)
		}
		return ir.finish("verify", rep, 0)
	}
	var plan image.Plan
	if c.img.broken {
		plan, err = r.Broken(ctx)
	} else {
		plan, err = r.Plan(ctx, c.img.images...)
	}
	if errors.Is(err, api.ErrNotFound) {
		return c.imageNotFound(ctx, client, pkg)
	}
	if err != nil {
		return c.fail(err)
	}
	ir.print("plan", plan)
	if !c.apply {
		if c.img.verify {
			rep, err := r.Verify(ctx, plan)
			if err != nil {
				return c.fail(err)
			}
			return ir.finish("verify", rep, 0)
		}
		ir.summary("plan", plan, 0, exitOK)
		return exitOK
	}
	ir.total = len(plan.Restores())
	res, err := r.Apply(ctx, plan, ir.restored)
	if err != nil {
		if ctx.Err() != nil {
			return ir.interrupted(res, "applying")
		}
		return c.fail(err)
	}
	if !c.img.verify {
		return ir.finish("apply", res.Plan, res.Failed())
	}
	rep, err := r.Verify(ctx, res.Plan)
	if err != nil {
		if ctx.Err() != nil {
			// The restores are done: "nothing changed" would be false.
			return ir.interrupted(res, "verifying")
		}
		return c.fail(err)
	}
	return ir.finish("verify", rep, res.Failed())
}

// interrupted reports a run stopped (Ctrl-C) while applying or verifying:
// the images as apply left them, and how many restores were sent (a JSON
// object with --json).
func (ir *imageReport) interrupted(res image.Result, while string) int {
	ir.print("apply", res.Plan)
	if ir.c.mode == modeJSON {
		emit(ir.c.stdout, map[string]any{"type": "interrupted", "while": while, "restores": len(res.Restores),
			"failed": res.Failed(), "exit_code": exitInterrupted})
		return exitInterrupted
	}
	fmt.Fprintf(ir.c.stderr, "restore: interrupted while %s after %s; run the same command again to resume: what is restored is no longer deleted.\n", while, plural(len(res.Restores), "restore"))
	return exitInterrupted
}

// imageNotFound explains a package that answers 404, suggests similar
// names (notfound.go), and exits 3.
func (c *cli) imageNotFound(ctx context.Context, client *api.Client, pkg api.Package) int {
	names, listErr := packageNames(ctx, client, pkg)
	similar := similarNames(pkg.Name, names)
	if c.mode == modeJSON {
		v := map[string]any{"type": "not_found", "package": pkg.String(), "similar": similar, "exit_code": exitNotFound}
		if listErr != nil {
			v["list_error"] = message(listErr)
		}
		emit(c.stdout, v)
		return exitNotFound
	}
	fmt.Fprintf(c.stdout, "Package %s was not found: the name (--package) is wrong, or the package was deleted\n"+
		"as a whole. Restore a package deleted as a whole first (--all-deleted, without --image), then its images.\n", escape(pkg.String()))
	if len(similar) > 0 {
		fmt.Fprintf(c.stdout, "Did you mean (container packages of %s):\n", escape(pkg.Owner.String()))
		for _, n := range similar {
			fmt.Fprintf(c.stdout, "  --package %s\n", escape(n))
		}
	}
	return exitNotFound
}

// imagesWalked reports the progress of a long walk (a --broken scan of
// many tags): every tenth of the way, from 20 images up.
func (c *cli) imagesWalked(done, total int) {
	if total < 20 || (done*10/total == (done-1)*10/total && done != total) {
		return
	}
	if c.mode == modeJSON {
		emit(c.stdout, map[string]any{"type": "progress", "images_done": done, "images_total": total})
		return
	}
	fmt.Fprintf(c.stderr, "read %d of %d images\n", done, total)
}

// registryWait says that the registry client waits, and why.
func (c *cli) registryWait(w api.WaitEvent) {
	why := "the registry answered " + fmt.Sprint(w.Status)
	switch {
	case w.Status == 429:
		why = "the registry's rate limit (429)"
	case w.Status == 0:
		why = "a network error"
	}
	if c.mode == modeJSON {
		emit(c.stdout, map[string]any{"type": "wait", "reason": why, "seconds": w.Wait.Seconds(), "attempt": w.Attempt - 1})
		return
	}
	fmt.Fprintf(c.stderr, "waiting %s: %s (retry %d)\n", w.Wait, why, w.Attempt-1)
}

// exitFor is the exit code of a finished run: 1 when a restore failed or an
// image is still broken.
func exitFor(p image.Plan, failed int) int {
	if failed > 0 || !p.Whole() {
		return exitFailed
	}
	return exitOK
}
