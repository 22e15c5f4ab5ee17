package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// HostBinding is the credential a host name is bound to: reports for the name must carry it.
type HostBinding struct {
	Hostname   string
	HostToken  bool   // the name has a live host token (it enrolled)
	APIKeyID   int64  // the live Patchman key it first reported with, 0 if none
	APIKeyName string // that key's name
}

// HostBinding returns what hostname is bound to, or ErrNotFound when it is bound to nothing.
// A binding to a revoked key has lapsed and is not returned.
func (db *DB) HostBinding(ctx context.Context, hostname string) (HostBinding, error) {
	b := HostBinding{Hostname: strings.ToLower(strings.TrimSpace(hostname))}
	var keyID sql.NullInt64
	var keyName sql.NullString
	err := db.read.QueryRowContext(ctx, `SELECT
			EXISTS (SELECT 1 FROM host_tokens WHERE hostname = ? AND revoked IS NULL),
			k.id, k.name
		FROM (SELECT 1) LEFT JOIN host_key_bindings hb ON hb.hostname = ?
		LEFT JOIN api_keys k ON k.id = hb.api_key_id AND k.revoked IS NULL`, b.Hostname, b.Hostname).
		Scan(&b.HostToken, &keyID, &keyName)
	if err != nil {
		return HostBinding{}, fmt.Errorf("binding of %s: %w", b.Hostname, err)
	}
	b.APIKeyID, b.APIKeyName = keyID.Int64, keyName.String
	if !b.HostToken && b.APIKeyID == 0 {
		return HostBinding{}, ErrNotFound
	}
	return b, nil
}

// BindHostKey binds hostname to the Patchman key keyID unless it is bound to a live key
// already (the first key wins; a lapsed binding is replaced).
func (db *DB) BindHostKey(ctx context.Context, hostname string, keyID int64) error {
	hostname = strings.ToLower(strings.TrimSpace(hostname))
	if hostname == "" {
		return errors.New("bind host: hostname is empty")
	}
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO host_key_bindings (hostname, api_key_id, created) VALUES (?, ?, ?)
			ON CONFLICT (hostname) DO UPDATE SET api_key_id = excluded.api_key_id, created = excluded.created
			WHERE NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.id = host_key_bindings.api_key_id AND k.revoked IS NULL)`,
			hostname, keyID, db.Now())
		return err
	})
	if err != nil {
		return fmt.Errorf("bind %s to api key %d: %w", hostname, keyID, err)
	}
	return nil
}

// NormalHostname lower-cases and trims a host name and drops the root's trailing dot, so that
// every spelling of a name is one host (and one binding). The intake, the store and the UI
// all name hosts through it.
func NormalHostname(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
}
