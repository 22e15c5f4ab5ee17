package store

import (
	"context"
	"slices"
	"testing"
)

// TestErrataAndModulesInput: a mirror's errata and module streams reach the computation input,
// a change to them changes the input's RepoState (so cached answers are not reused), and the
// errata saved with an update come back with their CVEs through UpdateErrata.
func TestErrataAndModulesInput(t *testing.T) {
	db, _ := openIngestTestDB(t)
	ctx := context.Background()
	host := applyNew(t, db, ingestReport("e.example.org", "3.0.16"))
	comp := ingestHost(t, db, host).computation
	var mirror, oldID, fixID int64
	if err := db.read.QueryRowContext(ctx, `SELECT id FROM mirrors WHERE url LIKE '%security%'`).Scan(&mirror); err != nil {
		t.Fatal(err)
	}
	fix := PackageKey{Type: "deb", Name: "openssl", Arch: "amd64", Version: "3.0.17", Release: "1~deb12u1"}
	if _, err := db.SaveMirrorPackages(ctx, mirror, []PackageKey{fix}, nil, MirrorMeta{Checksum: "a"}); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.write.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.read.QueryRowContext(ctx, `SELECT id FROM packages WHERE name = 'openssl' AND version = '3.0.17'`).Scan(&fixID); err != nil {
		t.Fatal(err)
	}
	if err := db.read.QueryRowContext(ctx, `SELECT id FROM packages WHERE name = 'openssl' AND version = '3.0.16'`).Scan(&oldID); err != nil {
		t.Fatal(err)
	}
	before, err := db.ComputationInput(ctx, comp)
	if err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO errata (id, name, type, severity, title) VALUES (7, 'DSA-1-1', 'security', 'high', 'openssl fix')`)
	exec(`INSERT INTO erratum_refs (erratum_id, type, ref_id) VALUES (7, 'cve', 'CVE-2024-2'), (7, 'cve', 'CVE-2024-1'), (7, 'self', 'x')`)
	exec(`INSERT INTO erratum_packages (erratum_id, package_id) VALUES (7, ?)`, fixID)
	exec(`INSERT INTO mirror_errata (mirror_id, erratum_id) VALUES (?, 7)`, mirror)
	exec(`INSERT INTO mirror_modules (mirror_id, name, stream, members) VALUES (?, 'openssl', '3', ?)`, mirror, NewIDSet([]int64{fixID}).Encode())
	in, err := db.ComputationInput(ctx, comp)
	if err != nil {
		t.Fatal(err)
	}
	if in.RepoState() == before.RepoState() {
		t.Error("errata and modules added, RepoState unchanged")
	}
	var sec *RepoInput
	for i := range in.Repos {
		if in.Repos[i].Security {
			sec = &in.Repos[i]
		}
	}
	if sec == nil {
		t.Fatal("no security repo in input")
	}
	if got := sec.Errata["openssl"]; len(got) != 1 || got[0].ErratumID != 7 || !got[0].Security || got[0].Package != fix {
		t.Errorf("got errata %+v, want DSA-1-1 fixing %v", got, fix)
	}
	if got := sec.Modular[fixID]; !slices.Equal(got, []string{"openssl:3"}) {
		t.Errorf("got streams %v of the fixed package, want [openssl:3]", got)
	}
	if err := db.SaveComputation(ctx, in.Result([]ComputedUpdate{{OldPackageID: oldID, NewPackageID: fixID,
		RepoID: sec.ID, Security: true, Errata: []int64{7}}}, nil)); err != nil {
		t.Fatal(err)
	}
	got, err := db.UpdateErrata(ctx, host)
	if err != nil {
		t.Fatal(err)
	}
	want := []ErratumRef{{ID: 7, Name: "DSA-1-1", Type: "security", Severity: "high", Title: "openssl fix",
		CVEs: []string{"CVE-2024-1", "CVE-2024-2"}}}
	if e := got[UpdateKey{"openssl", "amd64"}]; len(got) != 1 || !slices.EqualFunc(e, want, func(a, b ErratumRef) bool {
		return a.ID == b.ID && a.Name == b.Name && a.Type == b.Type && a.Severity == b.Severity && a.Title == b.Title &&
			slices.Equal(a.CVEs, b.CVEs)
	}) {
		t.Errorf("got %+v, want openssl/amd64 -> %+v", got, want)
	}
	// Saving the same updates without the erratum rewrites the errata rows.
	if err := db.SaveComputation(ctx, in.Result([]ComputedUpdate{{OldPackageID: oldID, NewPackageID: fixID,
		RepoID: sec.ID, Security: true}}, nil)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM computed_update_errata`).Scan(&n); err != nil || n != 0 {
		t.Errorf("got %d errata rows (%v), want 0", n, err)
	}
	// Changing an erratum's type changes the state too.
	exec(`UPDATE errata SET type = 'bugfix' WHERE id = 7`)
	again, err := db.ComputationInput(ctx, comp)
	if err != nil {
		t.Fatal(err)
	}
	if again.RepoState() == in.RepoState() {
		t.Error("erratum type changed, RepoState unchanged")
	}
}
