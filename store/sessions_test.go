package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSessionsListTouchEnd(t *testing.T) {
	ctx := context.Background()
	db, now := openUITestDB(t)
	u, err := db.CreateUser(ctx, "alice", "correct horse", "admin")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := db.CreateUser(ctx, "bob", "correct horse", "viewer")
	a, err := db.CreateSessionFrom(ctx, u.ID, time.Hour, "192.0.2.1", "Firefox\x00 142")
	if err != nil {
		t.Fatal(err)
	}
	*now = now.Add(time.Minute)
	b, _ := db.CreateSessionFrom(ctx, u.ID, time.Hour, "198.51.100.7", "curl/8")
	c, _ := db.CreateSession(ctx, u.ID, time.Hour)
	bobs, _ := db.CreateSession(ctx, other.ID, time.Hour)
	*now = now.Add(2 * time.Minute)
	if err := db.TouchSession(ctx, a); err != nil {
		t.Fatal(err)
	}
	list, err := db.Sessions(ctx, u.ID)
	if err != nil || len(list) != 3 {
		t.Fatalf("sessions: %+v %v, want 3", list, err)
	}
	if list[0].ID != SessionID(a) || list[0].Addr != "192.0.2.1" || list[0].UserAgent != "Firefox 142" || !list[0].LastSeen.Equal(*now) {
		t.Errorf("most recently used first: got %+v, want session a seen now with its cleaned user agent", list[0])
	}
	if err := db.EndSession(ctx, other.ID, SessionID(b)); !errors.Is(err, ErrNotFound) {
		t.Errorf("ending another user's session: got %v, want ErrNotFound", err)
	}
	if err := db.EndSession(ctx, u.ID, SessionID(b)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionUser(ctx, b); !errors.Is(err, ErrNotFound) {
		t.Errorf("ended session still works: %v", err)
	}
	if n, err := db.EndOtherSessions(ctx, u.ID, a); err != nil || n != 1 {
		t.Errorf("end others: got %d %v, want 1 (c)", n, err)
	}
	if _, err := db.SessionUser(ctx, c); !errors.Is(err, ErrNotFound) {
		t.Error("c survived end-all-others")
	}
	for _, tok := range []string{a, bobs} {
		if _, err := db.SessionUser(ctx, tok); err != nil {
			t.Errorf("a kept session ended: %v", err)
		}
	}
	if err := db.EndSession(ctx, u.ID, "zz"); !errors.Is(err, ErrNotFound) {
		t.Errorf("bad id: got %v", err)
	}
}

func TestAuditEntriesFilter(t *testing.T) {
	ctx := context.Background()
	db, now := openUITestDB(t)
	start := *now
	for _, e := range [][2]string{{"alice", "login"}, {"bob", "login.failed"}, {"alice", "hosts.delete"}, {"Alice", "hosts.tag"}} {
		if err := db.Audit(ctx, e[0], e[1], ""); err != nil {
			t.Fatal(err)
		}
		*now = now.Add(24 * time.Hour)
	}
	actions := func(f AuditFilter) []string {
		t.Helper()
		es, err := db.AuditEntries(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Action)
		}
		return out
	}
	tests := []struct {
		f    AuditFilter
		want []string
	}{
		{AuditFilter{Actor: "ALICE"}, []string{"hosts.tag", "hosts.delete", "login"}},
		{AuditFilter{Action: "login"}, []string{"login"}},
		{AuditFilter{Action: "hosts."}, []string{"hosts.tag", "hosts.delete"}},
		{AuditFilter{Since: start.Add(24 * time.Hour), Until: start.Add(72 * time.Hour)}, []string{"hosts.delete", "login.failed"}},
		{AuditFilter{Actor: "alice", Action: "hosts.", Until: start.Add(72 * time.Hour)}, []string{"hosts.delete"}},
		{AuditFilter{Limit: 1}, []string{"hosts.tag"}},
	}
	for _, tt := range tests {
		if got := actions(tt.f); len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) || (len(got) > 1 && got[1] != tt.want[1]) {
			t.Errorf("%+v: got %v, want %v", tt.f, got, tt.want)
		}
	}
}
