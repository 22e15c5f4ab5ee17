package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
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
	return db.CreateSessionFrom(ctx, userID, ttl, "", "")
}

// CreateSessionFrom is CreateSession recording where the login came from, for the account
// page's list of sessions.
func (db *DB) CreateSessionFrom(ctx context.Context, userID int64, ttl time.Duration, addr, userAgent string) (string, error) {
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
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created, expires, last_seen, remote_addr, user_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, tokenHash(token), userID, now, now.Add(ttl), now, clip(addr, 64), clip(CleanText(userAgent), 300))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create session for user %d: %w", userID, err)
	}
	return token, nil
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// SessionID is the public name of the session with this token: enough of its hash to tell a
// user's sessions apart in a page or a form, never enough to use the session.
func SessionID(token string) string { return hex.EncodeToString(tokenHash(token)[:8]) }

// SessionInfo is one unexpired session of a user, as the account page lists it.
type SessionInfo struct {
	ID        string // SessionID of its token
	Created   time.Time
	LastSeen  time.Time // zero if never recorded
	Expires   time.Time
	Addr      string
	UserAgent string
}

// Sessions lists the unexpired sessions of a user, the most recently used first.
func (db *DB) Sessions(ctx context.Context, userID int64) ([]SessionInfo, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT hex(substr(token_hash, 1, 8)), created, last_seen, expires, remote_addr, user_agent
		FROM sessions WHERE user_id = ? AND expires > ? ORDER BY coalesce(last_seen, created) DESC, created DESC`, userID, db.Now())
	if err != nil {
		return nil, fmt.Errorf("list sessions of user %d: %w", userID, err)
	}
	defer rows.Close()
	var out []SessionInfo
	for rows.Next() {
		var si SessionInfo
		var seen sql.NullTime
		if err := rows.Scan(&si.ID, &si.Created, &seen, &si.Expires, &si.Addr, &si.UserAgent); err != nil {
			return nil, fmt.Errorf("list sessions of user %d: %w", userID, err)
		}
		si.ID, si.LastSeen = strings.ToLower(si.ID), seen.Time
		out = append(out, si)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list sessions of user %d: %w", userID, err)
	}
	return out, nil
}

// TouchSession records that the session with this token was used now.
func (db *DB) TouchSession(ctx context.Context, token string) error {
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen = ? WHERE token_hash = ?`, db.Now(), tokenHash(token))
		return err
	})
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// EndSession ends the session id (a SessionID) of user userID; ErrNotFound if the user has no
// such session.
func (db *DB) EndSession(ctx context.Context, userID int64, id string) error {
	raw, err := hex.DecodeString(id)
	if err != nil || len(raw) != 8 {
		return fmt.Errorf("end session: %w", ErrNotFound)
	}
	err = db.withTx(ctx, func(tx *sql.Tx) error {
		return expectRow(tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND substr(token_hash, 1, 8) = ?`, userID, raw))
	})
	if err != nil {
		return fmt.Errorf("end session of user %d: %w", userID, err)
	}
	return nil
}

// EndOtherSessions ends every session of user userID except the one with token keep, and
// returns how many it ended.
func (db *DB) EndOtherSessions(ctx context.Context, userID int64, keep string) (int, error) {
	var n int64
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash != ?`, userID, tokenHash(keep))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("end other sessions of user %d: %w", userID, err)
	}
	return int(n), nil
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
