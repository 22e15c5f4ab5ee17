package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

func countReports(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.read.QueryRow(`SELECT count(*) FROM reports`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBackupWhileWriting takes a backup while another goroutine keeps saving reports: the copy
// must pass integrity_check, and restoring it yields a database with a count of reports between
// what was committed before and after the backup.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, filepath.Join(dir, "live.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	save := func(i int) error {
		_, err := db.SaveReport(ctx, Report{Protocol: "native", Hostname: fmt.Sprintf("h%d.example.org", i)},
			HostReport{Hostname: fmt.Sprintf("h%d.example.org", i), Packages: []PackageKey{}})
		return err
	}
	for i := range 20 {
		if err := save(i); err != nil {
			t.Fatal(err)
		}
	}
	before := countReports(t, db)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var written atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1000; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := save(i); err != nil {
				t.Errorf("save during backup: %v", err)
				return
			}
			written.Add(1)
		}
	}()
	// Wait until the writer is really writing, so the backup races with it.
	for written.Load() < 5 {
		if t.Failed() {
			break
		}
	}
	dest := filepath.Join(dir, "backup.db")
	size, err := db.Backup(ctx, dest)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	fi, err := os.Stat(dest)
	if err != nil || fi.Size() != size || size == 0 {
		t.Fatalf("backup file: got size %d (stat %v), want %d > 0", fi.Size(), err, size)
	}
	after := countReports(t, db)
	if _, err := db.Backup(ctx, dest); err == nil {
		t.Error("backup onto an existing file: got nil error, want one")
	}

	target := filepath.Join(dir, "restored", "patchward.db")
	if err := Restore(ctx, dest, target); err != nil {
		t.Fatalf("restore into a new path: %v", err)
	}
	rdb, err := Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if err := rdb.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countReports(t, rdb); n < before+5 || n > after {
		t.Errorf("restored reports: got %d, want between %d and %d", n, before+5, after)
	}
}

// TestRestore covers the refusals and the swap of an existing database.
func TestRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src, err := Open(ctx, filepath.Join(dir, "src.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.SaveReport(ctx, Report{Protocol: "1", Hostname: "a.example.org"},
		HostReport{Hostname: "a.example.org", Packages: []PackageKey{}}); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "backup.db")
	if _, err := src.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	src.Close()

	target := filepath.Join(dir, "patchward.db")
	live, err := Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if err := Restore(ctx, backup, target); !errors.Is(err, ErrInUse) {
		t.Errorf("restore while the database is open: got %v, want ErrInUse", err)
	}
	live.Close()

	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte("not a database, just text that is long enough to look like one"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{garbage, filepath.Join(dir, "missing.db")} {
		if err := Restore(ctx, bad, target); err == nil {
			t.Errorf("restore from %s: got nil error, want one", filepath.Base(bad))
		}
	}

	if err := Restore(ctx, backup, target); err != nil {
		t.Fatalf("restore over a closed database: %v", err)
	}
	if _, err := os.Stat(target + ".before-restore"); err != nil {
		t.Errorf("old database not kept: %v", err)
	}
	db, err := Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := countReports(t, db); n != 1 {
		t.Errorf("reports after restore: got %d, want 1", n)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}
