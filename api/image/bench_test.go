package image_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
)

// registryCounts sorts the registry's requests: reads of the closure,
// referrer probes (the referrers API, the tag schema sha256-HEX and
// cosign's tags) and token exchanges (a 401 challenge and a /token request).
type registryCounts struct{ total, probes, challenges, tokens int }

func countRegistry(reqs []apitest.RegistryRequest) registryCounts {
	var c registryCounts
	for _, r := range reqs {
		c.total++
		switch {
		case r.Route == apitest.RegistryRouteToken:
			c.tokens++
		case r.Status == 401:
			c.challenges++
		case r.Route == apitest.RegistryRouteReferrers, strings.Contains(r.Path, "/manifests/sha256-"):
			c.probes++
		}
	}
	return c
}

// BenchmarkClosureOf8Platforms8Attestations plans, applies and verifies an
// image whose 8 platforms and 8 attestations a cleanup deleted. It reports
// the REST writes (which must equal the deleted manifests) and, per phase,
// the registry requests (which must stay within the closure size plus the
// referrer probes plus the token exchanges).
func BenchmarkClosureOf8Platforms8Attestations(b *testing.B) {
	platforms := make([]string, 8)
	for i := range platforms {
		platforms[i] = fmt.Sprintf("linux/arch%d", i)
	}
	var planReqs, verifyReqs, writes, probes registryCounts
	for b.Loop() {
		b.StopTimer()
		e := newEnv(b, nil)
		img := e.seed(apitest.ImageSpec{Tags: []string{"v1"}, Platforms: platforms, Attestations: true})
		deleted := deleteUntaggedChildren(b, e.reg, app)
		closure := 1 + len(img.Children())
		e.reg.ResetRequests()
		b.StartTimer()

		plan, err := e.r.Plan(ctx(b), "v1")
		if err != nil {
			b.Fatal(err)
		}
		planReqs = countRegistry(e.reg.Requests())
		e.reg.ResetRequests()
		res, err := e.r.Apply(ctx(b), plan, nil)
		if err != nil || res.Report.Failed+res.Report.Unknown != 0 {
			b.Fatal(err, res.Report.Results)
		}
		rest := len(e.restorePOSTs())
		if reqs := countRegistry(e.reg.Requests()); reqs.total != 0 {
			b.Fatalf("apply read the registry %d times; nothing was pending", reqs.total)
		}
		rep, err := e.r.Verify(ctx(b), res.Plan)
		if err != nil || !rep.Whole() {
			b.Fatal(err, rep)
		}
		verifyReqs = countRegistry(e.reg.Requests())

		b.StopTimer()
		if rest != len(deleted) || len(deleted) != 16 {
			b.Fatalf("REST writes = %d, deleted manifests = %d; want 16 and 16", rest, len(deleted))
		}
		for name, c := range map[string]registryCounts{"plan": planReqs, "verify": verifyReqs} {
			if bound := closure + c.probes + c.challenges + c.tokens; c.total > bound {
				b.Fatalf("%s: %d registry requests > closure %d + probes %d + token exchanges %d", name, c.total, closure, c.probes, c.challenges+c.tokens)
			}
		}
		writes.total, probes = rest, verifyReqs
		b.StartTimer()
	}
	b.ReportMetric(float64(writes.total), "rest-writes/op")
	b.ReportMetric(float64(planReqs.total), "plan-registry-reqs/op")
	b.ReportMetric(float64(verifyReqs.total), "verify-registry-reqs/op")
	b.ReportMetric(float64(probes.probes), "verify-referrer-probes/op")
	b.ReportMetric(float64(planReqs.tokens+verifyReqs.tokens), "token-exchanges/op")
}

// BenchmarkBrokenOver500Tags scans 500 tagged images (3 broken) at a
// simulated 20 ms registry latency, serially (one read in flight) and with
// the default bound, in the same process. It reports the ratio of their
// wall times, which must be at most 0.3, and the most reads in flight,
// which must not exceed the bound.
func BenchmarkBrokenOver500Tags(b *testing.B) {
	const tags, latency = 500, 20 * time.Millisecond
	scan := func(n int) (time.Duration, int) {
		e := newEnv(b, []apitest.RegistryOption{apitest.WithLatency(latency)}, image.WithMaxInFlight(n))
		r, err := image.NewRestorer(e.c, e.rc, e.pkg, &image.RestorerOptions{Concurrency: n})
		if err != nil {
			b.Fatal(err)
		}
		var broken []apitest.SeededImage
		for i := range tags {
			if i%100 == 7 && len(broken) < 3 {
				broken = append(broken, e.seed(apitest.ImageSpec{Tags: []string{fmt.Sprint("v", i)}, Platforms: []string{"linux/amd64"}}))
				continue
			}
			seedImage(b, e.reg, app, fmt.Sprint("img", i), fmt.Sprint("v", i))
		}
		for _, img := range broken {
			if err := e.gh.SoftDeleteVersion(api.Package{Owner: api.Org("acme"), Type: "container", Name: "team/app"}, img.Platforms[0].ID); err != nil {
				b.Fatal(err)
			}
		}
		e.reg.ResetRequests()
		began := time.Now()
		plan, err := r.Broken(ctx(b))
		took := time.Since(began)
		if err != nil || plan.Scanned != tags || len(plan.Images) != 3 || len(plan.Restores()) != 3 {
			b.Fatalf("broken scan: %v, scanned %d, broken %d", err, plan.Scanned, len(plan.Images))
		}
		return took, e.reg.MaxInFlight()
	}
	var ratio float64
	var inFlight int
	for b.Loop() {
		serial, _ := scan(1)
		bounded, most := scan(image.DefaultMaxInFlight)
		ratio, inFlight = float64(bounded)/float64(serial), most
		if most > image.DefaultMaxInFlight {
			b.Fatalf("%d reads in flight, bound %d", most, image.DefaultMaxInFlight)
		}
		if ratio > 0.3 {
			b.Errorf("bounded/serial = %.2f (%s / %s), want at most 0.3", ratio, bounded, serial)
		}
	}
	b.ReportMetric(ratio, "bounded/serial")
	b.ReportMetric(float64(inFlight), "max-in-flight")
}

// BenchmarkVerifyAt20ms verifies an image of 8 platforms and 8
// attestations (Verify of Roots, the registry alone) at a simulated 20 ms registry
// latency, with one read in flight and with the default bound, and reports
// the ratio of their wall times.
func BenchmarkVerifyAt20ms(b *testing.B) {
	platforms := make([]string, 8)
	for i := range platforms {
		platforms[i] = fmt.Sprintf("linux/arch%d", i)
	}
	check := func(n int) (time.Duration, int) {
		e := newEnv(b, []apitest.RegistryOption{apitest.WithLatency(20 * time.Millisecond)}, image.WithMaxInFlight(n))
		e.seed(apitest.ImageSpec{Tags: []string{"v1"}, Platforms: platforms, Attestations: true})
		began := time.Now()
		rep, err := e.r.Verify(ctx(b), image.Roots("v1"))
		took := time.Since(began)
		if err != nil || !rep.Whole() || len(rep.Images[0].Manifests) != 17 {
			b.Fatalf("check: %v, whole %v", err, rep.Whole())
		}
		return took, len(e.reg.Requests())
	}
	var ratio float64
	var reqs int
	for b.Loop() {
		serial, _ := check(1)
		bounded, n := check(image.DefaultMaxInFlight)
		ratio, reqs = float64(bounded)/float64(serial), n
	}
	b.ReportMetric(ratio, "bounded/serial")
	b.ReportMetric(float64(reqs), "registry-reqs/op")
}
