package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"patchward/store"
)

// TestLitestreamRecovery is the disaster-recovery drill of the README: Litestream replicates
// the live database to a file replica while hosts report; the server is killed (SIGKILL, as a
// lost machine), the database is restored from the replica into a new data directory, and
// every report the server acknowledged is there. CI installs litestream (v0.3.13) with go install.
func TestLitestreamRecovery(t *testing.T) {
	requireTools(t, "litestream")
	bin := buildBinary(t)
	data, replica := t.TempDir(), t.TempDir()
	cfg := filepath.Join(t.TempDir(), "litestream.yml")
	must(t, os.WriteFile(cfg, []byte(fmt.Sprintf("dbs:\n  - path: %s\n    replicas:\n      - type: file\n        path: %s\n        sync-interval: 200ms\n",
		filepath.Join(data, "patchward.db"), replica)), 0o644))
	p := startProc(t, bin, data)

	ls := exec.Command("litestream", "replicate", "-config", cfg)
	lsLogs := &syncBuffer{}
	ls.Stdout, ls.Stderr = lsLogs, lsLogs
	must(t, ls.Start())
	lsDone := make(chan error, 1)
	go func() { lsDone <- ls.Wait() }()
	t.Cleanup(func() {
		if ls.ProcessState == nil {
			ls.Process.Kill()
			<-lsDone
		}
	})

	up := loadProtocol1(t, "http://mirror.example.org")
	const reports = 40
	for i := range reports {
		resp := do(t, up.request(p.base, fmt.Sprintf("dr%02d.example.org", i)))
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("report %d: got %d, want 204", i, resp.StatusCode)
		}
	}
	p.stop(t, syscall.SIGKILL)  // the machine is gone; its WAL is still on disk for litestream
	time.Sleep(2 * time.Second) // ten sync intervals
	must(t, ls.Process.Signal(syscall.SIGTERM))
	select {
	case <-lsDone:
	case <-time.After(30 * time.Second):
		t.Fatalf("litestream did not stop:\n%s", lsLogs.String())
	}

	restored := t.TempDir()
	cmd := exec.Command("litestream", "restore", "-config", cfg, "-o", filepath.Join(restored, "patchward.db"), filepath.Join(data, "patchward.db"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("litestream restore: %v\n%s\nreplicate logs:\n%s", err, out, lsLogs.String())
	}
	db := store.OpenTestFile(t, filepath.Join(restored, "patchward.db"))
	if err := db.IntegrityCheck(context.Background()); err != nil {
		t.Fatalf("restored database: %v", err)
	}
	rs, err := db.Reports(context.Background(), store.ReportFilter{Limit: 1000})
	must(t, err)
	if len(rs) != reports {
		t.Fatalf("restored database holds %d reports, want all %d acknowledged\nreplicate logs:\n%s", len(rs), reports, lsLogs.String())
	}
	// The restored directory serves: a new server starts on it and knows the hosts.
	q := startProc(t, bin, restored)
	get(t, q.base+"/healthz", http.StatusOK)
}
