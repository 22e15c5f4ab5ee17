package repo

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"patchward/store"
)

// BenchmarkRefreshBookworm refreshes a real Debian Packages.xz (bookworm main amd64: 8.8 MB,
// 63,440 packages) from a loopback server, parse and store included. Set
// PATCHWARD_BENCH_PACKAGES=/path/to/Packages.xz; skipped otherwise. "cold" starts from an
// empty database each time; "unchanged" is the second refresh, which must download no index.
func BenchmarkRefreshBookworm(b *testing.B) {
	path := os.Getenv("PATCHWARD_BENCH_PACKAGES")
	if path == "" {
		b.Skip("PATCHWARD_BENCH_PACKAGES not set (path to a Packages.xz)")
	}
	if _, err := os.Stat(path); err != nil {
		b.Fatal(err)
	}
	var downloads atomic.Int64
	const index = "/debian/dists/bookworm/main/binary-amd64/Packages.xz"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != index {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("If-Modified-Since") == "" {
			downloads.Add(1)
		}
		// Served from the file, as a real mirror would, so the index does not sit in this
		// process's heap twice and inflate the peak RSS being measured.
		http.ServeFile(w, r, path)
	}))
	defer srv.Close()
	mirrorURL := srv.URL + "/debian/dists/bookworm/main/binary-amd64"

	setup := func(b *testing.B) *Refresher {
		db, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		_, err = db.ApplyHostReport(context.Background(), 0, store.HostReport{Hostname: "bench", OS: "Debian 12", Arch: "amd64",
			Packages: []store.PackageKey{}, Repos: []store.ReportedRepo{{Type: "deb", Name: "main", URLs: []string{mirrorURL}}}})
		if err != nil {
			b.Fatal(err)
		}
		return NewRefresher(db, Options{AllowNetworks: loopback}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	run := func(b *testing.B, r *Refresher, want Status) Summary {
		s, err := r.Refresh(context.Background(), Request{})
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Results) != 1 || s.Results[0].Status != want {
			b.Fatalf("got %+v, want one %s mirror", s, want)
		}
		return s
	}
	b.Run("cold", func(b *testing.B) {
		var cpu time.Duration
		for b.Loop() {
			b.StopTimer()
			r := setup(b)
			before := cpuTime(b)
			b.StartTimer()
			s := run(b, r, StatusChanged)
			b.StopTimer()
			cpu += cpuTime(b) - before
			b.StartTimer()
			b.ReportMetric(float64(s.Packages), "packages")
		}
		// CPU time (user+system, all goroutines) is what a busy shared machine cannot
		// distort; wall time divided by the cores is the best case.
		b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	})
	b.Run("unchanged", func(b *testing.B) {
		r := setup(b)
		run(b, r, StatusChanged)
		before := downloads.Load()
		for b.Loop() {
			run(b, r, StatusUnchanged)
		}
		if got := downloads.Load() - before; got != 0 {
			b.Fatalf("got %d index downloads on unchanged refreshes, want 0", got)
		}
	})
}

// cpuTime is the process's user plus system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
