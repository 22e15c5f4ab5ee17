// Package store is patchward's data layer: the only package that talks to SQLite. It owns the
// schema (embedded migrations), the two connection pools and every query.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a write would violate a uniqueness rule.
var ErrConflict = errors.New("conflict")

// DB is an open patchward database: one writer connection and a pool of read-only connections
// on the same WAL file, so readers never wait for the writer and writers never see
// "database is locked" from each other.
type DB struct {
	path  string
	write *sql.DB
	read  *sql.DB
	now   func() time.Time
	// pwCost is the argon2id cost of new password hashes; verification reads the cost from
	// each stored hash, so a cheap test cost never weakens a real database's existing hashes.
	pwCost passwordCost
}

// Option changes how Open sets up the DB.
type Option func(*DB)

// WithClock injects the clock used for every timestamp the store writes.
func WithClock(now func() time.Time) Option { return func(db *DB) { db.now = now } }

// WithPasswordCost sets the argon2id passes and memory (KiB) of new password hashes. Only tests
// lower it (see OpenTest); a server always hashes at the production cost.
func WithPasswordCost(passes, memoryKiB uint32) Option {
	return func(db *DB) { db.pwCost = passwordCost{passes, memoryKiB} }
}

// Open opens (creating if needed) the SQLite database at path and applies pending migrations.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create database directory: %w", err)
	}
	// Created before SQLite opens it: SQLite would create it with the umask's mode (0644), and
	// gives its -wal and -shm files the database file's mode.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	}
	db := &DB{path: path, now: time.Now, pwCost: productionCost}
	for _, o := range opts {
		o(db)
	}
	var err error
	// busy_timeout first so that even the journal_mode switch waits instead of failing.
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_time_format=sqlite"
	// The writer gets a 32 MB page cache (a 60,000-package refresh spills the default 2 MB);
	// readers keep SQLite's default so eight of them do not add up to hundreds of MB.
	if db.write, err = sql.Open("sqlite", base+"&_pragma=cache_size(-32000)&_txlock=immediate"); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// One writer: SQLite serialises writers anyway, and queuing them in Go instead of in
	// SQLite's busy handler is what keeps "database is locked" away from users.
	db.write.SetMaxOpenConns(1)
	db.write.SetConnMaxIdleTime(0)
	if db.read, err = sql.Open("sqlite", base+"&_pragma=query_only(1)"); err != nil {
		db.write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.read.SetMaxOpenConns(8)
	db.read.SetMaxIdleConns(8)
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	// -wal and -shm left by an older version (or another tool) are tightened too.
	for _, p := range []string{path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			db.Close()
			return nil, fmt.Errorf("restrict %s: %w", p, err)
		}
	}
	return db, nil
}

// Path is the database file's path.
func (db *DB) Path() string { return db.path }

// Now is the store's clock, truncated to seconds in UTC as stored.
func (db *DB) Now() time.Time { return db.now().UTC().Truncate(time.Second) }

// Close closes both pools.
func (db *DB) Close() error {
	return errors.Join(db.read.Close(), db.write.Close())
}

func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, applied DATETIME NOT NULL)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := db.applyMigration(ctx, name); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	if err := db.scrubUserinfo(ctx); err != nil {
		return fmt.Errorf("migration %s: %w", scrubMigration, err)
	}
	return nil
}

func (db *DB) applyMigration(ctx context.Context, name string) error {
	return db.withTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied) VALUES (?, ?)`, name, db.Now())
		return err
	})
}

// withTx runs fn in one write transaction (BEGIN IMMEDIATE through _txlock), committing if fn
// returns nil.
func (db *DB) withTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// withReadTx runs fn in one read transaction on the reader pool, so that several queries see
// one consistent snapshot.
// readTxKey carries a read transaction of one DB in a context (see ReadTx).
type readTxKey struct{ db *DB }

// ReadTx runs fn with one read transaction in its context: the store's reads that fn makes with
// that context (through withReadTx and the statement cache) see one snapshot and share one WAL
// read lock, instead of each statement taking its own. A page that shows a host's summary,
// updates, errata, repositories and reports is then consistent, and cheaper. The context must
// not be used from several goroutines at once: a transaction is one connection.
func (db *DB) ReadTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if db.ctxReadTx(ctx) != nil {
		return fn(ctx)
	}
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(context.WithValue(ctx, readTxKey{db}, tx))
}

// ctxReadTx returns the read transaction ReadTx put in ctx, or nil.
func (db *DB) ctxReadTx(ctx context.Context) *sql.Tx {
	tx, _ := ctx.Value(readTxKey{db}).(*sql.Tx)
	return tx
}

func (db *DB) withReadTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if tx := db.ctxReadTx(ctx); tx != nil {
		return fn(tx)
	}
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

// expectRow turns the result of a one-row UPDATE or DELETE into ErrNotFound when no row matched.
func expectRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrNotFound
	}
	return nil
}

// isConstraint reports whether err is a SQLite uniqueness or primary-key violation.
func isConstraint(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return true
		}
	}
	return false
}

// IntegrityCheck runs PRAGMA integrity_check and returns an error describing any problem.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	rows, err := db.read.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check: %s", strings.Join(problems, "; "))
	}
	return nil
}

// placeholders returns "?, ?, ?" with n marks.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// boolInt maps a Go bool to SQLite's 0/1.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nullTime turns a zero time into NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return db.read.PingContext(ctx)
}

// limitSQL is a LIMIT (and OFFSET, when offset > 0) clause with the numbers written in. A bound
// `LIMIT ?` lets SQLite plan with the value, and it then re-prepares the statement whenever the
// parameter is bound again: every execution of a cached statement paid a full parse (three times
// the cost of the query itself for the host page's report history). limit <= 0 means no limit.
func limitSQL(limit, offset int) string {
	if limit <= 0 {
		limit = -1
	}
	s := " LIMIT " + strconv.Itoa(limit)
	if offset > 0 {
		s += " OFFSET " + strconv.Itoa(offset)
	}
	return s
}
