package updates

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"patchward/store"
)

// synthFleet makes repos with 66,000 packages in total (main 50,000, updates 10,000,
// security 6,000) and hosts of 1,500 installed packages drawn from main, with realistic
// Debian-style versions.
type synthFleet struct {
	main, updates, security []store.PackageKey
}

func newSynthFleet() synthFleet {
	var f synthFleet
	for i := range 50000 {
		f.main = append(f.main, store.PackageKey{Type: "deb", Name: fmt.Sprintf("pkg%05d", i), Arch: "amd64",
			Version: fmt.Sprintf("%d.%d.%d", i%7, i%13, i%5), Release: "1"})
	}
	for i := range 10000 {
		k := f.main[i*5]
		k.Release = "1+deb12u1"
		f.updates = append(f.updates, k)
	}
	for i := range 6000 {
		k := f.main[i*8+1]
		k.Release = "1+deb12u2"
		f.security = append(f.security, k)
	}
	return f
}

func (f synthFleet) host(r *rand.Rand) []store.PackageKey {
	out := make([]store.PackageKey, 0, 1500)
	seen := map[int]bool{}
	for len(out) < 1500 {
		i := r.IntN(len(f.main))
		if !seen[i] {
			seen[i] = true
			out = append(out, f.main[i])
		}
	}
	return out
}

func BenchmarkFind(b *testing.B) {
	f := newSynthFleet()
	var id int64
	with := func(keys []store.PackageKey) []store.Package {
		out := make([]store.Package, len(keys))
		for i, k := range keys {
			id++
			out[i] = store.Package{ID: id, PackageKey: k}
		}
		return out
	}
	main := with(f.main)
	in := Input{Repos: []Repo{
		{ID: 1, Priority: 500, Enabled: true, Packages: main},
		{ID: 2, Priority: 500, Enabled: true, Packages: with(f.updates)},
		{ID: 3, Priority: 500, Enabled: true, Security: true, Packages: with(f.security)},
	}}
	for i := range in.Repos {
		SortByName(in.Repos[i].Packages)
		in.Repos[i].ByName = map[string][]store.Package{}
		for _, p := range in.Repos[i].Packages {
			in.Repos[i].ByName[p.Name] = append(in.Repos[i].ByName[p.Name], p)
		}
	}
	idx := map[string]store.Package{}
	for _, p := range main {
		idx[p.Name] = p
	}
	for _, k := range f.host(rand.New(rand.NewPCG(1, 1))) {
		in.Installed = append(in.Installed, idx[k.Name])
	}
	b.ResetTimer()
	var n int
	for b.Loop() {
		n = len(Find(in))
	}
	b.ReportMetric(float64(n), "updates")
}

// BenchmarkFindDirty measures a full recompute through the store: loading inputs (with the
// run's cache), Find, and batched saves, for distinct computations of 1,500 packages against
// 66,000 repo packages. Divide ns/op by the computations metric for the per-computation cost.
func BenchmarkFindDirty(b *testing.B) {
	const hosts = 200
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	f := newSynthFleet()
	repos := []store.ReportedRepo{
		{Type: "deb", Name: "main", Priority: 500, URLs: []string{"http://deb.example.org/debian/dists/bookworm/main/binary-amd64"}},
		{Type: "deb", Name: "updates", Priority: 500, URLs: []string{"http://deb.example.org/debian/dists/bookworm-updates/main/binary-amd64"}},
		{Type: "deb", Name: "security", Priority: 500, URLs: []string{"http://security.example.org/debian-security/dists/bookworm-security/main/binary-amd64"}},
	}
	r := rand.New(rand.NewPCG(2, 2))
	for i := range hosts {
		_, err := db.ApplyHostReport(ctx, 0, store.HostReport{Hostname: fmt.Sprintf("h%04d", i), OS: "Debian 12",
			Arch: "x86_64", Packages: f.host(r), Repos: repos, Received: time.Now()})
		if err != nil {
			b.Fatal(err)
		}
	}
	ms, err := db.MirrorsToRefresh(ctx, 0)
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range ms {
		pk := map[string][]store.PackageKey{repos[0].URLs[0]: f.main, repos[1].URLs[0]: f.updates, repos[2].URLs[0]: f.security}[m.URL]
		if _, err := db.SaveMirrorPackages(ctx, m.ID, pk, nil, store.MirrorMeta{Checksum: m.URL}); err != nil {
			b.Fatal(err)
		}
	}
	fd := NewFinder(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := fd.FindDirty(ctx); err != nil { // first results written; the loop measures recomputes
		b.Fatal(err)
	}
	cpu0 := cpuTime()
	b.ResetTimer()
	var sum Summary
	for b.Loop() {
		if sum, err = fd.FindAll(ctx, true); err != nil {
			b.Fatal(err)
		}
	}
	// CPU time is reported beside wall time because shared CI machines make wall time noisy.
	per := float64(b.N * max(1, sum.Computations))
	b.ReportMetric(float64(sum.Computations), "computations")
	b.ReportMetric(float64(sum.Took.Microseconds())/float64(max(1, sum.Computations)), "wall-µs/computation")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/per, "cpu-µs/computation")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFindForHost measures the per-host path after a report: the host's report changes
// one package (a new package set, so a new dirty computation), ApplyHostReport stores it, and
// FindForHost computes its updates against 66,000 repo packages with the Finder's warm cache,
// as the server does after every report. ns/op is apply + find; find-ms/op is FindForHost alone.
func BenchmarkFindForHost(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	f := newSynthFleet()
	repos := []store.ReportedRepo{
		{Type: "deb", Name: "main", Priority: 500, URLs: []string{"http://deb.example.org/debian/dists/bookworm/main/binary-amd64"}},
		{Type: "deb", Name: "updates", Priority: 500, URLs: []string{"http://deb.example.org/debian/dists/bookworm-updates/main/binary-amd64"}},
		{Type: "deb", Name: "security", Priority: 500, URLs: []string{"http://security.example.org/debian-security/dists/bookworm-security/main/binary-amd64"}},
	}
	r := rand.New(rand.NewPCG(3, 3))
	base := f.host(r)
	report := func(pkgs []store.PackageKey) store.HostReport {
		return store.HostReport{Hostname: "h0001", OS: "Debian 12", Arch: "x86_64", Kernel: "6.1.0-43-amd64",
			Packages: pkgs, Repos: repos, Received: time.Now()}
	}
	hostID, err := db.ApplyHostReport(ctx, 0, report(base))
	if err != nil {
		b.Fatal(err)
	}
	ms, err := db.MirrorsToRefresh(ctx, 0)
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range ms {
		pk := map[string][]store.PackageKey{repos[0].URLs[0]: f.main, repos[1].URLs[0]: f.updates, repos[2].URLs[0]: f.security}[m.URL]
		if _, err := db.SaveMirrorPackages(ctx, m.ID, pk, nil, store.MirrorMeta{Checksum: m.URL}); err != nil {
			b.Fatal(err)
		}
	}
	fd := NewFinder(db, nil)
	if err := fd.FindForHost(ctx, hostID); err != nil { // warms the Finder's cache, as a running server's is
		b.Fatal(err)
	}
	var find time.Duration
	i := 0
	b.ResetTimer()
	for b.Loop() {
		pkgs := slices.Clone(base)
		i++
		pkgs[i%len(pkgs)] = f.main[(i*7919)%len(f.main)] // one package changed: a new set
		if _, err := db.ApplyHostReport(ctx, 0, report(pkgs)); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := fd.FindForHost(ctx, hostID); err != nil {
			b.Fatal(err)
		}
		find += time.Since(start)
	}
	b.ReportMetric(float64(find.Microseconds())/1000/float64(b.N), "find-ms/op")
}
