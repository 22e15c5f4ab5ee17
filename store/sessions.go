package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// tokenHash is what the sessions table keys on: the SHA-256 of the cookie value, so a copy of
// the database does not contain usable session tokens.
func tokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// CreateSession starts a session for userID that lasts ttl and returns its token (32 random
// bytes, base64url) for the cookie. Only the token's hash is stored.
func (db *DB) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		return "", fmt.Errorf("create session: ttl must be positive, got %s", ttl)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := db.Now()
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created, expires)
			VALUES (?, ?, ?, ?)`, tokenHash(token), userID, now, now.Add(ttl))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create session for user %d: %w", userID, err)
	}
	return token, nil
}

// SessionUser returns the user owning an unexpired session; ErrNotFound otherwise.
func (db *DB) SessionUser(ctx context.Context, token string) (User, error) {
	u, _, err := db.Session(ctx, token)
	return u, err
}

// Session returns the user owning an unexpired session and when the session expires;
// ErrNotFound otherwise.
func (db *DB) Session(ctx context.Context, token string) (User, time.Time, error) {
	if token == "" {
		return User{}, time.Time{}, fmt.Errorf("look up session: %w", ErrNotFound)
	}
	var u User
	var last sql.NullTime
	var expires time.Time
	err := db.cachedQueryRow(ctx, nil, `SELECT u.id, u.name, u.role, u.created, u.last_login, s.expires
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires > ?`, tokenHash(token), db.Now()).
		Scan(&u.ID, &u.Name, &u.Role, &u.Created, &last, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, time.Time{}, fmt.Errorf("look up session: %w", ErrNotFound)
	}
	if err != nil {
		return User{}, time.Time{}, fmt.Errorf("look up session: %w", err)
	}
	u.LastLogin = last.Time
	return u, expires, nil
}

// DeleteSession ends a session (logout). Deleting an unknown token is not an error.
func (db *DB) DeleteSession(ctx context.Context, token string) error {
	return db.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash(token)); err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		return nil
	})
}

// DeleteExpiredSessions removes expired sessions and returns how many there were.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	var n int64
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires <= ?`, db.Now())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return n, nil
}
