package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// EnrollRequest is an enrollment of a name that already reports, waiting for an admin.
type EnrollRequest struct {
	Hostname  string
	TokenName string // the enrollment token it came with
	Requested time.Time
	Approved  time.Time // zero until approved
}

// enrollApproval decides whether enrolling hostname needs an admin's approval: the name
// reports already (a host row) and never enrolled (an admin's revocation of its token is the
// approval to enroll again). It records the request, or uses up an approved one.
func (db *DB) enrollApproval(ctx context.Context, tx *sql.Tx, hostname string, enrollID int64) (bool, error) {
	var existing bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM hosts WHERE hostname = ?)
		AND NOT EXISTS (SELECT 1 FROM host_tokens WHERE hostname = ?)`, hostname, hostname).Scan(&existing)
	if err != nil || !existing {
		return false, err
	}
	var approved sql.NullTime
	err = tx.QueryRowContext(ctx, `SELECT approved FROM enroll_requests WHERE hostname = ?`, hostname).Scan(&approved)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	if approved.Valid {
		_, err = tx.ExecContext(ctx, `DELETE FROM enroll_requests WHERE hostname = ?`, hostname)
		return false, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO enroll_requests (hostname, enroll_token_id, requested) VALUES (?, ?, ?)
		ON CONFLICT (hostname) DO UPDATE SET enroll_token_id = excluded.enroll_token_id, requested = excluded.requested`,
		hostname, enrollID, db.Now())
	return true, err
}

// PendingEnrollments lists enrollments of existing names that wait for (or have) an admin's
// approval, oldest first.
func (db *DB) PendingEnrollments(ctx context.Context) ([]EnrollRequest, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT r.hostname, e.name, r.requested, r.approved
		FROM enroll_requests r JOIN enroll_tokens e ON e.id = r.enroll_token_id ORDER BY r.id`)
	if err != nil {
		return nil, fmt.Errorf("list pending enrollments: %w", err)
	}
	defer rows.Close()
	var out []EnrollRequest
	for rows.Next() {
		var r EnrollRequest
		var approved sql.NullTime
		if err := rows.Scan(&r.Hostname, &r.TokenName, &r.Requested, &approved); err != nil {
			return nil, fmt.Errorf("list pending enrollments: %w", err)
		}
		r.Approved = approved.Time
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list pending enrollments: %w", err)
	}
	return out, nil
}

// ApproveEnrollment lets the pending enrollment of hostname go through on the host's next
// attempt. ErrNotFound if no enrollment of that name waits.
func (db *DB) ApproveEnrollment(ctx context.Context, hostname string) error {
	hostname = NormalHostname(hostname)
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		return expectRow(tx.ExecContext(ctx, `UPDATE enroll_requests SET approved = coalesce(approved, ?) WHERE hostname = ?`,
			db.Now(), hostname))
	})
	if err != nil {
		return fmt.Errorf("approve enrollment of %s: %w", hostname, err)
	}
	return nil
}

// DismissEnrollment drops the pending enrollment of hostname unapproved: the agent's next
// attempt asks again. ErrNotFound if none waits.
func (db *DB) DismissEnrollment(ctx context.Context, hostname string) error {
	hostname = NormalHostname(hostname)
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		return expectRow(tx.ExecContext(ctx, `DELETE FROM enroll_requests WHERE hostname = ?`, hostname))
	})
	if err != nil {
		return fmt.Errorf("dismiss enrollment of %s: %w", hostname, err)
	}
	return nil
}
