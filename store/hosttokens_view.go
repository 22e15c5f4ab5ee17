package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// HostTokenView is a host token as people see it: never its hash, with the name of the
// enrollment token it was issued through.
type HostTokenView struct {
	HostToken
	EnrollName string // "" if unknown or that enrollment token is gone
}

const hostTokenViewColumns = `t.id, t.hostname, t.prefix, coalesce(t.enroll_token_id, 0), t.created, t.last_used, t.revoked,
	coalesce(e.name, '')`

func scanHostTokenView(sc interface{ Scan(...any) error }) (HostTokenView, error) {
	var v HostTokenView
	var err error
	v.HostToken, err = scanHostToken(sc, &v.EnrollName)
	return v, err
}

// HostTokenOf returns the live token of hostname with its enrollment token's name, or
// ErrNotFound when the name is not enrolled. The host page calls it on every view: it reads one
// row through the host_tokens_live index.
func (db *DB) HostTokenOf(ctx context.Context, hostname string) (HostTokenView, error) {
	hostname = strings.ToLower(strings.TrimSpace(hostname))
	v, err := scanHostTokenView(db.cachedQueryRow(ctx, nil, `SELECT `+hostTokenViewColumns+`
		FROM host_tokens t LEFT JOIN enroll_tokens e ON e.id = t.enroll_token_id
		WHERE t.hostname = ? AND t.revoked IS NULL`, hostname))
	if errors.Is(err, sql.ErrNoRows) {
		return HostTokenView{}, ErrNotFound
	}
	if err != nil {
		return HostTokenView{}, fmt.Errorf("host token of %s: %w", hostname, err)
	}
	return v, nil
}

// HostTokenViews lists host tokens, revoked ones included, newest first: at most limit of them
// (all when limit <= 0), with the total count.
func (db *DB) HostTokenViews(ctx context.Context, limit int) ([]HostTokenView, int, error) {
	var out []HostTokenView
	var total int
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM host_tokens`).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+hostTokenViewColumns+`
			FROM host_tokens t LEFT JOIN enroll_tokens e ON e.id = t.enroll_token_id
			ORDER BY t.id DESC`+limitSQL(limit, 0))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scanHostTokenView(rows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list host tokens: %w", err)
	}
	return out, total, nil
}
