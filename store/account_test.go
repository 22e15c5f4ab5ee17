package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSetUserPasswordKeepsOneSession(t *testing.T) {
	ctx := context.Background()
	db, _ := openUITestDB(t)
	u, err := db.CreateUser(ctx, "alice", "first password!", "admin")
	if err != nil {
		t.Fatal(err)
	}
	other, err := db.CreateUser(ctx, "bob", "bob's password", "viewer")
	if err != nil {
		t.Fatal(err)
	}
	var mine []string
	for range 3 {
		tok, err := db.CreateSession(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		mine = append(mine, tok)
	}
	bobs, err := db.CreateSession(ctx, other.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := db.SessionCount(ctx, u.ID); err != nil || n != 3 {
		t.Fatalf("sessions before: got %d, %v; want 3", n, err)
	}
	if err := db.CheckPassword(ctx, u.ID, "wrong"); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("wrong password: got %v, want ErrWrongPassword", err)
	}
	if err := db.CheckPassword(ctx, 999, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown user: got %v, want ErrNotFound", err)
	}

	ended, err := db.SetUserPassword(ctx, u.ID, "second password", mine[1])
	if err != nil || ended != 2 {
		t.Fatalf("set password keeping one: got %d, %v; want 2 ended", ended, err)
	}
	for i, tok := range mine {
		_, err := db.SessionUser(ctx, tok)
		if i == 1 && err != nil {
			t.Errorf("kept session: got %v, want it alive", err)
		}
		if i != 1 && !errors.Is(err, ErrNotFound) {
			t.Errorf("session %d: got %v, want it ended", i, err)
		}
	}
	if _, err := db.SessionUser(ctx, bobs); err != nil {
		t.Errorf("another user's session: got %v, want it untouched", err)
	}
	if err := db.CheckPassword(ctx, u.ID, "second password"); err != nil {
		t.Errorf("new password: %v", err)
	}
	if err := db.CheckPassword(ctx, u.ID, "first password!"); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("old password: got %v, want ErrWrongPassword", err)
	}

	if ended, err := db.SetUserPassword(ctx, u.ID, "third password", ""); err != nil || ended != 1 {
		t.Errorf("set password keeping none: got %d, %v; want 1 ended", ended, err)
	}
	if n, _ := db.SessionCount(ctx, u.ID); n != 0 {
		t.Errorf("sessions after: got %d, want 0", n)
	}
	if _, err := db.SetUserPassword(ctx, 999, "some password", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown user: got %v, want ErrNotFound", err)
	}
	if _, err := db.SetUserPassword(ctx, u.ID, "", ""); err == nil {
		t.Error("empty password: got nil, want an error")
	}
}

func TestHostTokenViews(t *testing.T) {
	db, _ := openIngestTestDB(t)
	ctx := context.Background()
	enroll, _, err := db.CreateEnrollToken(ctx, "site-a")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"a.example.org", "b.example.org"} {
		if _, _, err := db.EnrollHost(ctx, enroll, h); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.HostTokenOf(ctx, "nope.example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("not enrolled: got %v, want ErrNotFound", err)
	}
	v, err := db.HostTokenOf(ctx, "A.example.org")
	if err != nil || v.Hostname != "a.example.org" || v.EnrollName != "site-a" || v.Prefix == "" {
		t.Errorf("HostTokenOf: got %+v, %v; want a.example.org from site-a", v, err)
	}
	if err := db.RevokeHostToken(ctx, "a.example.org"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.HostTokenOf(ctx, "a.example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked: got %v, want ErrNotFound", err)
	}
	vs, total, err := db.HostTokenViews(ctx, 1)
	if err != nil || total != 2 || len(vs) != 1 || vs[0].Hostname != "b.example.org" {
		t.Fatalf("HostTokenViews(1): got %+v, %d, %v; want b.example.org of 2", vs, total, err)
	}
	vs, _, err = db.HostTokenViews(ctx, 0)
	if err != nil || len(vs) != 2 || vs[1].Revoked.IsZero() || !vs[0].Revoked.IsZero() {
		t.Errorf("HostTokenViews(0): got %+v, %v; want both, a revoked", vs, err)
	}
}
