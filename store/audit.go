package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// AuditEntry is one row of the audit log: who did what, when.
type AuditEntry struct {
	ID     int64
	At     time.Time
	Actor  string
	Action string
	Detail string
}

// Audit records that actor performed action (e.g. "repo.security", "login") with detail.
func (db *DB) Audit(ctx context.Context, actor, action, detail string) error {
	return db.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, ?, ?)`,
			db.Now(), actor, action, detail); err != nil {
			return fmt.Errorf("write audit entry %s: %w", action, err)
		}
		return nil
	})
}

// AuditLog returns the newest limit audit entries, newest first.
func (db *DB) AuditLog(ctx context.Context, limit int) ([]AuditEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, at, actor, action, detail FROM audit_log
		ORDER BY id DESC`+limitSQL(limit, 0))
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Detail); err != nil {
			return nil, fmt.Errorf("read audit log: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return out, nil
}
