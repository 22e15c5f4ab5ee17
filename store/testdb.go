package store

import (
	"context"
	"path/filepath"
)

// TB is the part of testing.TB that OpenTest uses; store takes it as an interface so that the
// server binary does not import package testing.
type TB interface {
	Helper()
	TempDir() string
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// OpenTest is the one helper every package's tests open a database with: a fresh file in
// tb.TempDir() through the real Open (migrations, both pools, WAL), closed at the end of the
// test, with a cheap argon2id cost (1 pass, 64 KiB) so that tests creating users do not spend
// seconds hashing at the production cost. Options (a clock, say) are applied after it.
func OpenTest(tb TB, opts ...Option) *DB {
	tb.Helper()
	return OpenTestFile(tb, filepath.Join(tb.TempDir(), "patchward.db"), opts...)
}

// OpenTestFile is OpenTest on the database file at path (a copy of a seeded template, say).
func OpenTestFile(tb TB, path string, opts ...Option) *DB {
	tb.Helper()
	all := append([]Option{WithPasswordCost(1, 64)}, opts...)
	db, err := Open(context.Background(), path, all...)
	if err != nil {
		tb.Fatalf("open test database: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
