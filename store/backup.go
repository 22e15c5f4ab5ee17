package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// ErrInUse is returned by Restore when another connection (a running server, a CLI command)
// has the database open.
var ErrInUse = errors.New("database is in use")

// Backup writes a consistent copy of the live database to dest with VACUUM INTO, checks the
// copy with PRAGMA integrity_check and returns its size. It is safe while the server runs:
// VACUUM INTO reads one snapshot in a read transaction, and in WAL mode readers never block the
// writer nor wait for it. The copy is written beside dest and renamed into place only once it
// verified, so dest never holds a partial backup. dest must not exist.
func (db *DB) Backup(ctx context.Context, dest string) (int64, error) {
	if _, err := os.Stat(dest); err == nil {
		return 0, fmt.Errorf("backup %s: file exists", dest)
	}
	tmp, err := tempPath(dest, ".partial")
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp)
	// A connection of its own: the reader pool is query_only, which forbids VACUUM, and the
	// writer must stay free for intake while the copy runs.
	conn, err := sql.Open("sqlite", dsn(db.path, "&_pragma=busy_timeout(10000)"))
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return 0, fmt.Errorf("backup: vacuum into %s: %w", tmp, err)
	}
	if err := verifyFile(ctx, tmp); err != nil {
		return 0, fmt.Errorf("backup: verify copy: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	syncDir(filepath.Dir(dest))
	fi, err := os.Stat(dest)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	return fi.Size(), nil
}

// Restore replaces the database at path with the backup src. It checks src first (integrity
// and that it is a patchward database), refuses with ErrInUse while anything has path open
// (stop the server first), and swaps the file in with one rename, so path is at every moment
// either the old database or the whole restored one. The old database, if any, is kept as
// path + ".before-restore" (replacing an older one of that name).
func Restore(ctx context.Context, src, path string) error {
	if err := verifyFile(ctx, src); err != nil {
		return fmt.Errorf("restore: check %s: %w", src, err)
	}
	if _, err := os.Stat(path); err == nil {
		if err := checkUnused(ctx, path); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("restore: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	tmp, err := tempPath(path, ".restoring")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(tmp)
	if err := copyFile(src, tmp); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := verifyFile(ctx, tmp); err != nil {
		return fmt.Errorf("restore: verify copy: %w", err)
	}
	// A WAL or shared-memory file left beside path belongs to the old database; SQLite would
	// replay it onto the restored one. checkUnused checkpointed and removed them; make sure.
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restore: %w", err)
		}
	}
	if _, err := os.Stat(path); err == nil {
		old := path + ".before-restore"
		os.Remove(old)
		if err := os.Link(path, old); err != nil {
			return fmt.Errorf("restore: keep old database: %w", err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	syncDir(filepath.Dir(path))
	return nil
}

// checkUnused fails with ErrInUse when another connection has path open. Leaving WAL mode needs
// the only connection to the file; it also checkpoints the WAL and removes it.
func checkUnused(ctx context.Context, path string) error {
	conn, err := sql.Open("sqlite", dsn(path, "&_pragma=busy_timeout(0)"))
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	var mode string
	err = conn.QueryRowContext(ctx, `PRAGMA journal_mode=DELETE`).Scan(&mode)
	if err != nil || !strings.EqualFold(mode, "delete") {
		return fmt.Errorf("%s: %w (stop the server and any patchward command first)", path, ErrInUse)
	}
	return nil
}

// verifyFile checks that path is a sound patchward database: integrity_check says ok and the
// migrations table exists.
func verifyFile(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	conn, err := sql.Open("sqlite", dsn(path, "&_pragma=busy_timeout(10000)&_pragma=query_only(1)"))
	if err != nil {
		return err
	}
	defer conn.Close()
	var result string
	if err := conn.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&result); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if result != "ok" {
		return fmt.Errorf("integrity check: %s", result)
	}
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n == 0 {
		return errors.New("not a patchward database (no applied migrations)")
	}
	return nil
}

func dsn(path, pragmas string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?_time_format=sqlite" + pragmas
}

// tempPath is a name beside target for a file that is renamed onto target when complete.
func tempPath(target, suffix string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+"-*"+suffix)
	if err != nil {
		return "", err
	}
	name := f.Name()
	f.Close()
	// VACUUM INTO refuses an existing non-empty file but accepts an empty one.
	return name, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// syncDir makes a rename durable; failure only weakens durability, so it is not reported.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
