package store

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
)

// AgentUpdateKey returns the server's Ed25519 key that signs the agent binary it serves,
// generating it on first use. It lives in the database (not a file beside it) so that a
// restored backup keeps the key the agents pinned; it is never logged nor served, only its
// public half.
func (db *DB) AgentUpdateKey(ctx context.Context) (ed25519.PrivateKey, error) {
	var key ed25519.PrivateKey
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		var seed []byte
		err := tx.QueryRowContext(ctx, `SELECT private_key FROM server_keys WHERE name = 'agent-update'`).Scan(&seed)
		if err == nil {
			if len(seed) != ed25519.SeedSize {
				return errors.New("stored key has the wrong size")
			}
			key = ed25519.NewKeyFromSeed(seed)
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		key = priv
		_, err = tx.ExecContext(ctx, `INSERT INTO server_keys (name, private_key, public_key, created)
			VALUES ('agent-update', ?, ?, ?)`, priv.Seed(), []byte(pub), db.Now())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("agent update key: %w", err)
	}
	return key, nil
}
