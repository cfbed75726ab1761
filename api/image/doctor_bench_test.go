package image_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/ghpackages/restore/api"
	"github.com/ghpackages/restore/api/apitest"
	"github.com/ghpackages/restore/api/image"
)

// BenchmarkDoctor50Packages10Tags runs the doctor over 50 container
// packages of 10 tagged images each (every fifth package has one broken
// image) with a simulated 20 ms round trip to both the API and the
// registry, in real time: serially (one package, one image and one read
// at a time) and with the defaults, in the same process. It reports the
// ratio of their wall times, which must be at most 0.3, and the most
// requests in flight at the API and at the registry, which must stay within
// the read budgets (api.DefaultReadsInFlight, image.DefaultMaxInFlight).
//
// One iteration takes about 20 seconds, nearly all of it waiting.
func BenchmarkDoctor50Packages10Tags(b *testing.B) {
	const packages, tags, latency = 50, 10, 20 * time.Millisecond
	run := func(serial bool) (took time.Duration, apiPeak, regPeak int) {
		gh := apitest.New(b, apitest.WithRoundTrip(latency))
		gh.AddOrg("acme")
		gh.AddToken(apitest.Token{Value: testToken, Scopes: []string{"read:packages", "write:packages", "delete:packages"}})
		reg := apitest.NewRegistry(b, gh, apitest.WithLatency(latency))
		for p := range packages {
			name := fmt.Sprintf("svc/app-%02d", p)
			for i := range tags {
				if p%5 == 0 && i == 0 {
					img := seedIndex(b, reg, api.Package{Owner: api.Org("acme"), Type: api.PackageTypeContainer, Name: name}, apitest.ImageSpec{Tags: []string{"v0"}, Platforms: []string{"linux/amd64"}, Salt: name})
					if err := gh.SoftDeleteVersion(api.Package{Owner: api.Org("acme"), Type: api.PackageTypeContainer, Name: name}, img.Platforms[0].ID); err != nil {
						b.Fatal(err)
					}
					continue
				}
				seedImage(b, reg, api.Package{Owner: api.Org("acme"), Type: api.PackageTypeContainer, Name: name}, fmt.Sprint(name, i), fmt.Sprint("v", i))
			}
		}
		apiOpts := []api.Option{api.WithBaseURL(gh.URL), api.WithToken(testToken)}
		regOpts := []image.RegistryOption{image.WithRegistry(reg.URL), image.WithToken(testToken)}
		opts := &image.DoctorOptions{}
		if serial {
			apiOpts = append(apiOpts, api.WithReadBudget(1, api.DefaultReadsPerMinute))
			regOpts = append(regOpts, image.WithMaxInFlight(1))
			opts = &image.DoctorOptions{Concurrency: 1, Restorer: &image.RestorerOptions{Concurrency: 1}}
		}
		c, err := api.New(apiOpts...)
		if err != nil {
			b.Fatal(err)
		}
		defer c.CloseIdleConnections()
		rc, err := image.NewRegistry(regOpts...)
		if err != nil {
			b.Fatal(err)
		}
		defer rc.CloseIdleConnections()
		gh.ResetLoad()
		reg.ResetRequests()
		began := time.Now()
		rep, err := image.Doctor(ctx(b), c, rc, api.Org("acme"), opts)
		took = time.Since(began)
		if err != nil || len(rep.Packages) != packages || rep.Failed() != 0 || rep.Broken() != packages/5 {
			b.Fatalf("doctor: %v; %d packages, %d failed, %d broken", err, len(rep.Packages), rep.Failed(), rep.Broken())
		}
		for _, p := range rep.Packages {
			if p.Plan.Scanned != tags {
				b.Fatalf("%s: scanned %d images, want %d", p.Package.Name, p.Plan.Scanned, tags)
			}
		}
		return took, gh.MaxInFlight(), reg.MaxInFlight()
	}
	var ratio float64
	var apiPeak, regPeak int
	for b.Loop() {
		serial, _, _ := run(true)
		bounded, a, r := run(false)
		ratio, apiPeak, regPeak = float64(bounded)/float64(serial), a, r
		if a > api.DefaultReadsInFlight || r > image.DefaultMaxInFlight {
			b.Fatalf("in flight: %d at the API (budget %d), %d at the registry (bound %d)", a, api.DefaultReadsInFlight, r, image.DefaultMaxInFlight)
		}
		if ratio > 0.3 {
			b.Errorf("doctor wall/serial = %.2f (%s / %s), want at most 0.3", ratio, bounded, serial)
		}
		b.Logf("serial %s, defaults %s: wall/serial %.3f; in flight: API %d, registry %d", serial.Round(time.Millisecond), bounded.Round(time.Millisecond), ratio, a, r)
	}
	b.ReportMetric(ratio, "wall/serial")
	b.ReportMetric(float64(apiPeak), "api-max-in-flight")
	b.ReportMetric(float64(regPeak), "registry-max-in-flight")
}
