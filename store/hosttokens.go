package store

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Token prefixes tell the kinds of bearer secret apart at a glance (and in the handler): API keys
// have none.
const (
	EnrollTokenPrefix = "pwe_"
	HostTokenPrefix   = "pwh_"
)

// EnrollToken is one row of enroll_tokens; the secret itself is shown only once, at creation.
type EnrollToken struct {
	ID       int64
	Name     string
	Prefix   string
	Created  time.Time
	LastUsed time.Time // zero if never used
	Uses     int       // hosts enrolled with it
	Revoked  time.Time // zero unless revoked
	// AllowExisting lets the token enroll a name that already reports without an admin's
	// approval (rebuilding hosts that reported keyless before).
	AllowExisting bool
}

// EnrollTokenSpec is what a new enrollment token is made with.
type EnrollTokenSpec struct {
	Name          string
	AllowExisting bool
}

// ErrApprovalNeeded is returned by EnrollHost for a name that already reports: an admin must
// approve the enrollment (ApproveEnrollment) first.
var ErrApprovalNeeded = errors.New("enrollment of an existing host needs an admin's approval")

// HostToken is one row of host_tokens: the credential of one enrolled host name.
type HostToken struct {
	ID       int64
	Hostname string
	Prefix   string
	EnrollID int64 // the enrollment token used, 0 if unknown or deleted
	Created  time.Time
	LastUsed time.Time
	Revoked  time.Time
}

// newSecret returns kind+"<8-char prefix>.<32-char secret>" and its prefix and secret.
func newSecret(kind string) (plain, prefix, secret string) {
	prefix, secret = randomToken(8), randomToken(32)
	return kind + prefix + "." + secret, prefix, secret
}

// splitSecret undoes newSecret; ok is false for anything else.
func splitSecret(kind, plain string) (prefix, secret string, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimSpace(plain), kind)
	if !found {
		return "", "", false
	}
	prefix, secret, ok = strings.Cut(rest, ".")
	return prefix, secret, ok && prefix != "" && secret != ""
}

// CreateEnrollToken creates an enrollment token and returns its plaintext, shown only once.
func (db *DB) CreateEnrollToken(ctx context.Context, name string) (string, EnrollToken, error) {
	return db.CreateEnrollTokenWith(ctx, EnrollTokenSpec{Name: name})
}

// CreateEnrollTokenWith creates an enrollment token as spec says and returns its plaintext,
// shown only once.
func (db *DB) CreateEnrollTokenWith(ctx context.Context, spec EnrollTokenSpec) (string, EnrollToken, error) {
	name := strings.TrimSpace(spec.Name)
	if name == "" {
		return "", EnrollToken{}, errors.New("create enrollment token: name is empty")
	}
	t := EnrollToken{Name: name, Created: db.Now(), AllowExisting: spec.AllowExisting}
	var plain string
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		for range 5 { // the prefix is UNIQUE; a clash is astronomically unlikely but retried
			p, prefix, secret := newSecret(EnrollTokenPrefix)
			res, err := tx.ExecContext(ctx, `INSERT INTO enroll_tokens (name, prefix, hash, created, allow_existing)
				VALUES (?, ?, ?, ?, ?)`, name, prefix, hashAPISecret(secret), t.Created, t.AllowExisting)
			if isConstraint(err) {
				continue
			}
			if err != nil {
				return err
			}
			plain, t.Prefix = p, prefix
			t.ID, err = res.LastInsertId()
			return err
		}
		return ErrConflict
	})
	if err != nil {
		return "", EnrollToken{}, fmt.Errorf("create enrollment token %s: %w", name, err)
	}
	return plain, t, nil
}

// EnrollTokens lists every enrollment token, revoked ones included, newest first.
func (db *DB) EnrollTokens(ctx context.Context) ([]EnrollToken, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, name, prefix, created, last_used, uses, revoked, allow_existing
		FROM enroll_tokens ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list enrollment tokens: %w", err)
	}
	defer rows.Close()
	var out []EnrollToken
	for rows.Next() {
		var t EnrollToken
		var last, rev sql.NullTime
		if err := rows.Scan(&t.ID, &t.Name, &t.Prefix, &t.Created, &last, &t.Uses, &rev, &t.AllowExisting); err != nil {
			return nil, fmt.Errorf("list enrollment tokens: %w", err)
		}
		t.LastUsed, t.Revoked = last.Time, rev.Time
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list enrollment tokens: %w", err)
	}
	return out, nil
}

// RevokeEnrollToken stops an enrollment token from enrolling more hosts; hosts already enrolled
// keep their own tokens. ErrNotFound if there is no such token.
func (db *DB) RevokeEnrollToken(ctx context.Context, id int64) error {
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		return expectRow(tx.ExecContext(ctx, `UPDATE enroll_tokens SET revoked = coalesce(revoked, ?) WHERE id = ?`, db.Now(), id))
	})
	if err != nil {
		return fmt.Errorf("revoke enrollment token %d: %w", id, err)
	}
	return nil
}

// EnrollHost checks an enrollment token and issues a host token bound to hostname, in one
// transaction. It returns ErrNotFound for an unknown, revoked or wrong enrollment token (all
// alike) and ErrConflict when hostname already has a live host token: a host cannot be taken
// over by whoever holds the site's enrollment token; an operator revokes the old token first.
// A name that already reports and never enrolled gives ErrApprovalNeeded (the request is kept
// for PendingEnrollments) until an admin approves it, unless the token allows existing names.
func (db *DB) EnrollHost(ctx context.Context, enrollToken, hostname string) (string, HostToken, error) {
	hostname = NormalHostname(hostname)
	if hostname == "" {
		return "", HostToken{}, errors.New("enroll host: hostname is empty")
	}
	ht := HostToken{Hostname: hostname, Created: db.Now()}
	var plain string
	var needApproval bool
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		prefix, secret, ok := splitSecret(EnrollTokenPrefix, enrollToken)
		if !ok {
			return ErrNotFound
		}
		var hash []byte
		var revoked sql.NullTime
		var allowExisting bool
		err := tx.QueryRowContext(ctx, `SELECT id, hash, revoked, allow_existing FROM enroll_tokens WHERE prefix = ?`, prefix).
			Scan(&ht.EnrollID, &hash, &revoked, &allowExisting)
		if errors.Is(err, sql.ErrNoRows) {
			subtle.ConstantTimeCompare(hashAPISecret(secret), make([]byte, sha256.Size))
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare(hashAPISecret(secret), hash) != 1 || revoked.Valid {
			return ErrNotFound
		}
		if !allowExisting {
			if needApproval, err = db.enrollApproval(ctx, tx, hostname, ht.EnrollID); err != nil || needApproval {
				return err
			}
		}
		for range 5 {
			p, hp, hs := newSecret(HostTokenPrefix)
			res, err := tx.ExecContext(ctx, `INSERT INTO host_tokens (hostname, prefix, hash, enroll_token_id, created)
				VALUES (?, ?, ?, ?, ?)`, hostname, hp, hashAPISecret(hs), ht.EnrollID, ht.Created)
			if isConstraint(err) {
				var n int
				if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM host_tokens WHERE hostname = ? AND revoked IS NULL`,
					hostname).Scan(&n); err != nil {
					return err
				}
				if n > 0 {
					return ErrConflict
				}
				continue // a prefix clash: draw again
			}
			if err != nil {
				return err
			}
			plain, ht.Prefix = p, hp
			if ht.ID, err = res.LastInsertId(); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE enroll_tokens SET last_used = ?, uses = uses + 1 WHERE id = ?`,
				ht.Created, ht.EnrollID)
			return err
		}
		return ErrConflict
	})
	if err == nil && needApproval {
		err = ErrApprovalNeeded // after the commit, which keeps the request
	}
	if err != nil {
		return "", HostToken{}, fmt.Errorf("enroll host %s: %w", hostname, err)
	}
	return plain, ht, nil
}
