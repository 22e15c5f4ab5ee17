package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// Integrity is what SQLite says of the database file: PRAGMA integrity_check (["ok"] when
// healthy) and PRAGMA foreign_key_check, one line per row that points at a missing parent.
type Integrity struct {
	Check       []string
	ForeignKeys []string
}

// OK reports whether SQLite found nothing wrong.
func (i Integrity) OK() bool {
	return len(i.Check) == 1 && i.Check[0] == "ok" && len(i.ForeignKeys) == 0
}

// CheckIntegrity runs SQLite's own checks on the reader pool; they read every page, so on a
// large database they take a while but never block writers (WAL).
func (db *DB) CheckIntegrity(ctx context.Context) (Integrity, error) {
	var in Integrity
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `PRAGMA integrity_check`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return err
			}
			in.Check = append(in.Check, s)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		fk, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
		if err != nil {
			return err
		}
		defer fk.Close()
		for fk.Next() {
			var table, parent string
			var rowid sql.NullInt64
			var fkid int
			if err := fk.Scan(&table, &rowid, &parent, &fkid); err != nil {
				return err
			}
			in.ForeignKeys = append(in.ForeignKeys, fmt.Sprintf("%s row %d: missing %s", table, rowid.Int64, parent))
		}
		return fk.Err()
	})
	if err != nil {
		return Integrity{}, fmt.Errorf("check integrity: %w", err)
	}
	return in, nil
}

// Orphans counts one kind of row nothing uses any more.
type Orphans struct {
	What  string
	Count int64
}

// orphanDeletes are the kinds of unused rows in the order they are cleaned: each step can
// leave the next kinds unused (a computation holds its package set and repo set; a mirror
// holds the packages of its blob). Rows are only ever unused for good: a report that brings
// the same package set back creates it again.
var orphanDeletes = []struct{ what, query string }{
	{"computations no host uses", `DELETE FROM computations WHERE id NOT IN
		(SELECT computation_id FROM hosts WHERE computation_id IS NOT NULL)
		AND id != (SELECT max(id) FROM computations)`},
	{"package sets no host uses", `DELETE FROM package_sets WHERE id NOT IN
		(SELECT package_set_id FROM hosts WHERE package_set_id IS NOT NULL)
		AND id NOT IN (SELECT package_set_id FROM computations)
		AND id != (SELECT max(id) FROM package_sets)`},
	{"repo sets no host uses", `DELETE FROM repo_sets WHERE id NOT IN
		(SELECT repo_set_id FROM hosts WHERE repo_set_id IS NOT NULL)
		AND id NOT IN (SELECT repo_set_id FROM computations WHERE repo_set_id IS NOT NULL)
		AND id != (SELECT max(id) FROM repo_sets)`},
	{"mirrors whose repository is gone", `DELETE FROM mirrors WHERE repo_id NOT IN (SELECT id FROM repos)`},
	{"repositories without mirrors or hosts", `DELETE FROM repos WHERE id NOT IN (SELECT repo_id FROM mirrors)
		AND id NOT IN (SELECT repo_id FROM repo_set_members) AND id NOT IN (SELECT repo_id FROM os_group_repos)`},
}

// CleanOrphans finds the rows nothing uses (see orphanDeletes, then packages no package set,
// mirror, module stream, computed update, erratum or local-package list refers to) and, if fix,
// deletes them; either way it counts them by kind. It is one write transaction, rolled back
// unless fix, so the counts of a dry run are exactly what a fix removes.
//
// The row with the highest id of packages, package sets, computations and repo sets is never
// deleted, even unused: SQLite gives a new row max(id)+1, so this keeps ids from being reused.
// Package rows and package sets are immutable by id, and the server caches them by id
// (FleetIndex, and refresh's KnownPackageIDs hints): a reused id would mean another row.
func (db *DB) CleanOrphans(ctx context.Context, fix bool) ([]Orphans, error) {
	var out []Orphans
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		for _, d := range orphanDeletes {
			res, err := tx.ExecContext(ctx, d.query)
			if err != nil {
				return fmt.Errorf("%s: %w", d.what, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			out = append(out, Orphans{What: d.what, Count: n})
		}
		n, err := deleteUnusedPackages(ctx, tx)
		if err != nil {
			return fmt.Errorf("unused packages: %w", err)
		}
		out = append(out, Orphans{What: "packages nothing refers to", Count: n})
		if !fix {
			return errDryRun
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return nil, fmt.Errorf("clean orphans: %w", err)
	}
	return out, nil
}

var errDryRun = errors.New("dry run")

// packageRefs are the queries of every place a package id is kept: id-set blobs (no foreign
// key can see into those) and columns.
var packageRefs = struct{ blobs, columns []string }{
	blobs: []string{`SELECT members FROM package_sets`, `SELECT members FROM mirror_packages`,
		`SELECT members FROM mirror_modules`},
	columns: []string{`SELECT old_package_id FROM computed_updates UNION SELECT new_package_id FROM computed_updates`,
		`SELECT old_package_id FROM computed_update_errata`, `SELECT package_id FROM erratum_packages`,
		`SELECT package_id FROM computed_local`},
}

// deleteUnusedPackages deletes the packages rows no blob or column refers to, but the highest id.
func deleteUnusedPackages(ctx context.Context, tx *sql.Tx) (int64, error) {
	used := map[int64]bool{}
	scan := func(q string, fn func(*sql.Rows) error) error {
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := fn(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	mark := func(id int64) { used[id] = true }
	for _, q := range packageRefs.blobs {
		err := scan(q, func(rows *sql.Rows) error {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				return err
			}
			return forEachID(b, mark)
		})
		if err != nil {
			return 0, err
		}
	}
	for _, q := range packageRefs.columns {
		err := scan(q, func(rows *sql.Rows) error {
			var id int64
			err := rows.Scan(&id)
			mark(id)
			return err
		})
		if err != nil {
			return 0, err
		}
	}
	var unused []int64
	err := scan(`SELECT id FROM packages WHERE id != (SELECT max(id) FROM packages)`, func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		if !used[id] {
			unused = append(unused, id)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	for start := 0; start < len(unused); start += pkgBatch {
		ids, err := json.Marshal(unused[start:min(start+pkgBatch, len(unused))])
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM packages WHERE id IN (SELECT value FROM json_each(?))`, string(ids)); err != nil {
			return 0, err
		}
	}
	return int64(len(unused)), nil
}
