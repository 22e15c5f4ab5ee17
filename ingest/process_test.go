package ingest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"patchward/store"
)

func saveTestReport(t *testing.T, db *store.DB, host string) int64 {
	t.Helper()
	hr := store.HostReport{Hostname: host, OS: "Debian 12.11", Kernel: "6.1", Arch: "x86_64",
		Packages: []store.PackageKey{{Type: "deb", Name: "bash", Arch: "amd64", Version: "5.2.15"}}}
	id, err := db.SaveReport(context.Background(), store.Report{Protocol: "native"}, hr)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestProcessPending(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	var hosts []int64
	p := NewProcessor(db, nil, func(_ context.Context, hostID int64) { hosts = append(hosts, hostID) })
	good := saveTestReport(t, db, "a.example.org")
	// A payload that decodes but cannot be applied (no hostname) must be rejected, not stuck.
	bad, err := db.SaveReport(ctx, store.Report{Protocol: "native", Hostname: "x"}, store.HostReport{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := p.ProcessPending(ctx)
	if err != nil || n != 1 {
		t.Fatalf("got %d, %v, want 1 processed", n, err)
	}
	if len(hosts) != 1 {
		t.Errorf("got onProcessed calls %v, want one", hosts)
	}
	for id, want := range map[int64]string{good: store.ReportProcessed, bad: store.ReportRejected} {
		r, err := db.Report(ctx, id)
		if err != nil || r.Status != want {
			t.Errorf("report %d: got %q, %v, want %s", id, r.Status, err, want)
		}
	}
	if n, err := p.ProcessPending(ctx); n != 0 || err != nil {
		t.Errorf("second run: got %d, %v, want nothing to do", n, err)
	}
	if err := p.ProcessReport(ctx, good); err != nil {
		t.Errorf("processing a processed report: got %v, want a no-op", err)
	}
}

func TestProcessConcurrent(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	const reports = 12
	for i := range reports {
		saveTestReport(t, db, fmt.Sprintf("h%d.example.org", i%4))
	}
	var total atomic.Int64
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := NewProcessor(db, nil, nil).ProcessPending(ctx)
			if err != nil {
				t.Error(err)
			}
			total.Add(int64(n))
		}()
	}
	wg.Wait()
	if total.Load() != reports {
		t.Errorf("got %d processed in all, want %d (each exactly once)", total.Load(), reports)
	}
	if rs, _ := db.Reports(ctx, store.ReportFilter{Status: store.ReportPending}); len(rs) != 0 {
		t.Errorf("got %d pending after processing, want 0", len(rs))
	}
}

func TestProcessorRun(t *testing.T) {
	db := openTestDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	wake := make(chan struct{}, 1)
	done := make(chan struct{})
	processed := make(chan int64, 1)
	p := NewProcessor(db, nil, func(_ context.Context, hostID int64) { processed <- hostID })
	go func() { defer close(done); p.Run(ctx, wake) }()
	h := Handler(db, Options{}, nil, func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	})
	hdr, path, body := fixtureRequest(t, "patchman-protocol1-debian12")
	if rec := post(h, path, "127.0.0.1:1", hdr, body); rec.Code != 204 {
		t.Fatalf("got %d, want 204", rec.Code)
	}
	select {
	case hostID := <-processed:
		rs, err := db.Reports(context.Background(), store.ReportFilter{Status: store.ReportProcessed})
		if err != nil || len(rs) != 1 || rs[0].HostID != hostID {
			t.Errorf("got processed reports %+v, %v, want one for host %d", rs, err, hostID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("report not processed within 10s of intake")
	}
	cancel()
	<-done
}

// TestFixturesEndToEnd sends the 3.x protocol 1 capture and then the 4.x protocol 2 capture of
// the same host: repos renamed by client 4.x must resolve to the same repos by mirror URL.
func TestFixturesEndToEnd(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	h := Handler(db, Options{}, nil, nil)
	p := NewProcessor(db, nil, nil)
	var hostIDs []int64
	for _, name := range []string{"patchman-protocol1-debian12", "patchman4-protocol2-debian12.http"} {
		hdr, path, body := fixtureRequest(t, name)
		hdr.Del("Authorization") // the capture's key is a placeholder; loopback needs none
		if rec := post(h, path, "127.0.0.1:1", hdr, body); rec.Code/100 != 2 {
			t.Fatalf("%s: got %d %s", name, rec.Code, rec.Body)
		}
		if n, err := p.ProcessPending(ctx); err != nil || n != 1 {
			t.Fatalf("%s: processed %d, %v, want 1", name, n, err)
		}
		rs, err := db.Reports(ctx, store.ReportFilter{Limit: 1})
		if err != nil || rs[0].Status != store.ReportProcessed {
			t.Fatalf("%s: got %+v, %v, want processed", name, rs, err)
		}
		hostIDs = append(hostIDs, rs[0].HostID)
	}
	if hostIDs[0] != hostIDs[1] {
		t.Errorf("got hosts %v, want one host", hostIDs)
	}
	repos, err := db.HostRepos(ctx, hostIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	security := 0
	for _, r := range repos {
		if r.Priority != 500 || len(r.URLs) != 1 {
			t.Errorf("got repo %+v, want priority 500 and one mirror", r)
		}
		if r.Security {
			security++
		}
	}
	if len(repos) != 3 || security != 1 {
		t.Errorf("got %d repos (%d security), want the same 3 repos found by URL, 1 security", len(repos), security)
	}
	h1, err := db.HostByName(ctx, "TestHost.example.org")
	if err != nil {
		t.Fatal(err)
	}
	f := fixtureFields(t, "patchman4-protocol1-debian12.http")
	if h1.Packages != countLines(f["packages"]) || h1.OS != "Debian 12.11" || h1.Domain != "example.org" ||
		h1.RebootRequired || len(h1.Tags) != 1 || h1.IP != "127.0.0.1" {
		t.Errorf("got host %+v, want the 4.x package count %d, Debian 12.11, example.org, no reboot, tag bench, 127.0.0.1",
			h1, countLines(f["packages"]))
	}
}
