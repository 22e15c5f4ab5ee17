package store

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// compFixture is a small fleet: two repos (one security, one with two mirrors of which one
// is disabled), a disabled repo, one package set, and computations with and without repos.
type compFixture struct {
	db                    *DB
	pkg                   map[string]int64 // "name version" -> id
	main, security, off   int64            // repo ids
	mirrorMain, mirrorSec int64
	withRepos, noRepos    int64 // computations
	hostID                int64 // uses withRepos
}

func newCompFixture(t *testing.T) *compFixture {
	t.Helper()
	ctx := context.Background()
	db, clock := openClockedDB(t, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	now := *clock
	f := &compFixture{db: db, pkg: map[string]int64{}}
	exec := func(q string, args ...any) int64 {
		t.Helper()
		res, err := db.write.ExecContext(ctx, q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		id, _ := res.LastInsertId()
		return id
	}
	for _, p := range [][3]string{
		{"bash", "amd64", "5.2-1"}, {"bash", "amd64", "5.2-2"}, {"zlib", "amd64", "1.2-1"},
		{"zlib", "amd64", "1.3-1"}, {"curl", "amd64", "8.0-1"}, {"curl", "amd64", "8.1-1"}, {"local", "amd64", "1-1"},
	} {
		f.pkg[p[0]+" "+p[2]] = exec(`INSERT INTO packages (type, name, arch, version) VALUES ('deb', ?, ?, ?)`, p[0], p[1], p[2])
	}
	set := func(names ...string) []byte {
		var ids []int64
		for _, n := range names {
			ids = append(ids, f.pkg[n])
		}
		return NewIDSet(ids).Encode()
	}
	installed := NewIDSet([]int64{f.pkg["bash 5.2-1"], f.pkg["zlib 1.2-1"], f.pkg["local 1-1"]})
	pkgSet := exec(`INSERT INTO package_sets (digest, count, members) VALUES (?, ?, ?)`, installed.Digest(), len(installed), installed.Encode())
	repo := func(name string, security, enabled bool) int64 {
		return exec(`INSERT INTO repos (name, type, security, enabled, created) VALUES (?, 'deb', ?, ?, ?)`, name, security, enabled, now)
	}
	f.main, f.security, f.off = repo("main", false, true), repo("security", true, true), repo("off", false, false)
	mirror := func(repo int64, url string, enabled bool, members []byte) int64 {
		id := exec(`INSERT INTO mirrors (repo_id, url, enabled, checksum, content_changed) VALUES (?, ?, ?, 'c1', ?)`, repo, url, enabled, now)
		exec(`INSERT INTO mirror_packages (mirror_id, members) VALUES (?, ?)`, id, members)
		return id
	}
	f.mirrorMain = mirror(f.main, "http://a/main", true, set("bash 5.2-1", "zlib 1.2-1", "zlib 1.3-1"))
	mirror(f.main, "http://b/main", true, set("curl 8.0-1", "bash 5.2-1"))
	mirror(f.main, "http://c/main", false, set("curl 8.1-1"))
	f.mirrorSec = mirror(f.security, "http://a/security", true, set("bash 5.2-2"))
	mirror(f.off, "http://a/off", true, set("zlib 1.3-1"))
	repoSet := exec(`INSERT INTO repo_sets (digest) VALUES (x'01')`)
	for repo, prio := range map[int64]int{f.main: 500, f.security: 500, f.off: 100} {
		exec(`INSERT INTO repo_set_members (set_id, repo_id, priority) VALUES (?, ?, ?)`, repoSet, repo, prio)
	}
	f.withRepos = exec(`INSERT INTO computations (package_set_id, repo_set_id) VALUES (?, ?)`, pkgSet, repoSet)
	f.noRepos = exec(`INSERT INTO computations (package_set_id, repo_set_id) VALUES (?, NULL)`, pkgSet)
	f.hostID = exec(`INSERT INTO hosts (hostname, created, package_set_id, repo_set_id, computation_id) VALUES ('h1', ?, ?, ?, ?)`,
		now, pkgSet, repoSet, f.withRepos)
	return f
}

func (f *compFixture) names(pkgs []Package) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.Name+" "+p.EVR())
	}
	return out
}

func TestComputationInput(t *testing.T) {
	f := newCompFixture(t)
	ctx := context.Background()
	in, err := f.db.ComputationInput(ctx, f.withRepos)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.names(in.Installed), []string{"bash 5.2-1", "zlib 1.2-1", "local 1-1"}; !cmp.Equal(got, want) {
		t.Errorf("installed: got %v, want %v", got, want)
	}
	type repo struct {
		ID       int64
		Priority int
		Security bool
		Enabled  bool
		Packages []string
	}
	var got []repo
	for _, r := range in.Repos {
		got = append(got, repo{r.ID, r.Priority, r.Security, r.Enabled, f.names(r.Packages)})
	}
	want := []repo{
		// union of the two enabled mirrors, sorted by name; the disabled mirror's curl 8.1 is absent
		{f.main, 500, false, true, []string{"bash 5.2-1", "curl 8.0-1", "zlib 1.2-1", "zlib 1.3-1"}},
		{f.security, 500, true, true, []string{"bash 5.2-2"}},
		{f.off, 100, false, false, nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("repos (-want +got):\n%s", diff)
	}

	in, err = f.db.ComputationInput(ctx, f.noRepos)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Repos) != 0 || len(in.Installed) != 3 {
		t.Errorf("no repo set: got %d repos and %d installed, want 0 and 3", len(in.Repos), len(in.Installed))
	}
	if _, err := f.db.ComputationInput(ctx, 9999); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing computation: got %v, want ErrNotFound", err)
	}
}

func TestInputCacheReusesUnchangedRepos(t *testing.T) {
	f := newCompFixture(t)
	ctx := context.Background()
	c := f.db.NewInputCache()
	a, err := c.ComputationInput(ctx, f.withRepos)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.ComputationInput(ctx, f.withRepos)
	if err != nil {
		t.Fatal(err)
	}
	if &a.Repos[0].Packages[0] != &b.Repos[0].Packages[0] {
		t.Error("unchanged repo was loaded twice, want the cached slice")
	}
	// A refresh replaces the security mirror's packages: the cache must notice.
	if _, err := f.db.write.ExecContext(ctx, `UPDATE mirror_packages SET members = ? WHERE mirror_id = ?`,
		NewIDSet([]int64{f.pkg["bash 5.2-2"], f.pkg["curl 8.1-1"]}).Encode(), f.mirrorSec); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.write.ExecContext(ctx, `UPDATE mirrors SET checksum = 'c2' WHERE id = ?`, f.mirrorSec); err != nil {
		t.Fatal(err)
	}
	d, err := c.ComputationInput(ctx, f.withRepos)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.names(d.Repos[1].Packages), []string{"bash 5.2-2", "curl 8.1-1"}; !cmp.Equal(got, want) {
		t.Errorf("after refresh: got %v, want %v", got, want)
	}
	if &d.Repos[0].Packages[0] != &a.Repos[0].Packages[0] {
		t.Error("unchanged main repo was reloaded, want the cached slice")
	}
}

func (f *compFixture) state(t *testing.T, id int64) (dirty bool, sec, bug int, computed time.Time, rows int) {
	t.Helper()
	ctx := context.Background()
	var c sql.NullTime
	err := f.db.read.QueryRowContext(ctx, `SELECT dirty, security_count, bugfix_count, computed FROM computations WHERE id = ?`, id).
		Scan(&dirty, &sec, &bug, &c)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.read.QueryRowContext(ctx, `SELECT count(*) FROM computed_updates WHERE computation_id = ?`, id).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	return dirty, sec, bug, c.Time, rows
}

func TestSaveComputation(t *testing.T) {
	f := newCompFixture(t)
	ctx := context.Background()
	in, err := f.db.ComputationInput(ctx, f.withRepos)
	if err != nil {
		t.Fatal(err)
	}
	ups := []ComputedUpdate{
		{OldPackageID: f.pkg["bash 5.2-1"], NewPackageID: f.pkg["bash 5.2-2"], RepoID: f.security, Security: true},
		{OldPackageID: f.pkg["zlib 1.2-1"], NewPackageID: f.pkg["zlib 1.3-1"], RepoID: f.main},
	}
	if err := f.db.SaveComputation(ctx, in.Result(ups, nil)); err != nil {
		t.Fatal(err)
	}
	dirty, sec, bug, computed, rows := f.state(t, f.withRepos)
	if dirty || sec != 1 || bug != 1 || rows != 2 || computed.IsZero() {
		t.Errorf("after save: got dirty=%t security=%d bugfix=%d rows=%d computed=%v, want clean 1/1/2 and a time",
			dirty, sec, bug, rows, computed)
	}
	// Recomputing replaces the rows.
	if err := f.db.SaveComputation(ctx, in.Result(ups[:1], nil)); err != nil {
		t.Fatal(err)
	}
	if _, sec, bug, _, rows = f.state(t, f.withRepos); sec != 1 || bug != 0 || rows != 1 {
		t.Errorf("after resave: got security=%d bugfix=%d rows=%d, want 1/0/1", sec, bug, rows)
	}
	ids, err := f.db.DirtyComputations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{f.noRepos}; !cmp.Equal(ids, want) {
		t.Errorf("dirty: got %v, want %v", ids, want)
	}
	cs, err := f.db.ComputationsForHosts(ctx, []int64{f.hostID, 12345})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].ID != f.withRepos || cs[0].Dirty || cs[0].Computed.IsZero() {
		t.Errorf("ComputationsForHosts: got %+v, want computation %d clean and computed", cs, f.withRepos)
	}
}

// TestSaveComputationStale covers the races the generation and the input fingerprint guard
// against: the result of an input read before a change must not clear the dirty flag.
func TestSaveComputationStale(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, f *compFixture)
	}{
		{"marked dirty again", func(t *testing.T, f *compFixture) {
			if err := f.db.MarkAllDirty(context.Background()); err != nil {
				t.Fatal(err)
			}
		}},
		{"mirror refreshed, dirty marking skipped already-dirty rows", func(t *testing.T, f *compFixture) {
			_, err := f.db.write.Exec(`UPDATE mirrors SET checksum = 'c9' WHERE id = ?`, f.mirrorMain)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.db.write.Exec(`UPDATE computations SET dirty = 1 WHERE dirty = 0`)
			if err != nil {
				t.Fatal(err)
			}
		}},
		{"repo flagged security", func(t *testing.T, f *compFixture) {
			if _, err := f.db.write.Exec(`UPDATE repos SET security = 1 WHERE id = ?`, f.main); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCompFixture(t)
			ctx := context.Background()
			in, err := f.db.ComputationInput(ctx, f.withRepos)
			if err != nil {
				t.Fatal(err)
			}
			tt.change(t, f)
			stale, err := f.db.SaveComputations(ctx, []ComputationResult{in.Result(nil, nil)})
			if err != nil {
				t.Fatal(err)
			}
			if dirty, _, _, computed, _ := f.state(t, f.withRepos); !dirty || stale != 1 || computed.IsZero() {
				t.Errorf("got dirty=%t stale=%d computed=%v, want still dirty, stale 1, result saved", dirty, stale, computed)
			}
			// A fresh read sees the change and may clear the flag.
			in, err = f.db.ComputationInput(ctx, f.withRepos)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.db.SaveComputation(ctx, in.Result(nil, nil)); err != nil {
				t.Fatal(err)
			}
			if dirty, _, _, _, _ := f.state(t, f.withRepos); dirty {
				t.Error("after a fresh computation: got dirty, want clean")
			}
		})
	}
}

func TestSaveComputationDeletedMeanwhile(t *testing.T) {
	f := newCompFixture(t)
	ctx := context.Background()
	in, err := f.db.ComputationInput(ctx, f.noRepos)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.write.Exec(`DELETE FROM computations WHERE id = ?`, f.noRepos); err != nil {
		t.Fatal(err)
	}
	ups := []ComputedUpdate{{OldPackageID: f.pkg["bash 5.2-1"], NewPackageID: f.pkg["bash 5.2-2"]}}
	if err := f.db.SaveComputation(ctx, in.Result(ups, nil)); err != nil {
		t.Errorf("saving a deleted computation: got %v, want it silently dropped", err)
	}
}

func TestComputationInputGroupMode(t *testing.T) {
	f := newCompFixture(t)
	ctx := context.Background()
	var group, comp int64
	err := f.db.write.QueryRowContext(ctx, `INSERT INTO os_groups (name) VALUES ('Debian 12') RETURNING id`).Scan(&group)
	if err != nil {
		t.Fatal(err)
	}
	// The group holds main (already in the host's set at 500) and security; the computation
	// has no repo set of its own, so it sees exactly the group's repos at priority 0.
	for _, r := range []int64{f.main, f.security} {
		if _, err := f.db.write.ExecContext(ctx, `INSERT INTO os_group_repos (os_group_id, repo_id) VALUES (?, ?)`, group, r); err != nil {
			t.Fatal(err)
		}
	}
	err = f.db.write.QueryRowContext(ctx, `INSERT INTO computations (package_set_id, repo_set_id, mode, os_group_id)
		SELECT package_set_id, NULL, 'group', ? FROM computations WHERE id = ? RETURNING id`, group, f.noRepos).Scan(&comp)
	if err != nil {
		t.Fatal(err)
	}
	in, err := f.db.ComputationInput(ctx, comp)
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]int64
	for _, r := range in.Repos {
		got = append(got, [2]int64{r.ID, int64(r.Priority)})
	}
	if want := [][2]int64{{f.main, 0}, {f.security, 0}}; !cmp.Equal(got, want) {
		t.Errorf("group mode repos: got %v, want %v", got, want)
	}

	// With a repo set too, the host's own entries (and priorities) win over the group's.
	err = f.db.write.QueryRowContext(ctx, `INSERT INTO computations (package_set_id, repo_set_id, mode, os_group_id)
		SELECT package_set_id, repo_set_id, 'group', ? FROM computations WHERE id = ? RETURNING id`, group, f.withRepos).Scan(&comp)
	if err != nil {
		t.Fatal(err)
	}
	if in, err = f.db.ComputationInput(ctx, comp); err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, r := range in.Repos {
		got = append(got, [2]int64{r.ID, int64(r.Priority)})
	}
	if want := [][2]int64{{f.main, 500}, {f.security, 500}, {f.off, 100}}; !cmp.Equal(got, want) {
		t.Errorf("group mode with repo set: got %v, want %v", got, want)
	}
}
