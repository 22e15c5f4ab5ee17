package store

import (
	"context"
	"database/sql"
	"fmt"
)

// packageIDs resolves each key to its packages row id, inserting rows that do not exist yet.
// The result is parallel to keys. Both report processing and mirror refresh use it, inside
// their own transaction, with prepared statements so that a 60,000-package index is one
// transaction and two statements, not 60,000 round-trips of parsing SQL.
func (db *DB) packageIDs(ctx context.Context, tx *sql.Tx, keys []PackageKey) ([]int64, error) {
	sel, err := tx.PrepareContext(ctx, `SELECT id FROM packages
		WHERE type = ? AND name = ? AND arch = ? AND epoch = ? AND version = ? AND release = ?`)
	if err != nil {
		return nil, fmt.Errorf("prepare package lookup: %w", err)
	}
	defer sel.Close()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO packages (type, name, arch, epoch, version, release)
		VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, fmt.Errorf("prepare package insert: %w", err)
	}
	defer ins.Close()
	ids := make([]int64, len(keys))
	for i, k := range keys {
		err := sel.QueryRowContext(ctx, k.Type, k.Name, k.Arch, k.Epoch, k.Version, k.Release).Scan(&ids[i])
		if err == nil {
			continue
		}
		if err != sql.ErrNoRows {
			return nil, fmt.Errorf("look up package %s: %w", k.Name, err)
		}
		res, err := ins.ExecContext(ctx, k.Type, k.Name, k.Arch, k.Epoch, k.Version, k.Release)
		if err != nil {
			return nil, fmt.Errorf("insert package %s: %w", k.Name, err)
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// Package is one row of the packages table.
type Package struct {
	ID int64
	PackageKey
}

// PackagesByID loads the given package rows (missing ids are skipped).
func (db *DB) PackagesByID(ctx context.Context, ids []int64) (map[int64]PackageKey, error) {
	out := make(map[int64]PackageKey, len(ids))
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := db.read.QueryContext(ctx, `SELECT id, type, name, arch, epoch, version, release
			FROM packages WHERE id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("load packages: %w", err)
		}
		for rows.Next() {
			var id int64
			var k PackageKey
			if err := rows.Scan(&id, &k.Type, &k.Name, &k.Arch, &k.Epoch, &k.Version, &k.Release); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = k
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
