package store

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
)

const hostTokenColumns = `id, hostname, prefix, coalesce(enroll_token_id, 0), created, last_used, revoked`

func scanHostToken(sc interface{ Scan(...any) error }, extra ...any) (HostToken, error) {
	var t HostToken
	var last, rev sql.NullTime
	dest := append([]any{&t.ID, &t.Hostname, &t.Prefix, &t.EnrollID, &t.Created, &last, &rev}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return t, err
	}
	t.LastUsed, t.Revoked = last.Time, rev.Time
	return t, nil
}

// VerifyHostToken checks a presented host token and stamps its last use. Unknown, revoked and
// wrong tokens all give ErrNotFound.
func (db *DB) VerifyHostToken(ctx context.Context, presented string) (HostToken, error) {
	var t HostToken
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		prefix, secret, ok := splitSecret(HostTokenPrefix, presented)
		if !ok {
			return ErrNotFound
		}
		var hash []byte
		var err error
		t, err = scanHostToken(tx.QueryRowContext(ctx, `SELECT `+hostTokenColumns+`, hash
			FROM host_tokens WHERE prefix = ?`, prefix), &hash)
		if errors.Is(err, sql.ErrNoRows) {
			subtle.ConstantTimeCompare(hashAPISecret(secret), make([]byte, sha256.Size))
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare(hashAPISecret(secret), hash) != 1 || !t.Revoked.IsZero() {
			return ErrNotFound
		}
		t.LastUsed = db.Now()
		_, err = tx.ExecContext(ctx, `UPDATE host_tokens SET last_used = ? WHERE id = ?`, t.LastUsed, t.ID)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return HostToken{}, ErrNotFound
		}
		return HostToken{}, fmt.Errorf("verify host token: %w", err)
	}
	return t, nil
}

// RevokeHostToken unbinds hostname: it revokes the name's live host token, so that the host (or
// a rebuilt one of the same name) can enroll again, and drops its binding to a Patchman key, so
// that the next report's credential binds it anew. ErrNotFound if the name was bound to neither.
func (db *DB) RevokeHostToken(ctx context.Context, hostname string) error {
	hostname = NormalHostname(hostname)
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		tok, err := tx.ExecContext(ctx, `UPDATE host_tokens SET revoked = ? WHERE hostname = ? AND revoked IS NULL`,
			db.Now(), hostname)
		if err != nil {
			return err
		}
		if err := expectRow(tx.ExecContext(ctx, `DELETE FROM host_key_bindings WHERE hostname = ?`, hostname)); !errors.Is(err, ErrNotFound) {
			return err
		}
		return expectRow(tok, nil)
	})
	if err != nil {
		return fmt.Errorf("revoke host token of %s: %w", hostname, err)
	}
	return nil
}
