package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// packageIDs resolves each key to its packages row id, inserting rows that do not exist yet.
// The result is parallel to keys. Both report processing and mirror refresh use it, inside
// their own transaction. Keys are looked up and inserted pkgBatch at a time through a VALUES
// list, because with modernc SQLite the per-statement cost (a cgo-free call into transpiled C,
// argument conversion) dominates: a 63,000-package index is ~160 statements, not ~130,000.
func (db *DB) packageIDs(ctx context.Context, tx *sql.Tx, keys []PackageKey) ([]int64, error) {
	return resolvePackageIDs(ctx, tx, keys, nil)
}

// KnownPackageIDs looks keys up on the reader pool without writing anything: ids[i] is keys[i]'s
// row id, or 0 if it has none yet. Mirror refresh calls it while an index is still being
// decompressed, so that the write transaction afterwards only inserts what is new.
func (db *DB) KnownPackageIDs(ctx context.Context, keys []PackageKey) ([]int64, error) {
	ids := make([]int64, len(keys))
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		_, err := lookupPackages(ctx, tx, keys, allIndexes(len(keys)), ids)
		return err
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// resolvePackageIDs is packageIDs with optional hints: a non-zero hints[i] is taken as keys[i]'s
// id without looking it up. That is safe because packages rows are never changed or deleted,
// so an id read on the reader pool earlier is still right inside this write transaction.
func resolvePackageIDs(ctx context.Context, tx *sql.Tx, keys []PackageKey, hints []int64) ([]int64, error) {
	ids := make([]int64, len(keys))
	var want []int
	if hints == nil {
		var err error
		if want, err = lookupPackages(ctx, tx, keys, allIndexes(len(keys)), ids); err != nil {
			return nil, err
		}
	} else {
		if len(hints) != len(keys) {
			return nil, fmt.Errorf("resolve packages: %d hints for %d keys", len(hints), len(keys))
		}
		copy(ids, hints)
		for i, id := range hints {
			if id == 0 {
				want = append(want, i)
			}
		}
	}
	if len(want) == 0 {
		return ids, nil
	}
	// Rows that existed after all (a duplicate key, or another writer since the hints were
	// read) are not returned by the insert: look those up.
	existed, err := insertPackages(ctx, tx, keys, want, ids)
	if err != nil {
		return nil, err
	}
	still, err := lookupPackages(ctx, tx, keys, existed, ids)
	if err != nil {
		return nil, err
	}
	if len(still) > 0 {
		return nil, fmt.Errorf("resolve package %s: not found after insert", keys[still[0]].Name)
	}
	return ids, nil
}

// pkgBatch is how many keys one statement carries: 7 parameters each stays far below SQLite's
// 32,766 variable limit while amortising the statement overhead.
const pkgBatch = 400

func allIndexes(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// lookupPackages fills ids[i] for each i in want whose key exists and returns the ones that do
// not.
func lookupPackages(ctx context.Context, tx *sql.Tx, keys []PackageKey, want []int, ids []int64) ([]int, error) {
	found := make([]bool, len(keys))
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, pkgBatch*7)
	for start := 0; start < len(want); start += pkgBatch {
		part := want[start:min(start+pkgBatch, len(want))]
		args = args[:0]
		for _, i := range part {
			k := &keys[i]
			args = append(args, i, k.Type, k.Name, k.Arch, k.Epoch, k.Version, k.Release)
		}
		// CROSS JOIN keeps the VALUES list as the outer loop so that every key is one probe
		// of the packages unique index.
		q := `SELECT k.column1, p.id FROM (VALUES ` + rowMarks(len(part), 7) + `) AS k CROSS JOIN packages p
			ON p.type = k.column2 AND p.name = k.column3 AND p.arch = k.column4
			AND p.epoch = k.column5 AND p.version = k.column6 AND p.release = k.column7`
		var rows *sql.Rows
		var err error
		if len(part) == pkgBatch {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, q); err != nil {
					return nil, fmt.Errorf("prepare package lookup: %w", err)
				}
			}
			rows, err = full.QueryContext(ctx, args...)
		} else {
			rows, err = tx.QueryContext(ctx, q, args...)
		}
		if err != nil {
			return nil, fmt.Errorf("look up packages: %w", err)
		}
		for rows.Next() {
			var i int
			var id int64
			if err := rows.Scan(&i, &id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("look up packages: %w", err)
			}
			ids[i], found[i] = id, true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("look up packages: %w", err)
		}
	}
	var missing []int
	for _, i := range want {
		if !found[i] {
			missing = append(missing, i)
		}
	}
	return missing, nil
}

// insertPackages inserts the keys at the given indexes, fills ids of the rows it created
// (RETURNING carries the key, so the order SQLite returns rows in does not matter) and returns
// the indexes whose key already had a row.
func insertPackages(ctx context.Context, tx *sql.Tx, keys []PackageKey, which []int, ids []int64) ([]int, error) {
	args := make([]any, 0, pkgBatch*6)
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	var existed []int
	for start := 0; start < len(which); start += pkgBatch {
		part := which[start:min(start+pkgBatch, len(which))]
		args = args[:0]
		pos := make(map[PackageKey]int, len(part))
		for _, i := range part {
			k := &keys[i]
			args = append(args, k.Type, k.Name, k.Arch, k.Epoch, k.Version, k.Release)
			pos[*k] = i
		}
		q := `INSERT INTO packages (type, name, arch, epoch, version, release) VALUES ` + rowMarks(len(part), 6) +
			` ON CONFLICT DO NOTHING RETURNING id, type, name, arch, epoch, version, release`
		var rows *sql.Rows
		var err error
		if len(part) == pkgBatch {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, q); err != nil {
					return nil, fmt.Errorf("prepare package insert: %w", err)
				}
			}
			rows, err = full.QueryContext(ctx, args...)
		} else {
			rows, err = tx.QueryContext(ctx, q, args...)
		}
		if err != nil {
			return nil, fmt.Errorf("insert packages: %w", err)
		}
		for rows.Next() {
			var id int64
			var k PackageKey
			if err := rows.Scan(&id, &k.Type, &k.Name, &k.Arch, &k.Epoch, &k.Version, &k.Release); err != nil {
				rows.Close()
				return nil, fmt.Errorf("insert packages: %w", err)
			}
			if i, ok := pos[k]; ok {
				ids[i] = id
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("insert packages: %w", err)
		}
		for _, i := range part {
			if ids[i] == 0 {
				existed = append(existed, i)
			}
		}
	}
	return existed, nil
}

// rowMarks returns n parenthesised groups of cols placeholders: "(?, ?), (?, ?)".
func rowMarks(n, cols int) string {
	row := "(" + placeholders(cols) + ")"
	return strings.Repeat(row+", ", n-1) + row
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
