package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
)

// packageIDs resolves each key to its packages row id, inserting rows that do not exist yet.
// The result is parallel to keys. Both report processing and mirror refresh use it, inside
// their own transaction. Keys go to SQLite pkgBatch at a time as one JSON array (see pkgBatch):
// a 63,000-package index is ~100 statements, not ~130,000.
func (db *DB) packageIDs(ctx context.Context, tx *sql.Tx, keys []PackageKey) ([]int64, error) {
	return resolvePackageIDs(ctx, tx, keys, nil)
}

// KnownPackageIDs looks keys up on the reader pool without writing anything: ids[i] is keys[i]'s
// row id, or 0 if it has none yet. Mirror refresh calls it while an index is still being
// decompressed, so that the write transaction afterwards only inserts what is new.
func (db *DB) KnownPackageIDs(ctx context.Context, keys []PackageKey) ([]int64, error) {
	cleanKeys(keys)
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
// id without looking it up. Packages rows are never changed, and ids are never reused (dbcheck
// --fix keeps the highest id), so a hint read on the reader pool earlier is right inside this
// write transaction if its row still exists; dbcheck --fix may have deleted an unused one since,
// and then the hints are dropped and every key looked up.
func resolvePackageIDs(ctx context.Context, tx *sql.Tx, keys []PackageKey, hints []int64) ([]int64, error) {
	cleanKeys(keys)
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
		ok, err := hintsExist(ctx, tx, hints)
		if err != nil {
			return nil, err
		}
		if !ok {
			return resolvePackageIDs(ctx, tx, keys, nil)
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

// hintsExist reports whether every non-zero id of hints still has its packages row: one rowid
// probe per id, pkgBatch ids per statement.
func hintsExist(ctx context.Context, tx *sql.Tx, hints []int64) (bool, error) {
	var nonZero []int64
	for _, id := range hints {
		if id != 0 {
			nonZero = append(nonZero, id)
		}
	}
	for start := 0; start < len(nonZero); start += pkgBatch {
		part := nonZero[start:min(start+pkgBatch, len(nonZero))]
		b, err := json.Marshal(part)
		if err != nil {
			return false, err
		}
		var missing int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM json_each(?) AS j
			WHERE NOT EXISTS (SELECT 1 FROM packages p WHERE p.id = j.value)`, string(b)).Scan(&missing); err != nil {
			return false, fmt.Errorf("check package hints: %w", err)
		}
		if missing > 0 {
			return false, nil
		}
	}
	return true, nil
}

// pkgBatch is how many keys one statement carries. Keys travel as one JSON array bound to a
// single parameter and are unpacked by json_each inside SQLite: with modernc SQLite every bound
// parameter costs a Go-side conversion and a copy, and that, not SQLite's own work, dominated
// the 6-parameters-per-key form (1.6 s and 100 MB of garbage for 63,000 new keys). A variable
// only so tests can cross batch boundaries with little data.
var pkgBatch = 2000

// cleanKeys applies CleanText to keys in place, before any lookup, so that a key with control
// characters resolves to the same row as its clean form.
func cleanKeys(keys []PackageKey) {
	for i := range keys {
		keys[i].clean()
	}
}

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
	if len(want) == 0 {
		return nil, nil
	}
	// CROSS JOIN keeps json_each as the outer loop, so every key is one probe of the packages
	// unique index.
	stmt, err := tx.PrepareContext(ctx, `SELECT j.key, p.id FROM jsonb_each(?) AS j CROSS JOIN packages AS p
		WHERE p.type = j.value->>0 AND p.name = j.value->>1 AND p.arch = j.value->>2
		AND p.epoch = j.value->>3 AND p.version = j.value->>4 AND p.release = j.value->>5`)
	if err != nil {
		return nil, fmt.Errorf("prepare package lookup: %w", err)
	}
	defer stmt.Close()
	found := make([]bool, len(keys))
	var buf []byte
	for start := 0; start < len(want); start += pkgBatch {
		part := want[start:min(start+pkgBatch, len(want))]
		buf = appendKeysJSON(buf[:0], keys, part)
		rows, err := stmt.QueryContext(ctx, string(buf))
		if err != nil {
			return nil, fmt.Errorf("look up packages: %w", err)
		}
		for rows.Next() {
			var j int
			var id int64
			if err := rows.Scan(&j, &id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("look up packages: %w", err)
			}
			if j < 0 || j >= len(part) {
				rows.Close()
				return nil, fmt.Errorf("look up packages: key index %d out of range", j)
			}
			i := part[j]
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

// insertPackages inserts the keys at the given indexes and fills ids of the rows it created;
// it returns the indexes whose key already had a row (or appeared twice), which the caller
// looks up. RETURNING carries the key, so the order SQLite returns rows in does not matter.
func insertPackages(ctx context.Context, tx *sql.Tx, keys []PackageKey, which []int, ids []int64) ([]int, error) {
	if len(which) == 0 {
		return nil, nil
	}
	// "WHERE true" tells the parser that ON CONFLICT belongs to the INSERT, not to a join.
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO packages (type, name, arch, epoch, version, release)
		SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5 FROM jsonb_each(?) WHERE true
		ON CONFLICT DO NOTHING RETURNING id, type, name, arch, epoch, version, release`)
	if err != nil {
		return nil, fmt.Errorf("prepare package insert: %w", err)
	}
	defer stmt.Close()
	var buf, kb []byte
	var existed []int
	pos := make(map[string]int, min(len(which), pkgBatch))
	var f [6]sql.RawBytes
	for start := 0; start < len(which); start += pkgBatch {
		part := which[start:min(start+pkgBatch, len(which))]
		buf = appendKeysJSON(buf[:0], keys, part)
		clear(pos)
		for _, i := range part {
			k := &keys[i]
			kb = appendKeyBytes(kb[:0], k.Type, k.Name, k.Arch, k.Epoch, k.Version, k.Release)
			pos[string(kb)] = i
		}
		rows, err := stmt.QueryContext(ctx, string(buf))
		if err != nil {
			return nil, fmt.Errorf("insert packages: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5]); err != nil {
				rows.Close()
				return nil, fmt.Errorf("insert packages: %w", err)
			}
			kb = kb[:0]
			for _, v := range f {
				kb = binary.AppendUvarint(kb, uint64(len(v)))
				kb = append(kb, v...)
			}
			if i, ok := pos[string(kb)]; ok {
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

// appendKeyBytes appends the fields, each after its length, making an unambiguous map key
// (the same encoding as the loop over RETURNING's columns in insertPackages).
func appendKeyBytes(b []byte, fields ...string) []byte {
	for _, f := range fields {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// appendKeysJSON appends the keys at idx as a JSON array of 6-string arrays.
func appendKeysJSON(buf []byte, keys []PackageKey, idx []int) []byte {
	buf = append(buf, '[')
	for n, i := range idx {
		if n > 0 {
			buf = append(buf, ',')
		}
		k := &keys[i]
		buf = append(buf, '[')
		for f, s := range [6]string{k.Type, k.Name, k.Arch, k.Epoch, k.Version, k.Release} {
			if f > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, s)
		}
		buf = append(buf, ']')
	}
	return append(buf, ']')
}

// appendJSONString appends s as a JSON string. Package fields are almost always plain ASCII;
// anything else goes through encoding/json so escaping is exactly right.
func appendJSONString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			b, _ := json.Marshal(s) // a string always marshals
			return append(buf, b...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// Package is one row of the packages table.
type Package struct {
	ID int64
	PackageKey
}

// PackagesByID loads the given package rows (missing ids are skipped).
func (db *DB) PackagesByID(ctx context.Context, ids []int64) (map[int64]PackageKey, error) {
	return loadPackageRows(ctx, db.read, ids)
}
