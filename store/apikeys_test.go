package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAPIKeys(t *testing.T) {
	db, now := openIngestTestDB(t)
	ctx := context.Background()
	plain, k, err := db.CreateAPIKey(ctx, "fleet", "patchman", "")
	if err != nil {
		t.Fatal(err)
	}
	prefix, secret, ok := strings.Cut(plain, ".")
	if !ok || len(prefix) != 8 || prefix != k.Prefix || len(secret) < 32 || k.Role != "viewer" {
		t.Fatalf("got key %q %+v, want <8-char prefix>.<secret> with role viewer", plain, k)
	}
	if n := ingestCount(t, db, `SELECT count(*) FROM api_keys WHERE instr(hash, ?) > 0 OR hash = ?`, secret, secret); n != 0 {
		t.Errorf("secret stored in plain text")
	}
	*now = now.Add(time.Hour)
	tests := []struct {
		name, kind, key string
		ok              bool
	}{
		{"valid", "patchman", plain, true},
		{"valid with spaces", "patchman", " " + plain + " ", true},
		{"wrong kind", "api", plain, false},
		{"wrong secret", "patchman", prefix + ".x" + secret[1:], false},
		{"unknown prefix", "patchman", "ABCDEFGH." + secret, false},
		{"no dot", "patchman", prefix + secret, false},
		{"empty", "patchman", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.VerifyAPIKey(ctx, tt.kind, tt.key)
			if tt.ok {
				if err != nil || got.ID != k.ID || !got.LastUsed.Equal(db.Now()) {
					t.Errorf("got %+v, %v, want key %d used now", got, err, k.ID)
				}
				return
			}
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("got %v, want ErrNotFound", err)
			}
		})
	}
	if _, _, err := db.CreateAPIKey(ctx, "x", "ssh", ""); err == nil {
		t.Errorf("kind ssh: got no error")
	}
	if _, _, err := db.CreateAPIKey(ctx, " ", "api", ""); err == nil {
		t.Errorf("empty name: got no error")
	}
	if err := db.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.VerifyAPIKey(ctx, "patchman", plain); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked key: got %v, want ErrNotFound", err)
	}
	if err := db.RevokeAPIKey(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke unknown: got %v, want ErrNotFound", err)
	}
	keys, err := db.APIKeys(ctx)
	if err != nil || len(keys) != 1 || keys[0].Active() || keys[0].LastUsed.IsZero() {
		t.Errorf("got keys %+v, %v, want one revoked, used key", keys, err)
	}
}
