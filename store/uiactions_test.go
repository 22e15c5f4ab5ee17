package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSecurityHistory(t *testing.T) {
	ctx := context.Background()
	db, now := openUITestDB(t)
	seedHostviewFleet(t, db)
	if err := db.RecordSecurityHistory(ctx); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(9 * 24 * time.Hour)
	if err := db.RecordSecurityHistory(ctx); err != nil {
		t.Fatal(err)
	}
	hist, err := db.SecurityHistory(ctx, 30)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].SecurityHosts != 1 || hist[0].Hosts != 4 || hist[1].Day.Sub(hist[0].Day) != 9*24*time.Hour {
		t.Errorf("history: got %+v, want two days with 1 of 4 hosts", hist)
	}
	d, err := db.DashboardWith(ctx, DashboardOptions{SecurityBefore: now.Add(-7 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if d.LongSecurity.Count != 1 || d.LongSecurity.Items[0].Name != "web1" {
		t.Errorf("pending over 7 days: got %+v, want web1 (stamped 9 days ago)", d.LongSecurity)
	}
}

func TestHostActions(t *testing.T) {
	ctx := context.Background()
	db, _ := openUITestDB(t)
	seedHostviewFleet(t, db)
	ids, err := db.HostIDs(ctx, []string{"WEB1", "web2", "nosuch"})
	if err != nil || len(ids) != 2 {
		t.Fatalf("host ids: got %v %v, want 2", ids, err)
	}
	if err := db.TagHosts(ctx, ids, "blue", true); err != nil {
		t.Fatal(err)
	}
	got, _, _ := db.Hosts(ctx, HostFilter{Tag: "BLUE"})
	if diff := cmp.Diff([]string{"web1", "web2"}, hostNames(got)); diff != "" {
		t.Errorf("tagged (-want +got):\n%s", diff)
	}
	if err := db.TagHosts(ctx, ids[:1], "blue", false); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := db.Hosts(ctx, HostFilter{Tag: "blue"}); len(got) != 1 {
		t.Errorf("after untag: got %d hosts, want 1", len(got))
	}
	if err := db.TagHosts(ctx, ids, "a,b", true); !errors.Is(err, ErrConflict) {
		t.Errorf("comma in tag: got %v, want ErrConflict", err)
	}
	if err := db.MarkHostsDirty(ctx, ids); err != nil {
		t.Fatal(err)
	}
	if dirty := hvDirtyComputations(t, db); len(dirty) == 0 {
		t.Error("mark dirty: no dirty computation")
	}
	n, err := db.DeleteHosts(ctx, append(ids, 999))
	if err != nil || n != 2 {
		t.Errorf("delete: got %d %v, want 2", n, err)
	}
}

func TestMirrorActions(t *testing.T) {
	ctx := context.Background()
	db, _ := openUITestDB(t)
	seedHostviewFleet(t, db)
	if err := db.SetMirrorEnabled(ctx, 4, true); err != nil {
		t.Fatal(err)
	}
	r, _ := db.Repo(ctx, 3)
	if !r.Mirrors[0].Enabled || r.Mirrors[0].FailCount != 0 {
		t.Errorf("re-enabled mirror: got %+v, want enabled with failures cleared", r.Mirrors[0])
	}
	if err := db.MoveMirror(ctx, 3, 2); err != nil {
		t.Fatal(err)
	}
	r, _ = db.Repo(ctx, 2)
	if len(r.Mirrors) != 2 {
		t.Errorf("repo 2 mirrors after the move: got %d, want 2", len(r.Mirrors))
	}
	if err := db.MoveMirror(ctx, 3, 99); !errors.Is(err, ErrNotFound) {
		t.Errorf("move to unknown repo: got %v, want ErrNotFound", err)
	}
	if err := db.SetMirrorEnabled(ctx, 99, false); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown mirror: got %v, want ErrNotFound", err)
	}
}

func TestLastAdminKept(t *testing.T) {
	ctx := context.Background()
	db, _ := openUITestDB(t)
	admin, err := db.CreateUser(ctx, "root", "a long password", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetUserRole(ctx, admin.ID, "viewer"); !errors.Is(err, ErrConflict) {
		t.Errorf("demote last admin: got %v, want ErrConflict", err)
	}
	if err := db.DeleteUser(ctx, admin.ID); !errors.Is(err, ErrConflict) {
		t.Errorf("delete last admin: got %v, want ErrConflict", err)
	}
	other, _ := db.CreateUser(ctx, "second", "another long password", "admin")
	if err := db.SetUserRole(ctx, admin.ID, "operator"); err != nil {
		t.Errorf("demote with another admin left: %v", err)
	}
	if err := db.DeleteUser(ctx, other.ID); !errors.Is(err, ErrConflict) {
		t.Errorf("delete the now last admin: got %v, want ErrConflict", err)
	}
	if err := db.SetUserRole(ctx, other.ID, "root"); !errors.Is(err, ErrInvalidRole) {
		t.Errorf("bad role: got %v, want ErrInvalidRole", err)
	}
}

func TestHostReports(t *testing.T) {
	ctx := context.Background()
	db, _ := openUITestDB(t)
	hr := HostReport{Hostname: "h1.example.org", OS: "Debian GNU/Linux 12 (bookworm)", Arch: "amd64",
		Packages: []PackageKey{{Type: "deb", Name: "bash", Arch: "amd64", Version: "5.2.15", Release: "2"}}}
	var ids []int64
	for range 3 {
		id, err := db.SaveReport(ctx, Report{Protocol: "native", Hostname: hr.Hostname}, hr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApplyHostReport(ctx, id, hr); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	h, err := db.HostByName(ctx, hr.Hostname)
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.HostReports(ctx, h.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	var gotIDs []int64
	for _, r := range got {
		gotIDs = append(gotIDs, r.ID)
	}
	if diff := cmp.Diff([]int64{ids[2], ids[1]}, gotIDs); diff != "" {
		t.Errorf("newest two reports (-want +got):\n%s", diff)
	}
}
