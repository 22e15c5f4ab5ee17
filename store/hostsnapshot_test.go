package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestHostSnapshotMatchesSQL: the in-memory host list must answer exactly as DB.Hosts does,
// for every filter, every sort key in both directions, and paging.
func TestHostSnapshotMatchesSQL(t *testing.T) {
	ctx := context.Background()
	db, now := openUITestDB(t)
	seedHostviewFleet(t, db)
	snap, err := db.LoadHostSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	filters := []HostFilter{
		{}, {Search: "WEB example.org"}, {Search: "rocky"}, {OS: "Debian 12"}, {OS: "Rocky Linux 9.4 (Blue Onyx)"},
		{Tag: "PROD"}, {Arch: "x86_64"}, {Reboot: &yes}, {Reboot: &no}, {HasSecurity: &yes}, {HasSecurity: &no},
		{Domain: "example.org"}, {Stale: &yes, StaleBefore: now.Add(-7 * 24 * time.Hour)},
		{Stale: &no, StaleBefore: now.Add(-7 * 24 * time.Hour)}, {Search: "nomatch"},
		{HostIDs: []int64{}}, {HostIDs: []int64{1, 3, 999}}, {HostIDs: []int64{2, 3}, Tag: "prod"},
	}
	for _, f := range filters {
		for _, key := range append(HostSorts(), "bogus") {
			for _, desc := range []bool{false, true} {
				for _, page := range [][2]int{{0, 0}, {2, 1}, {2, 10}} {
					f := f
					f.Sort, f.Desc, f.Limit, f.Offset = key, desc, page[0], page[1]
					want, wantTotal, err := db.Hosts(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					got, total := snap.Hosts(f)
					name := fmt.Sprintf("%+v", f)
					if diff := cmp.Diff(hostNames(want), hostNames(got)); diff != "" {
						t.Errorf("%s: snapshot differs from SQL (-sql +snapshot):\n%s", name, diff)
					}
					if total != wantTotal {
						t.Errorf("%s: total %d, want %d", name, total, wantTotal)
					}
				}
			}
		}
	}
	facets, err := db.HostFacets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(facets, snap.Facets()); diff != "" {
		t.Errorf("facets (-sql +snapshot):\n%s", diff)
	}
}

func TestChangeWatcher(t *testing.T) {
	ctx := context.Background()
	db, _ := openUITestDB(t)
	w := db.NewChangeWatcher()
	defer w.Close()
	v1, err := w.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v2, _ := w.Version(ctx); v2 != v1 {
		t.Errorf("no commit: version changed %d -> %d", v1, v2)
	}
	if err := db.Audit(ctx, "t", "test", ""); err != nil {
		t.Fatal(err)
	}
	if v3, _ := w.Version(ctx); v3 == v1 {
		t.Errorf("after a commit: version still %d", v3)
	}
}
