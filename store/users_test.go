package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// openUITestDB opens a fresh database in t.TempDir with a settable clock.
func openUITestDB(t *testing.T) (*DB, *time.Time) {
	return openClockedDB(t, time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC))
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	// The production cost, because this test checks the stored hash's parameters.
	db, _ := openClockedDB(t, time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), WithPasswordCost(argonTime, argonMemory))
	u, err := db.CreateUser(ctx, "alice", "correct horse", "admin")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if u.ID == 0 || u.Name != "alice" || u.Role != "admin" {
		t.Errorf("got %+v, want id set, name alice, role admin", u)
	}
	if _, err := db.CreateUser(ctx, "ALICE", "x", "viewer"); !errors.Is(err, ErrConflict) {
		t.Errorf("duplicate (case-insensitive): got %v, want ErrConflict", err)
	}
	if _, err := db.CreateUser(ctx, "bob", "x", "root"); !errors.Is(err, ErrInvalidRole) {
		t.Errorf("bad role: got %v, want ErrInvalidRole", err)
	}
	var stored string
	if err := db.read.QueryRow(`SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored, "$argon2id$v=19$m=65536,t=3,p=2$") || strings.Contains(stored, "correct horse") {
		t.Errorf("stored hash: got %q, want a PHC argon2id string without the password", stored)
	}

	tests := []struct {
		name, user, password string
		wantErr              error
	}{
		{"good", "alice", "correct horse", nil},
		{"name case-insensitive", "Alice", "correct horse", nil},
		{"wrong password", "alice", "correct horse!", ErrNotFound},
		{"empty password", "alice", "", ErrNotFound},
		{"unknown user", "mallory", "correct horse", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.Authenticate(ctx, tt.user, tt.password)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && (got.ID != u.ID || got.LastLogin.IsZero()) {
				t.Errorf("got %+v, want user %d with last login stamped", got, u.ID)
			}
		})
	}

	users, err := db.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].LastLogin.IsZero() {
		t.Errorf("users: got %+v, want alice with last login", users)
	}
	if n, err := db.UserCount(ctx); err != nil || n != 1 {
		t.Errorf("user count: got %d, %v, want 1", n, err)
	}

	if err := db.SetPassword(ctx, "alice", "new secret"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(ctx, "alice", "correct horse"); !errors.Is(err, ErrNotFound) {
		t.Errorf("old password after change: got %v, want ErrNotFound", err)
	}
	if _, err := db.Authenticate(ctx, "alice", "new secret"); err != nil {
		t.Errorf("new password: got %v, want nil", err)
	}
	if err := db.SetPassword(ctx, "nobody", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("set password of unknown user: got %v, want ErrNotFound", err)
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	for _, enc := range []string{"", "plain", "$argon2i$v=19$m=65536,t=3,p=2$c2FsdA$a2V5",
		"$argon2id$v=19$m=99999999,t=3,p=2$c2FsdA$a2V5", "$argon2id$v=19$m=65536,t=3,p=2$!!$a2V5"} {
		if ok, err := verifyPassword(enc, "x"); ok || err == nil {
			t.Errorf("verifyPassword(%q): got %v, %v, want false and an error", enc, ok, err)
		}
	}
	if _, err := verifyPassword(dummyHash, "x"); err != nil {
		t.Errorf("dummy hash must be well-formed: got %v", err)
	}
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	db, now := openUITestDB(t)
	u, err := db.CreateUser(ctx, "alice", "pw", "viewer")
	if err != nil {
		t.Fatal(err)
	}
	token, err := db.CreateSession(ctx, u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(token) != 43 {
		t.Errorf("token length: got %d, want 43 (32 bytes base64url)", len(token))
	}
	var n int
	if err := db.read.QueryRow(`SELECT count(*) FROM sessions WHERE token_hash = ?`, token).Scan(&n); err != nil || n != 0 {
		t.Errorf("raw token stored: got %d rows, %v, want 0", n, err)
	}
	got, err := db.SessionUser(ctx, token)
	if err != nil || got.ID != u.ID {
		t.Fatalf("session user: got %+v, %v, want user %d", got, err, u.ID)
	}
	if _, err := db.SessionUser(ctx, token+"x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("wrong token: got %v, want ErrNotFound", err)
	}

	*now = now.Add(time.Hour)
	if _, err := db.SessionUser(ctx, token); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired: got %v, want ErrNotFound", err)
	}
	if n, err := db.DeleteExpiredSessions(ctx); err != nil || n != 1 {
		t.Errorf("delete expired: got %d, %v, want 1", n, err)
	}

	token2, err := db.CreateSession(ctx, u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteSession(ctx, token2); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionUser(ctx, token2); !errors.Is(err, ErrNotFound) {
		t.Errorf("after logout: got %v, want ErrNotFound", err)
	}
}

func TestAudit(t *testing.T) {
	ctx := context.Background()
	db, _ := openUITestDB(t)
	if err := db.Audit(ctx, "alice", "repo.security", "repo 3 on"); err != nil {
		t.Fatal(err)
	}
	if err := db.Audit(ctx, "bob", "login", ""); err != nil {
		t.Fatal(err)
	}
	log, err := db.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 || log[0].Actor != "bob" || log[1].Action != "repo.security" || log[1].At.IsZero() {
		t.Errorf("got %+v, want bob's login then alice's repo.security", log)
	}
}
