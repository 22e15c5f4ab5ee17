package store

import (
	"context"
	"database/sql"
	"errors"
	"testing"
)

func TestRenameAndDeleteOSGroup(t *testing.T) {
	ctx := context.Background()
	db, _ := openUITestDB(t)
	seedHostviewFleet(t, db)
	other, err := db.CreateOSGroup(ctx, "Lab")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RenameOSGroup(ctx, 1, "Debian bookworm"); err != nil {
		t.Fatal(err)
	}
	if h, _ := db.HostByName(ctx, "web1"); h.OSGroup != "Debian bookworm" {
		t.Errorf("after rename: web1 in group %q, want Debian bookworm", h.OSGroup)
	}
	if err := db.RenameOSGroup(ctx, other, "Debian bookworm"); !errors.Is(err, ErrConflict) {
		t.Errorf("rename to a taken name: got %v, want ErrConflict", err)
	}
	if err := db.RenameOSGroup(ctx, 999, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("rename unknown: got %v, want ErrNotFound", err)
	}
	// web1 uses its group's repos too: its computation is the group's.
	if err := db.SetHostReposOnly(ctx, 1, false); err != nil {
		t.Fatal(err)
	}
	mode := func() (string, sql.NullInt64) {
		t.Helper()
		var m string
		var g sql.NullInt64
		if err := db.read.QueryRowContext(ctx, `SELECT c.mode, c.os_group_id FROM hosts h JOIN computations c ON c.id = h.computation_id
			WHERE h.id = 1`).Scan(&m, &g); err != nil {
			t.Fatal(err)
		}
		return m, g
	}
	if m, g := mode(); m != "group" || g.Int64 != 1 {
		t.Fatalf("web1 before delete: mode %s group %v, want group 1", m, g)
	}
	if err := db.DeleteOSGroup(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if m, g := mode(); m != "host" || g.Valid {
		t.Errorf("web1 after delete: mode %s group %v, want its own repos only", m, g)
	}
	h, err := db.HostByName(ctx, "web2")
	if err != nil || h.OSGroup != "" {
		t.Errorf("web2 after delete: group %q (%v), want none", h.OSGroup, err)
	}
	groups, _ := db.OSGroups(ctx)
	if len(groups) != 1 || groups[0].Name != "Lab" {
		t.Errorf("groups after delete: %+v, want Lab only", groups)
	}
	if err := db.DeleteOSGroup(ctx, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete again: got %v, want ErrNotFound", err)
	}
	if err := db.SetHostReposOnly(ctx, 999, true); !errors.Is(err, ErrNotFound) {
		t.Errorf("repos-only of no host: got %v, want ErrNotFound", err)
	}
}
