package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// APIKey is one row of api_keys. The secret itself is never stored or returned after creation.
type APIKey struct {
	ID       int64
	Name     string
	Kind     string // "patchman" (Patchman protocol 2 uploads) or "api" (/api/v1)
	Prefix   string // the 8 characters before the dot, shown to identify a key
	Role     string
	Created  time.Time
	LastUsed time.Time // zero if never used
	Revoked  time.Time // zero unless revoked
}

// Active reports whether the key has not been revoked.
func (k APIKey) Active() bool { return k.Revoked.IsZero() }

const apiKeyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomToken returns n characters drawn uniformly from apiKeyAlphabet.
func randomToken(n int) string {
	var b strings.Builder
	buf := make([]byte, n*2)
	for b.Len() < n {
		_, _ = rand.Read(buf) // crypto/rand.Read never fails on supported platforms
		for _, c := range buf {
			// 248 = 4*62: rejecting bytes above it keeps the distribution uniform.
			if c < 248 && b.Len() < n {
				b.WriteByte(apiKeyAlphabet[int(c)%len(apiKeyAlphabet)])
			}
		}
	}
	return b.String()
}

func hashAPISecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// CreateAPIKey creates a key and returns its plaintext form "<8-char prefix>.<secret>" (the
// djangorestframework-api-key format that patchman-client sends), which is shown only once:
// only the SHA-256 of the secret is stored. role defaults to "viewer".
func (db *DB) CreateAPIKey(ctx context.Context, name, kind, role string) (string, APIKey, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", APIKey{}, errors.New("create api key: name is empty")
	}
	if kind != "patchman" && kind != "api" {
		return "", APIKey{}, fmt.Errorf("create api key: kind %q: want patchman or api", kind)
	}
	if role == "" {
		role = "viewer"
	}
	k := APIKey{Name: name, Kind: kind, Role: role, Created: db.Now()}
	var plain string
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		// A prefix clash is astronomically unlikely, but the column is UNIQUE: retry rather than fail.
		for range 5 {
			k.Prefix = randomToken(8)
			secret := randomToken(32)
			res, err := tx.ExecContext(ctx, `INSERT INTO api_keys (name, kind, prefix, hash, role, created)
				VALUES (?, ?, ?, ?, ?, ?)`, k.Name, k.Kind, k.Prefix, hashAPISecret(secret), k.Role, k.Created)
			if isConstraint(err) {
				continue
			}
			if err != nil {
				return err
			}
			plain = k.Prefix + "." + secret
			k.ID, err = res.LastInsertId()
			return err
		}
		return ErrConflict
	})
	if err != nil {
		return "", APIKey{}, fmt.Errorf("create api key %s: %w", name, err)
	}
	return plain, k, nil
}

// VerifyAPIKey checks a presented "<prefix>.<secret>" key of the given kind and stamps its
// last use. Unknown, revoked, wrong-kind and wrong-secret keys all give ErrNotFound, so a caller
// cannot tell them apart (and neither can an attacker).
func (db *DB) VerifyAPIKey(ctx context.Context, kind, presented string) (APIKey, error) {
	prefix, secret, ok := strings.Cut(strings.TrimSpace(presented), ".")
	if !ok || prefix == "" || secret == "" {
		return APIKey{}, ErrNotFound
	}
	// The check reads on the reader pool; last_used is written at most once a minute, so a busy
	// API client neither queues behind the single writer nor invalidates caches keyed on
	// SQLite's data_version with every request.
	var k APIKey
	var hash []byte
	var lastUsed, revoked sql.NullTime
	err := db.read.QueryRowContext(ctx, `SELECT id, name, kind, prefix, hash, role, created, last_used, revoked
		FROM api_keys WHERE prefix = ? AND kind = ?`, prefix, kind).
		Scan(&k.ID, &k.Name, &k.Kind, &k.Prefix, &hash, &k.Role, &k.Created, &lastUsed, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		// Hash anyway so that an unknown prefix costs the same as a wrong secret.
		subtle.ConstantTimeCompare(hashAPISecret(secret), make([]byte, sha256.Size))
		return APIKey{}, ErrNotFound
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("verify api key: %w", err)
	}
	if subtle.ConstantTimeCompare(hashAPISecret(secret), hash) != 1 || revoked.Valid {
		return APIKey{}, ErrNotFound
	}
	k.LastUsed = lastUsed.Time
	if now := db.Now(); now.Sub(k.LastUsed) >= time.Minute {
		k.LastUsed = now
		if _, err := db.write.ExecContext(ctx, `UPDATE api_keys SET last_used = ? WHERE id = ?`, now, k.ID); err != nil {
			return APIKey{}, fmt.Errorf("verify api key: stamp last use: %w", err)
		}
	}
	return k, nil
}

// APIKeys lists every key, revoked ones included, newest first.
func (db *DB) APIKeys(ctx context.Context) ([]APIKey, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, name, kind, prefix, role, created, last_used, revoked
		FROM api_keys ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		var k APIKey
		var lastUsed, revoked sql.NullTime
		if err := rows.Scan(&k.ID, &k.Name, &k.Kind, &k.Prefix, &k.Role, &k.Created, &lastUsed, &revoked); err != nil {
			return nil, fmt.Errorf("list api keys: %w", err)
		}
		k.LastUsed, k.Revoked = lastUsed.Time, revoked.Time
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return out, nil
}

// RevokeAPIKey revokes a key; it stays listed. Revoking an already revoked key keeps the first
// revocation time. ErrNotFound if there is no such key.
func (db *DB) RevokeAPIKey(ctx context.Context, id int64) error {
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		return expectRow(tx.ExecContext(ctx, `UPDATE api_keys SET revoked = coalesce(revoked, ?) WHERE id = ?`, db.Now(), id))
	})
	if err != nil {
		return fmt.Errorf("revoke api key %d: %w", id, err)
	}
	return nil
}
