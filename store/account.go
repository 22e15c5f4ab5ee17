package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ErrWrongPassword is returned by CheckPassword when the password does not match.
var ErrWrongPassword = errors.New("wrong password")

// CheckPassword verifies a user's password without logging them in (no last_login stamp): the
// account page asks for the current password before it sets a new one. It returns
// ErrWrongPassword for a wrong password and ErrNotFound for an unknown user. The argon2 check
// runs on the reader pool, outside any write transaction, so it never holds the writer.
func (db *DB) CheckPassword(ctx context.Context, userID int64, password string) error {
	var hash string
	err := db.read.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = ?`, userID).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("check password of user %d: %w", userID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("check password of user %d: %w", userID, err)
	}
	ok, err := verifyPassword(hash, password)
	if err != nil {
		return fmt.Errorf("check password of user %d: %w", userID, err)
	}
	if !ok {
		return ErrWrongPassword
	}
	return nil
}

// SetUserPassword replaces a user's password and ends every session of that user except the
// one whose token is keepSession (none is kept when it is empty), in one transaction. It
// returns how many sessions it ended; ErrNotFound if there is no such user.
func (db *DB) SetUserPassword(ctx context.Context, userID int64, password, keepSession string) (int, error) {
	if password == "" {
		return 0, fmt.Errorf("set password of user %d: empty password", userID)
	}
	// Hash before taking the writer: argon2 takes ~100 ms and 64 MiB by design.
	hash, err := db.hashPassword(password)
	if err != nil {
		return 0, fmt.Errorf("set password of user %d: %w", userID, err)
	}
	var ended int64
	err = db.withTx(ctx, func(tx *sql.Tx) error {
		if err := expectRow(tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID)); err != nil {
			return err
		}
		var keep []byte // NULL when nothing is kept: "token_hash IS NOT NULL" matches every session
		if keepSession != "" {
			keep = tokenHash(keepSession)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash IS NOT ?`, userID, keep)
		if err != nil {
			return err
		}
		ended, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("set password of user %d: %w", userID, err)
	}
	return int(ended), nil
}

// SessionCount returns how many unexpired sessions a user has.
func (db *DB) SessionCount(ctx context.Context, userID int64) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM sessions WHERE user_id = ? AND expires > ?`,
		userID, db.Now()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count sessions of user %d: %w", userID, err)
	}
	return n, nil
}
