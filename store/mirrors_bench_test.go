package store

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkSaveMirrorPackages stores a 63,000-package index (the size of Debian bookworm main
// amd64) into an empty database: every package row is new.
func BenchmarkSaveMirrorPackages(b *testing.B) {
	keys := make([]PackageKey, 63000)
	for i := range keys {
		keys[i] = PackageKey{Type: "deb", Name: fmt.Sprintf("package-name-%05d", i), Arch: "amd64",
			Version: fmt.Sprintf("1.%d.0", i%50), Release: "1+deb12u1"}
	}
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		db, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		repo, err := db.write.Exec(`INSERT INTO repos (name, type, created) VALUES ('r', 'deb', ?)`, db.Now())
		if err != nil {
			b.Fatal(err)
		}
		repoID, _ := repo.LastInsertId()
		m, err := db.write.Exec(`INSERT INTO mirrors (repo_id, url) VALUES (?, 'http://x/y')`, repoID)
		if err != nil {
			b.Fatal(err)
		}
		mirrorID, _ := m.LastInsertId()
		before := cpuTime(b)
		b.StartTimer()
		if _, err := db.SaveMirrorPackages(context.Background(), mirrorID, keys, nil, MirrorMeta{}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += cpuTime(b) - before
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// cpuTime is the process's user plus system CPU time so far: unlike wall time, a busy shared
// machine does not distort it much.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
