package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// DeleteHosts deletes the hosts with the given ids (their tags, holds and client updates go with
// them; their reports stay, unlinked) and returns how many existed.
func (db *DB) DeleteHosts(ctx context.Context, ids []int64) (int, error) {
	var n int64
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			res, err := tx.ExecContext(ctx, `DELETE FROM hosts WHERE id = ?`, id)
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("delete %d hosts: %w", len(ids), err)
	}
	return int(n), nil
}

// TagHosts adds tag to (add) or removes it from the given hosts. Added tags are operator tags:
// a host's next report leaves them alone. Removing takes the tag off both lists; a tag the host
// reports itself comes back with its next report.
func (db *DB) TagHosts(ctx context.Context, ids []int64, tag string, add bool) error {
	tag = strings.TrimSpace(tag)
	if !ValidTag(tag) {
		return fmt.Errorf("tag hosts: invalid tag %q: %w", tag, ErrConflict)
	}
	qs := []string{`DELETE FROM host_operator_tags WHERE host_id = ? AND tag = ?`, `DELETE FROM host_tags WHERE host_id = ? AND tag = ?`}
	if add {
		qs = []string{`INSERT INTO host_operator_tags (host_id, tag) SELECT id, ? FROM hosts WHERE id = ? ON CONFLICT DO NOTHING`}
	}
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		for _, q := range qs {
			stmt, err := tx.PrepareContext(ctx, q)
			if err != nil {
				return err
			}
			defer stmt.Close()
			for _, id := range ids {
				args := []any{id, tag}
				if add {
					args = []any{tag, id}
				}
				if _, err := stmt.ExecContext(ctx, args...); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("tag %d hosts: %w", len(ids), err)
	}
	return nil
}

// ValidTag reports whether t can be a tag: 1 to 64 characters, no comma (lists of tags are
// comma-separated), no unit separator (it splits them in SQL) and not starting with - or !
// (which negate a tag in the host filter).
func ValidTag(t string) bool {
	return t != "" && len(t) <= 64 && !strings.ContainsAny(t, "\x1f,") && t[0] != '-' && t[0] != '!'
}

// SetOperatorTags replaces the operator tags of host id with tags (duplicates, case-insensitive,
// count once); the reported tags stay. ErrNotFound if there is no such host, ErrConflict for an
// invalid tag.
func (db *DB) SetOperatorTags(ctx context.Context, id int64, tags []string) error {
	for _, t := range tags {
		if !ValidTag(t) {
			return fmt.Errorf("set tags of host %d: invalid tag %q: %w", id, t, ErrConflict)
		}
	}
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM hosts WHERE id = ?`, id).Scan(&one); err == sql.ErrNoRows {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM host_operator_tags WHERE host_id = ?`, id); err != nil {
			return err
		}
		for _, t := range tags {
			if _, err := tx.ExecContext(ctx, `INSERT INTO host_operator_tags (host_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set tags of host %d: %w", id, err)
	}
	return nil
}

// MarkHostsDirty flags the computations of the given hosts for recomputation, so the next
// update finding run recomputes them even if no input changed.
func (db *DB) MarkHostsDirty(ctx context.Context, ids []int64) error {
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `UPDATE computations SET dirty = 1
			WHERE id = (SELECT computation_id FROM hosts WHERE id = ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, id := range ids {
			if _, err := stmt.ExecContext(ctx, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark %d hosts dirty: %w", len(ids), err)
	}
	return nil
}

// HostIDs resolves host names (case-insensitive) to ids, skipping unknown names.
func (db *DB) HostIDs(ctx context.Context, names []string) ([]int64, error) {
	var out []int64
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		for _, n := range names {
			var id int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM hosts WHERE hostname = ?`, n).Scan(&id)
			if err == sql.ErrNoRows {
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("resolve %d host names: %w", len(names), err)
	}
	return out, nil
}
