package fleetsim

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"

	"patchward/ingest/wire"
	"patchward/updates/version"
)

// image is a base image: a package list (one version per name, the main suite's) and the
// suites its hosts use. Hosts are images plus drift.
type image struct {
	names  []string // sorted
	suites []int    // indexes into fleet.suites; 0 (main) always
	patch  float64  // share of packages that have a newer version elsewhere installed at it
	kernel string   // linux-image-<abi>-amd64 installed and running
}

// fleet generates hosts from the suites' package lists.
type fleet struct {
	opts     Options
	suites   []suite
	mirror   string                // base URL of the repos hosts report
	main     map[string]debPackage // name -> main suite's package
	newer    map[string]debPackage // name -> newest version in the other suites
	kernels  []debPackage          // versioned kernel images of the other suites, newest last
	universe []string              // names a host may install, sorted
	images   []image
}

var versionedImage = regexp.MustCompile(`^linux-image-(\d[^-]*-\d+)-amd64$`)

func newFleet(o Options, suites []suite, mirror string) (*fleet, error) {
	if len(suites) == 0 || len(suites[0].Packages) == 0 {
		return nil, fmt.Errorf("no packages in the first index")
	}
	f := &fleet{opts: o, suites: suites, mirror: strings.TrimRight(mirror, "/"),
		main: make(map[string]debPackage), newer: make(map[string]debPackage)}
	for _, p := range suites[0].Packages {
		if p.Arch != "amd64" && p.Arch != "all" {
			continue
		}
		if q, ok := f.main[p.Name]; !ok || version.CompareDeb(p.Version, q.Version) > 0 {
			f.main[p.Name] = p
		}
	}
	for _, s := range suites[1:] {
		for _, p := range s.Packages {
			if _, ok := f.main[p.Name]; !ok && p.Arch == "amd64" && versionedImage.MatchString(p.Name) {
				f.kernels = append(f.kernels, p)
			}
			if _, ok := f.main[p.Name]; !ok || (p.Arch != "amd64" && p.Arch != "all") {
				continue
			}
			if q, ok := f.newer[p.Name]; !ok || version.CompareDeb(p.Version, q.Version) > 0 {
				f.newer[p.Name] = p
			}
		}
	}
	var kernels []string
	for n := range f.main {
		if strings.HasPrefix(n, "linux-image-") || strings.HasPrefix(n, "linux-headers-") {
			if versionedImage.MatchString(n) {
				kernels = append(kernels, n)
			}
			continue
		}
		f.universe = append(f.universe, n)
	}
	slices.Sort(f.universe)
	slices.SortFunc(kernels, func(a, b string) int {
		return version.CompareDeb(versionedImage.FindStringSubmatch(a)[1], versionedImage.FindStringSubmatch(b)[1])
	})
	slices.SortFunc(f.kernels, func(a, b debPackage) int { return version.CompareDeb(a.Version, b.Version) })
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 1))
	f.images = make([]image, o.Images)
	for i := range f.images {
		f.images[i] = f.newImage(rng, kernels)
	}
	return f, nil
}

// newImage draws a base image: the required and important packages, then mostly packages from
// a popular pool shared by all images (so images overlap as real ones do), then a few from the
// whole archive.
func (f *fleet) newImage(rng *rand.Rand, kernels []string) image {
	pick := make(map[string]bool, f.opts.Packages)
	for _, n := range f.universe {
		if pr := f.main[n].Priority; pr == "required" || pr == "important" {
			pick[n] = true
		}
	}
	pool := f.universe[:min(len(f.universe), 4*f.opts.Packages)]
	// The pool is the same for every image: a fixed stride through the sorted archive.
	if step := len(f.universe) / max(1, len(pool)); step > 1 {
		pool = make([]string, 0, 4*f.opts.Packages)
		for i := 0; i < len(f.universe); i += step {
			pool = append(pool, f.universe[i])
		}
	}
	for tries := 0; len(pick) < f.opts.Packages*9/10 && tries < 10*f.opts.Packages; tries++ {
		pick[pool[rng.IntN(len(pool))]] = true
	}
	for tries := 0; len(pick) < f.opts.Packages && tries < 10*f.opts.Packages; tries++ {
		pick[f.universe[rng.IntN(len(f.universe))]] = true
	}
	img := image{names: make([]string, 0, len(pick)+2), suites: []int{0}, patch: rng.Float64()}
	for n := range pick {
		img.names = append(img.names, n)
	}
	if len(kernels) > 0 {
		img.kernel = kernels[len(kernels)-1]
		img.names = append(img.names, img.kernel)
		if _, ok := f.main["linux-image-amd64"]; ok {
			img.names = append(img.names, "linux-image-amd64")
		}
	}
	slices.Sort(img.names)
	for s := 1; s < len(f.suites); s++ {
		if rng.Float64() < 0.9 {
			img.suites = append(img.suites, s)
		}
	}
	return img
}

// host builds host i's report. Hosts of one image are identical unless drawn to drift: then
// some packages are missing, some extra, some at older versions than any repo has, some at a
// different patch level, and maybe a suite is missing from its repos or a package is held.
func (f *fleet) host(i, round int) wire.Report {
	img := f.images[i%len(f.images)]
	rng := rand.New(rand.NewPCG(uint64(f.opts.Seed)+uint64(i), uint64(round)+2))
	drift := rng.Float64() < f.opts.Drift
	names := img.names
	suites := img.suites
	patch := img.patch
	var held []string
	older := map[string]bool{}
	if drift {
		names = slices.Clone(names)
		for range rng.IntN(10) {
			// Nobody removes the essential packages or the running kernel.
			j := rng.IntN(len(names))
			if pr := f.main[names[j]].Priority; pr != "required" && pr != "important" && !strings.HasPrefix(names[j], "linux-image") {
				names = slices.Delete(names, j, j+1)
			}
		}
		for range rng.IntN(10) {
			names = append(names, f.universe[rng.IntN(len(f.universe))])
		}
		slices.Sort(names)
		names = slices.Compact(names)
		for range rng.IntN(5) {
			older[names[rng.IntN(len(names))]] = true
		}
		patch = rng.Float64()
		if len(suites) > 1 && rng.Float64() < 0.2 {
			suites = suites[:len(suites)-1]
		}
		if rng.Float64() < 0.1 {
			held = append(held, names[rng.IntN(len(names))])
		}
	}
	r := wire.Report{Version: 1, Hostname: fmt.Sprintf("%s%05d.%s", f.opts.Prefix, i, f.opts.Domain),
		OS: "Debian GNU/Linux 12 (bookworm)", Arch: "x86_64", Agent: "patchward-fleetsim/1",
		OSRelease: map[string]string{"id": "debian", "version_id": "12", "pretty_name": "Debian GNU/Linux 12 (bookworm)"},
		Tags:      []string{fmt.Sprintf("image-%02d", i%len(f.images))},
		Packages:  make([]wire.Package, 0, len(names))}
	if m := versionedImage.FindStringSubmatch(img.kernel); m != nil {
		r.Kernel = m[1] + "-amd64"
	}
	// Which packages are at their newer version is drawn per image, so hosts that do not drift
	// are identical to their image (and share one computation); a drifted host draws its own.
	prng := rand.New(rand.NewPCG(uint64(f.opts.Seed), uint64(i%len(f.images))+1<<32))
	if drift {
		prng = rng
	}
	for _, n := range names {
		p := f.main[n]
		v := p.Version
		if nw, ok := f.newer[n]; ok && prng.Float64() < patch {
			v = nw.Version
		}
		if older[n] {
			v += "~pw1" // sorts before the version it extends: older than any repo's
		}
		e, ver, rel := splitDebVersion(v)
		r.Packages = append(r.Packages, wire.Package{Type: "deb", Name: n, Arch: p.Arch, Epoch: e, Version: ver, Release: rel,
			Held: slices.Contains(held, n)})
	}
	// A drifted host may have installed a newer kernel image from updates or security and
	// not rebooted into it yet.
	if drift && len(f.kernels) > 0 && rng.Float64() < 0.3 {
		k := f.kernels[len(f.kernels)-1]
		e, ver, rel := splitDebVersion(k.Version)
		r.Packages = append(r.Packages, wire.Package{Type: "deb", Name: k.Name, Arch: k.Arch, Epoch: e, Version: ver, Release: rel})
	}
	for _, s := range suites {
		name := f.suites[s].Name
		r.Repos = append(r.Repos, wire.Repo{Type: "deb", Name: "Debian " + name + " main", Priority: 500,
			URLs: []string{f.suiteURL(name)}})
	}
	return r
}

// suiteURL is the binary-amd64 directory of a suite on the mirror. A security suite's URL
// contains "security", which is how the server flags security repos.
func (f *fleet) suiteURL(name string) string {
	archive := "debian"
	if strings.Contains(name, "security") {
		archive = "debian-security"
	}
	return f.mirror + "/" + archive + "/dists/" + name + "/main/binary-amd64"
}
