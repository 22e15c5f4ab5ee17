package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

func openMirrorTestDB(t *testing.T) *DB {
	db, _ := openClockedDB(t, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	return db
}

func mustExec(t *testing.T, db *DB, q string, args ...any) int64 {
	t.Helper()
	res, err := db.write.Exec(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	id, _ := res.LastInsertId()
	return id
}

func addRepoMirror(t *testing.T, db *DB, name, url string, repoEnabled, mirrorEnabled bool) (repoID, mirrorID int64) {
	t.Helper()
	repoID = mustExec(t, db, `INSERT INTO repos (name, type, arch, enabled, created) VALUES (?, 'deb', 'amd64', ?, ?)`,
		name, boolInt(repoEnabled), db.Now())
	mirrorID = mustExec(t, db, `INSERT INTO mirrors (repo_id, url, enabled) VALUES (?, ?, ?)`, repoID, url, boolInt(mirrorEnabled))
	return repoID, mirrorID
}

func TestMirrorsToRefresh(t *testing.T) {
	db := openMirrorTestDB(t)
	r1, m1 := addRepoMirror(t, db, "a", "http://x/a", true, true)
	addRepoMirror(t, db, "b", "http://x/b", false, true)
	addRepoMirror(t, db, "c", "http://x/c", true, false)
	r4, m4 := addRepoMirror(t, db, "d", "http://x/d", true, true)
	mustExec(t, db, `UPDATE mirrors SET etag = 'e', last_modified = 'lm', checksum = 'sha256:00' WHERE id = ?`, m4)
	tests := []struct {
		repo int64
		want []int64
	}{{0, []int64{m1, m4}}, {r1, []int64{m1}}, {r4, []int64{m4}}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.repo), func(t *testing.T) {
			got, err := db.MirrorsToRefresh(context.Background(), tt.repo)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d mirrors, want %d", len(got), len(tt.want))
			}
			for i, m := range got {
				if m.ID != tt.want[i] {
					t.Errorf("mirror %d: got id %d, want %d", i, m.ID, tt.want[i])
				}
				if m.RepoType != "deb" || m.RepoArch != "amd64" {
					t.Errorf("got repo type/arch %q/%q, want deb/amd64", m.RepoType, m.RepoArch)
				}
				if m.ID == m4 && (m.ETag != "e" || m.LastModified != "lm" || m.Checksum != "sha256:00") {
					t.Errorf("got etag/lm/checksum %q/%q/%q, want e/lm/sha256:00", m.ETag, m.LastModified, m.Checksum)
				}
			}
		})
	}
}

func testKeys(n int, version string) []PackageKey {
	keys := make([]PackageKey, n)
	for i := range keys {
		keys[i] = PackageKey{Type: "deb", Name: fmt.Sprintf("pkg%d", i), Arch: "amd64", Version: version, Release: "1"}
	}
	return keys
}

func TestPackageIDs(t *testing.T) {
	defer func(old int) { pkgBatch = old }(pkgBatch)
	pkgBatch = 50
	db := openMirrorTestDB(t)
	ctx := context.Background()
	// More than two batches, with duplicates inside one call and rows that already exist.
	keys := testKeys(2*pkgBatch+7, "1.0")
	keys = append(keys, keys[3], keys[pkgBatch+1])
	var first, second []int64
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		if first, err = db.packageIDs(ctx, tx, keys[:pkgBatch]); err != nil {
			return err
		}
		second, err = db.packageIDs(ctx, tx, keys)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range first {
		if first[i] != second[i] {
			t.Fatalf("key %d: got id %d the second time, want %d", i, second[i], first[i])
		}
	}
	if got, want := second[len(keys)-2], second[3]; got != want {
		t.Errorf("duplicate key: got id %d, want %d", got, want)
	}
	if got, want := second[len(keys)-1], second[pkgBatch+1]; got != want {
		t.Errorf("duplicate key: got id %d, want %d", got, want)
	}
	byID, err := db.PackagesByID(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(byID), 2*pkgBatch+7; got != want {
		t.Fatalf("got %d distinct packages, want %d", got, want)
	}
	for i, id := range second {
		if byID[id] != keys[i] {
			t.Fatalf("key %d: got %+v, want %+v", i, byID[id], keys[i])
		}
	}

	// Hints: known ids from the reader pool, zeros for new keys and for keys that exist but
	// were not known (as when another writer inserted them after the hints were read).
	more := append(slices.Clone(keys), testKeys(5, "2.0")...)
	known, err := db.KnownPackageIDs(ctx, more)
	if err != nil {
		t.Fatal(err)
	}
	for i := range more {
		if want := int64(0); i < len(keys) {
			want = second[i]
			if known[i] != want {
				t.Fatalf("known id %d: got %d, want %d", i, known[i], want)
			}
		} else if known[i] != 0 {
			t.Fatalf("known id %d: got %d, want 0 for a new key", i, known[i])
		}
	}
	known[0], known[pkgBatch+3] = 0, 0
	var third []int64
	err = db.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		third, err = resolvePackageIDs(ctx, tx, more, known)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(third[:len(keys)], second) {
		t.Errorf("with hints: got ids %v..., want %v...", third[:3], second[:3])
	}
	got, err := db.PackagesByID(ctx, third[len(keys):])
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range more[len(keys):] {
		if got[third[len(keys)+i]] != k {
			t.Errorf("new key %d: got %+v, want %+v", i, got[third[len(keys)+i]], k)
		}
	}
}

// dirtyFixture builds: repo A in repo sets S1 and S2, repo B only in S3; an OS group G with
// repo A. Computations: c1 (S1), c2 (S2), c3 (S3), c4 (S3, mode group, G), c5 (S3, mode host,
// G: host mode ignores the group's repos).
type dirtyFixture struct {
	repoA, repoB, mirrorA, mirrorB int64
	comps                          map[string]int64
}

func newDirtyFixture(t *testing.T, db *DB) dirtyFixture {
	t.Helper()
	var f dirtyFixture
	f.repoA, f.mirrorA = addRepoMirror(t, db, "A", "http://x/a", true, true)
	f.repoB, f.mirrorB = addRepoMirror(t, db, "B", "http://x/b", true, true)
	ps := mustExec(t, db, `INSERT INTO package_sets (digest, count, members) VALUES (x'01', 0, x'')`)
	s := map[string]int64{}
	for i, name := range []string{"S1", "S2", "S3"} {
		s[name] = mustExec(t, db, `INSERT INTO repo_sets (digest) VALUES (?)`, []byte{byte(i)})
	}
	mustExec(t, db, `INSERT INTO repo_set_members (set_id, repo_id) VALUES (?, ?), (?, ?), (?, ?)`,
		s["S1"], f.repoA, s["S2"], f.repoA, s["S3"], f.repoB)
	g := mustExec(t, db, `INSERT INTO os_groups (name) VALUES ('G')`)
	mustExec(t, db, `INSERT INTO os_group_repos (os_group_id, repo_id) VALUES (?, ?)`, g, f.repoA)
	f.comps = map[string]int64{
		"c1": mustExec(t, db, `INSERT INTO computations (package_set_id, repo_set_id, mode, dirty) VALUES (?, ?, 'host', 0)`, ps, s["S1"]),
		"c2": mustExec(t, db, `INSERT INTO computations (package_set_id, repo_set_id, mode, dirty) VALUES (?, ?, 'host', 0)`, ps, s["S2"]),
		"c3": mustExec(t, db, `INSERT INTO computations (package_set_id, repo_set_id, mode, dirty) VALUES (?, ?, 'host', 0)`, ps, s["S3"]),
		"c4": mustExec(t, db, `INSERT INTO computations (package_set_id, repo_set_id, mode, os_group_id, dirty) VALUES (?, ?, 'group', ?, 0)`, ps, s["S3"], g),
		"c5": mustExec(t, db, `INSERT INTO computations (package_set_id, repo_set_id, mode, os_group_id, dirty) VALUES (?, ?, 'host', ?, 0)`, ps, s["S3"], g),
	}
	return f
}

func dirtyComputations(t *testing.T, db *DB, f dirtyFixture) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for name, id := range f.comps {
		var d int
		if err := db.read.QueryRow(`SELECT dirty FROM computations WHERE id = ?`, id).Scan(&d); err != nil {
			t.Fatal(err)
		}
		out[name] = d == 1
	}
	return out
}

func TestSaveMirrorPackagesMarksDirty(t *testing.T) {
	db := openMirrorTestDB(t)
	ctx := context.Background()
	f := newDirtyFixture(t, db)
	meta := MirrorMeta{Checksum: "sha256:aa", ETag: `"e1"`, LastModified: "Mon, 01 Jan 2024 00:00:00 GMT",
		Freshness: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	steps := []struct {
		name        string
		mirror      int64
		keys        []PackageKey
		wantChanged bool
		wantDirty   map[string]bool
	}{
		{"first A", f.mirrorA, testKeys(3, "1.0"), true,
			map[string]bool{"c1": true, "c2": true, "c3": false, "c4": true, "c5": false}},
		{"same A again", f.mirrorA, testKeys(3, "1.0"), false,
			map[string]bool{"c1": false, "c2": false, "c3": false, "c4": false, "c5": false}},
		{"same A reordered", f.mirrorA, []PackageKey{testKeys(3, "1.0")[2], testKeys(3, "1.0")[0], testKeys(3, "1.0")[1]}, false,
			map[string]bool{"c1": false, "c2": false, "c3": false, "c4": false, "c5": false}},
		{"A changed", f.mirrorA, testKeys(3, "1.1"), true,
			map[string]bool{"c1": true, "c2": true, "c3": false, "c4": true, "c5": false}},
		{"first B", f.mirrorB, testKeys(2, "1.0"), true,
			map[string]bool{"c1": false, "c2": false, "c3": true, "c4": true, "c5": true}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			mustExec(t, db, `UPDATE computations SET dirty = 0`)
			mustExec(t, db, `UPDATE mirrors SET fail_count = 3, last_error = 'boom'`)
			changed, err := db.SaveMirrorPackages(ctx, st.mirror, st.keys, nil, meta)
			if err != nil {
				t.Fatal(err)
			}
			if changed != st.wantChanged {
				t.Errorf("got changed %v, want %v", changed, st.wantChanged)
			}
			if got := dirtyComputations(t, db, f); fmt.Sprint(got) != fmt.Sprint(st.wantDirty) {
				t.Errorf("got dirty %v, want %v", got, st.wantDirty)
			}
			var count, fails int
			var checksum, etag, lm, lastErr string
			var fresh, success time.Time
			err = db.read.QueryRow(`SELECT package_count, fail_count, checksum, etag, last_modified, last_error, freshness, last_success
				FROM mirrors WHERE id = ?`, st.mirror).Scan(&count, &fails, &checksum, &etag, &lm, &lastErr, &fresh, &success)
			if err != nil {
				t.Fatal(err)
			}
			if count != len(st.keys) || fails != 0 || lastErr != "" || checksum != meta.Checksum || etag != meta.ETag ||
				lm != meta.LastModified || !fresh.Equal(meta.Freshness) || !success.Equal(db.Now()) {
				t.Errorf("got mirror row count=%d fails=%d err=%q checksum=%q etag=%q lm=%q fresh=%v success=%v, want %d 0 '' %q %q %q %v %v",
					count, fails, lastErr, checksum, etag, lm, fresh, success, len(st.keys), meta.Checksum, meta.ETag, meta.LastModified, meta.Freshness, db.Now())
			}
			var blob []byte
			if err := db.read.QueryRow(`SELECT members FROM mirror_packages WHERE mirror_id = ?`, st.mirror).Scan(&blob); err != nil {
				t.Fatal(err)
			}
			set, err := DecodeIDSet(blob)
			if err != nil {
				t.Fatal(err)
			}
			pk, err := db.PackagesByID(ctx, set)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range st.keys {
				found := false
				for _, p := range pk {
					found = found || p == k
				}
				if !found || len(pk) != len(st.keys) {
					t.Errorf("got stored packages %v, want %v", pk, st.keys)
					break
				}
			}
		})
	}
	if _, err := db.SaveMirrorPackages(ctx, 9999, nil, nil, meta); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown mirror: got %v, want ErrNotFound", err)
	}
}

func TestMirrorFailedAndUnchanged(t *testing.T) {
	db := openMirrorTestDB(t)
	ctx := context.Background()
	tests := []struct {
		name         string
		max          int
		failures     int
		wantDisabled bool
	}{
		{"below max", 3, 2, false},
		{"reaches max", 3, 3, true},
		{"never", -1, 5, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, id := addRepoMirror(t, db, tt.name, fmt.Sprintf("http://x/%d", i), true, true)
			var disabled bool
			for range tt.failures {
				d, err := db.MirrorFailed(ctx, id, "fetch: 404 Not Found", tt.max)
				if err != nil {
					t.Fatal(err)
				}
				disabled = disabled || d
			}
			var enabled, fails int
			var lastErr string
			if err := db.read.QueryRow(`SELECT enabled, fail_count, last_error FROM mirrors WHERE id = ?`, id).Scan(&enabled, &fails, &lastErr); err != nil {
				t.Fatal(err)
			}
			if disabled != tt.wantDisabled || (enabled == 0) != tt.wantDisabled {
				t.Errorf("got disabled %v (enabled=%d), want %v", disabled, enabled, tt.wantDisabled)
			}
			if fails != tt.failures || lastErr != "fetch: 404 Not Found" {
				t.Errorf("got fail_count %d last_error %q, want %d and the reason", fails, lastErr, tt.failures)
			}
			if err := db.MirrorUnchanged(ctx, id, MirrorMeta{ETag: `"new"`}); err != nil {
				t.Fatal(err)
			}
			var etag string
			if err := db.read.QueryRow(`SELECT fail_count, last_error, etag FROM mirrors WHERE id = ?`, id).Scan(&fails, &lastErr, &etag); err != nil {
				t.Fatal(err)
			}
			if fails != 0 || lastErr != "" || etag != `"new"` {
				t.Errorf("after success: got fail_count %d last_error %q etag %q, want 0, '' and \"new\"", fails, lastErr, etag)
			}
		})
	}
	if _, err := db.MirrorFailed(ctx, 9999, "x", 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown mirror: got %v, want ErrNotFound", err)
	}
	if err := db.MirrorUnchanged(ctx, 9999, MirrorMeta{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown mirror: got %v, want ErrNotFound", err)
	}
}

// TestPackageIDsOddStrings round-trips keys whose fields need JSON escaping, since keys travel
// to SQLite as a JSON array.
func TestPackageIDsOddStrings(t *testing.T) {
	db := openMirrorTestDB(t)
	ctx := context.Background()
	odd := []string{`quo"te`, `back\slash`, "tab\tnew\nline", "ünïcødé", "nul\x00byte", "", "ctl\x1f", "del\x7f", "<&>"}
	var keys []PackageKey
	for i, s := range odd {
		keys = append(keys, PackageKey{Type: "deb", Name: fmt.Sprintf("p%d%s", i, s), Arch: s, Epoch: s, Version: "1" + s, Release: s})
	}
	var ids []int64
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		ids, err = db.packageIDs(ctx, tx, keys)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.PackagesByID(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		if got[ids[i]] != k {
			t.Errorf("key %d: got %+q, want %+q", i, got[ids[i]], k)
		}
	}
	known, err := db.KnownPackageIDs(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(known, ids) {
		t.Errorf("known ids: got %v, want %v", known, ids)
	}
}
