package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkSaveMirrorPackages stores a 63,000-package index (the size of Debian bookworm main
// amd64) into an empty database: every package row is new.
func BenchmarkSaveMirrorPackages(b *testing.B) {
	keys := make([]PackageKey, 63000)
	for i := range keys {
		keys[i] = PackageKey{Type: "deb", Name: fmt.Sprintf("package-name-%05d", i), Arch: "amd64",
			Version: fmt.Sprintf("1.%d.0", i%50), Release: "1+deb12u1"}
	}
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
		b.StartTimer()
		if _, err := db.SaveMirrorPackages(context.Background(), mirrorID, keys, nil, MirrorMeta{}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}
