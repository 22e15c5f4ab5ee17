package ui

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"patchward/store"
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
	srv := httptest.NewServer(newServer(db, Options{StaleDays: 14}, slog.New(slog.NewTextHandler(io.Discard, nil)), Actions{}).routes())
	defer srv.Close()
	pages := []struct{ name, path string }{
		{"dashboard", "/"},
		{"hosts", "/hosts"},
		{"hosts-filtered", "/hosts?security=yes&sort=security&dir=desc&page=3"},
		{"hosts-search", "/hosts?q=host042&os=Rocky+Linux+9.2"},
		{"host", "/hosts/host04242.us.example.org"},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) { benchPage(b, srv, cookie, p.path) })
	}
}

// benchSession logs a bench user in, creating it on first use.
func benchSession(b *testing.B, db *store.DB) *http.Cookie {
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

func benchPage(b *testing.B, srv *httptest.Server, cookie *http.Cookie, path string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchClients, DisableCompression: true}}
	get := func() (int, error) {
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
	size, err := get() // warm up, and the transferred size of the page
	if err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, b.N)
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
				if _, err := get(); err != nil {
					b.Error(err)
					return
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(size), "gzip-bytes")
}
