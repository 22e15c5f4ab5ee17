package ui

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"patchward/store"
	"patchward/ui/app/gc"
)

// benchClients is the number of concurrent clients of the page benchmarks.
const benchClients = 32

// BenchmarkPages measures the main pages over loopback HTTP against the 10,000-host fleet with
// 32 concurrent clients, reporting p50/p99 latency and the gzip-transferred bytes of a page.
// Run with a fixed request count, e.g.:
//
//	go test ./ui/ -run '^$' -bench BenchmarkPages -benchtime 3200x
func BenchmarkPages(b *testing.B) {
	path, err := benchFleetPath(b.Logf)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	cookie := benchSession(b, db)
	gc.Tune() // as patchward serve does
	ui := newServer(db, Options{StaleDays: 14}, slog.New(slog.NewTextHandler(io.Discard, nil)), Actions{})
	h := ui.routes()
	srv := httptest.NewServer(h)
	defer srv.Close()
	html, total := pageWeight(b, h, cookie, "/")
	assetBytes := total - html
	pages := benchPagePaths()
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			builds := ui.cache.builds.Load()
			benchPage(b, srv, cookie, p.paths, assetBytes)
			// Whole-fleet reads rebuilt during the run: 0 unless the database changed.
			b.ReportMetric(float64(ui.cache.builds.Load()-builds), "cache-rebuilds")
		})
	}
}

// benchPagePaths are the paths each page benchmark rotates through, so caches of one answer do
// not flatter the figures: 500 different hosts, and the host list under varied filters.
func benchPagePaths() []struct {
	name  string
	paths []string
} {
	var hostPages []string
	for i := range 500 {
		n := (i * 7919) % benchHosts
		hostPages = append(hostPages, fmt.Sprintf("/hosts/host%05d.%s.example.org", n, []string{"eu", "us", "ap"}[n%3]))
	}
	return []struct {
		name  string
		paths []string
	}{
		{"dashboard", []string{"/"}},
		{"hosts", []string{"/hosts", "/hosts?page=2", "/hosts?page=117&sort=report&dir=desc"}},
		{"hosts-filtered", []string{"/hosts?security=yes&sort=security&dir=desc&page=3", "/hosts?q=host042&os=Rocky+Linux+9.2",
			"/hosts?tag=web&reboot=no&sort=packages", "/hosts?stale=yes&arch=amd64&sort=os", "/hosts?domain=eu.example.org&q=host01"}},
		{"host", hostPages},
		// The admin's fleet questions (issue 17): pkg0001..pkg0004 are installed on every host.
		{"updates", []string{"/updates", "/updates?security=yes", "/updates?package=pkg0001", "/updates?tag=web&page=2",
			"/updates?os=Rocky+Linux+9.2&security=no"}},
		{"package-everywhere", []string{"/packages/pkg0001", "/packages/pkg0002?page=50", "/packages/pkg0003", "/packages/pkg0004?page=99"}},
		{"hosts-pending", []string{"/hosts?pending=pkg0001", "/hosts?pending_security=pkg0002&page=3", "/hosts?package=pkg0003&sort=os",
			"/hosts?pending=pkg0004&tag=web"}},
		{"api-fleet", []string{"/api/v1/updates", "/api/v1/updates?package=pkg0001", "/api/v1/packages/pkg0002",
			"/api/v1/hosts?pending=pkg0003", "/api/v1/hosts?pending_security=pkg0001&page=2"}},
		// Whole-fleet exports: streamed, not a latency target.
		{"csv-fleet", []string{"/updates?format=csv", "/hosts?format=csv"}},
	}
}

// benchSession logs a bench user in, creating it on first use.
func benchSession(b testing.TB, db *store.DB) *http.Cookie {
	ctx := context.Background()
	users, err := db.Users(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var id int64
	for _, u := range users {
		if u.Name == "bench" {
			id = u.ID
		}
	}
	if id == 0 {
		u, err := db.CreateUser(ctx, "bench", "bench password 123", "viewer")
		if err != nil {
			b.Fatal(err)
		}
		id = u.ID
	}
	token, err := db.CreateSession(ctx, id, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	return &http.Cookie{Name: sessionCookie, Value: token}
}

func benchPage(b *testing.B, srv *httptest.Server, cookie *http.Cookie, paths []string, assetBytes int) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchClients, DisableCompression: true}}
	get := func(path string) (int, error) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.AddCookie(cookie)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		n, err := io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: status %d", path, resp.StatusCode)
		}
		return int(n), err
	}
	size := 0 // the largest transferred size of the page's paths; also warms up
	for _, p := range paths[:min(len(paths), 10)] {
		n, err := get(p)
		if err != nil {
			b.Fatal(err)
		}
		size = max(size, n)
	}
	lat := make([]time.Duration, b.N)
	cpu0 := cpuTime()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for range benchClients {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				t0 := time.Now()
				if _, err := get(paths[int(i)%len(paths)]); err != nil {
					b.Error(err)
					return
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	// CPU per request of this process (server and load generator both), a figure that other
	// load on the machine does not distort the way latency is distorted.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(size), "html-gzip-bytes")
	b.ReportMetric(float64(size+assetBytes), "page-bytes")
}

// cpuTime is the user+system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestServeBenchFleet serves the UI on the 10,000-host fleet for external load generators
// (wrk): PATCHWARD_SERVE_FLEET=127.0.0.1:8089 go test ./ui/ -run TestServeBenchFleet -timeout 0
// prints the session cookie and serves until the test binary is stopped.
func TestServeBenchFleet(t *testing.T) {
	addr := os.Getenv("PATCHWARD_SERVE_FLEET")
	if addr == "" {
		t.Skip("set PATCHWARD_SERVE_FLEET=host:port to serve the benchmark fleet")
	}
	// PATCHWARD_SERVE_FLEET_DB serves another database instead, e.g. the simulator fleet's
	// (.bench/simfleet/data/patchward.db, see simfleet.sh).
	path := os.Getenv("PATCHWARD_SERVE_FLEET_DB")
	if path == "" {
		var err error
		if path, err = benchFleetPath(t.Logf); err != nil {
			t.Fatal(err)
		}
	}
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cookie := benchSession(t, db)
	gc.Tune() // as patchward serve does
	fmt.Printf("cookie: %s=%s\n", cookie.Name, cookie.Value)
	srv := &http.Server{Addr: addr, Handler: newServer(db, Options{StaleDays: 14}, nil, Actions{}).routes()}
	// PATCHWARD_SERVE_FLEET_PROFILE=FILE,DURATION writes a CPU profile of the server's first DURATION.
	if spec := os.Getenv("PATCHWARD_SERVE_FLEET_PROFILE"); spec != "" {
		file, dur, _ := strings.Cut(spec, ",")
		d, err := time.ParseDuration(dur)
		if err != nil {
			t.Fatalf("PATCHWARD_SERVE_FLEET_PROFILE=%s: want FILE,DURATION", spec)
		}
		f, err := os.Create(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			t.Fatal(err)
		}
		time.AfterFunc(d, func() { pprof.StopCPUProfile(); f.Close() })
	}
	t.Fatal(srv.ListenAndServe())
}

// BenchmarkPageCPU renders the benchmark pages one at a time straight through the handler (no
// network, no load generator): the CPU cost of each page, steadier than the latencies under load.
//
//	go test ./ui/ -run '^$' -bench BenchmarkPageCPU -count 5
func BenchmarkPageCPU(b *testing.B) {
	path, err := benchFleetPath(b.Logf)
	if err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	cookie := benchSession(b, db)
	h := newServer(db, Options{StaleDays: 14}, slog.New(slog.NewTextHandler(io.Discard, nil)), Actions{}).routes()
	for _, p := range benchPagePaths() {
		b.Run(p.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				req := httptest.NewRequest(http.MethodGet, p.paths[i%len(p.paths)], nil)
				req.AddCookie(cookie)
				req.Header.Set("Accept-Encoding", "gzip")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s: status %d", p.paths[i%len(p.paths)], rec.Code)
				}
			}
		})
	}
}

// BenchmarkFleetView measures building the fleet view of the 10,000-host benchmark fleet:
// cold (everything read and decoded) and warm (one computation changed since the last view,
// as after a report: the rest is reused).
//
//	go test ./ui/ -run '^$' -bench BenchmarkFleetView -benchtime 5x
func BenchmarkFleetView(b *testing.B) {
	path, err := benchFleetPath(b.Logf)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.NewFleetIndex().Load(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		x := db.NewFleetIndex()
		if _, err := x.Load(ctx); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := x.Load(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
