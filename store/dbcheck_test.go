package store

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// plantOrphans adds, to the hostview fleet, rows nothing uses (chained: an orphan computation
// holds a package set, a repo set and a package), rows that look unused but are not (packages
// only in a mirror's or a module stream's blob or an erratum, a repository only an OS group
// has), a mirror whose repository is gone (planted with foreign keys off) and a host with the
// highest ids, so that the highest-id rule does not hide the orphans.
func plantOrphans(t *testing.T, db *DB) {
	t.Helper()
	for _, q := range []string{
		`INSERT INTO packages (id, type, name, arch, version) VALUES (7, 'deb', 'mirror-only', 'amd64', '1'),
			(8, 'deb', 'mirror-only2', 'amd64', '1'), (9, 'rpm', 'module-only', 'x86_64', '1'),
			(10, 'deb', 'unused', 'amd64', '1'), (11, 'deb', 'old-set-only', 'amd64', '1'),
			(12, 'rpm', 'erratum-only', 'x86_64', '1')`,
		// {7, 8} = deltas 7,1; {9}; {3, 11} = 3,8.
		`INSERT INTO mirror_packages (mirror_id, members) VALUES (1, x'0701')`,
		`INSERT INTO mirror_modules (mirror_id, name, stream, members) VALUES (4, 'nodejs', '18', x'09')`,
		`INSERT INTO errata (id, name) VALUES (1, 'RHSA-2026:0001')`,
		`INSERT INTO erratum_packages (erratum_id, package_id) VALUES (1, 12)`,
		`INSERT INTO package_sets (id, digest, count, members) VALUES (3, x'03', 2, x'0308'), (4, x'04', 1, x'03')`,
		`INSERT INTO repo_sets (id, digest) VALUES (3, x'03'), (4, x'04')`,
		`INSERT INTO repos (id, name, type, created) VALUES (4, 'gone', 'deb', '2026-11-01 00:00:00'),
			(5, 'group only', 'deb', '2026-11-01 00:00:00')`,
		`INSERT INTO repo_set_members (set_id, repo_id) VALUES (3, 4), (4, 1)`,
		`DELETE FROM repo_set_members WHERE set_id = 3`, // repo 4 is in no set once set 3 goes
		`INSERT INTO os_group_repos (os_group_id, repo_id) VALUES (1, 5)`,
		`INSERT INTO computations (id, package_set_id, repo_set_id, mode, os_group_id) VALUES
			(4, 3, 3, 'host', NULL), (5, 1, 1, 'group', 1), (6, 4, 4, 'host', NULL)`,
		`INSERT INTO computed_updates (computation_id, old_package_id, new_package_id, repo_id) VALUES (4, 11, 4, 1)`,
		`INSERT INTO hosts (id, hostname, package_set_id, repo_set_id, computation_id, created) VALUES
			(5, 'web3', 4, 4, 6, '2026-11-01 00:00:00')`,
		`PRAGMA foreign_keys = OFF`, // the writer pool is one connection
		`INSERT INTO mirrors (id, repo_id, url) VALUES (5, 99, 'http://nowhere.example.org/')`,
		`PRAGMA foreign_keys = ON`,
	} {
		mustExec(t, db, q)
	}
}

// fleetState is everything dbcheck --fix must leave alone.
type fleetState struct {
	Updates  map[int64][]HostUpdate
	Packages map[int64][]PackageKey
	Mirror1  []PackageKey
	Repos    []RepoSummary
}

func stateOf(t *testing.T, db *DB) fleetState {
	t.Helper()
	ctx := context.Background()
	s := fleetState{Updates: map[int64][]HostUpdate{}, Packages: map[int64][]PackageKey{}}
	for id := int64(1); id <= 5; id++ {
		ups, err := db.HostUpdates(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		pkgs, err := db.HostPackages(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		s.Updates[id], s.Packages[id] = ups, pkgs
	}
	var err error
	if s.Mirror1, err = db.MirrorPackages(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if s.Repos, err = db.Repos(ctx); err != nil {
		t.Fatal(err)
	}
	var repos []RepoSummary
	for _, r := range s.Repos {
		if r.ID != 4 { // the orphan repository goes, by design
			repos = append(repos, r)
		}
	}
	s.Repos = repos
	return s
}

func TestCleanOrphans(t *testing.T) {
	ctx := context.Background()
	db, _ := openUITestDB(t)
	seedHostviewFleet(t, db)
	plantOrphans(t, db)
	before := stateOf(t, db)
	if len(before.Updates[1]) == 0 || len(before.Mirror1) != 2 {
		t.Fatalf("fixture: host 1 updates %v, mirror 1 packages %v", before.Updates[1], before.Mirror1)
	}
	in, err := db.CheckIntegrity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if in.OK() || len(in.ForeignKeys) != 1 || !cmp.Equal(in.Check, []string{"ok"}) {
		t.Errorf("before: got %+v, want integrity ok and one foreign key violation (mirror 5)", in)
	}
	want := []Orphans{
		{"computations no host uses", 2},
		{"package sets no host uses", 1},
		{"repo sets no host uses", 1},
		{"mirrors whose repository is gone", 1},
		{"repositories without mirrors or hosts", 1},
		{"packages nothing refers to", 2},
	}
	for _, fix := range []bool{false, false, true} { // a dry run changes nothing
		got, err := db.CleanOrphans(ctx, fix)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CleanOrphans(%v) (-want +got):\n%s", fix, diff)
		}
	}
	if in, err := db.CheckIntegrity(ctx); err != nil || !in.OK() {
		t.Errorf("after fix: got %+v, %v, want ok", in, err)
	}
	if diff := cmp.Diff(before, stateOf(t, db)); diff != "" {
		t.Errorf("fix changed the fleet (-before +after):\n%s", diff)
	}
	var ids []int64
	rows, err := db.read.Query(`SELECT id FROM packages ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if want := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 12}; !cmp.Equal(ids, want) {
		t.Errorf("packages left: got %v, want %v", ids, want)
	}

	// An unused package with the highest id stays: its id must never be given to another row.
	mustExec(t, db, `INSERT INTO packages (id, type, name, arch, version) VALUES (13, 'deb', 'newest', 'amd64', '1')`)
	got, err := db.CleanOrphans(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range got {
		if o.Count != 0 {
			t.Errorf("second fix: %s: got %d, want 0", o.What, o.Count)
		}
	}
}

// TestCleanOrphansRefreshHints: refresh looks package ids up on the reader pool before its
// write transaction; should dbcheck --fix delete one of them in between, the mirror still gets
// the right packages (the stale hints are dropped, not stored).
func TestCleanOrphansRefreshHints(t *testing.T) {
	ctx := context.Background()
	db := openMirrorTestDB(t)
	applyNew(t, db, ingestReport("a.example.org", "3.0.1"))
	applyNew(t, db, ingestReport("a.example.org", "3.0.2")) // openssl 3.0.1 is now unused
	_, mirror := addRepoMirror(t, db, "extra", "http://extra.example.org/debian/", true, true)
	keys := []PackageKey{{Type: "deb", Name: "openssl", Arch: "amd64", Version: "3.0.1", Release: "1~deb12u1"},
		{Type: "deb", Name: "bash", Arch: "amd64", Version: "5.2.15", Release: "2+b8"}}
	known, err := db.KnownPackageIDs(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	if known[0] == 0 || known[1] == 0 {
		t.Fatalf("fixture: known ids %v, want both", known)
	}
	if _, err := db.CleanOrphans(ctx, true); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveMirrorPackages(ctx, mirror, keys, known, MirrorMeta{Checksum: "x"}); err != nil {
		t.Fatal(err)
	}
	got, err := db.MirrorPackages(ctx, mirror)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "bash" || got[1].Name != "openssl" || got[1].Version != "3.0.1" {
		t.Errorf("mirror packages: got %+v, want bash and openssl 3.0.1", got)
	}
	if in, err := db.CheckIntegrity(ctx); err != nil || !in.OK() {
		t.Errorf("integrity: %+v, %v", in, err)
	}
}
