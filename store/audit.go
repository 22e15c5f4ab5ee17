package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
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
	return db.AuditEntries(ctx, AuditFilter{Limit: limit})
}

// AuditFilter selects audit entries; zero fields do not filter.
type AuditFilter struct {
	Actor  string    // who, exactly (case-insensitive)
	Action string    // what: "login.failed", or a prefix ending in a dot ("hosts." is every hosts action)
	Since  time.Time // at or after
	Until  time.Time // before
	Limit  int       // default 100
}

// AuditEntries returns the newest entries matching f, newest first.
func (db *DB) AuditEntries(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	var conds []string
	var args []any
	if f.Actor != "" {
		conds, args = append(conds, `actor = ? COLLATE NOCASE`), append(args, f.Actor)
	}
	if prefix, ok := strings.CutSuffix(f.Action, "."); ok && prefix != "" {
		conds, args = append(conds, `substr(action, 1, ?) = ?`), append(args, len(prefix)+1, prefix+".")
	} else if f.Action != "" {
		conds, args = append(conds, `action = ?`), append(args, f.Action)
	}
	if !f.Since.IsZero() {
		conds, args = append(conds, `at >= ?`), append(args, f.Since.UTC())
	}
	if !f.Until.IsZero() {
		conds, args = append(conds, `at < ?`), append(args, f.Until.UTC())
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, at, actor, action, detail FROM audit_log`+where+`
		ORDER BY id DESC`+limitSQL(f.Limit, 0), args...)
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
