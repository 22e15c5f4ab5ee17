package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// openIngestTestDB opens a fresh database with a settable clock.
func openIngestTestDB(t testing.TB) (*DB, *time.Time) {
	return openClockedDB(t, time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
}

// openClockedDB is OpenTest with a clock that starts at start and that the test moves.
func openClockedDB(t testing.TB, start time.Time, opts ...Option) (*DB, *time.Time) {
	t.Helper()
	now := start
	return OpenTest(t, append([]Option{WithClock(func() time.Time { return now })}, opts...)...), &now
}

// ingestReport is a small Debian host report.
func ingestReport(host string, pkgVersion string) HostReport {
	return HostReport{
		Hostname: host, OS: "Debian 12.11", Kernel: "6.1.0-43-amd64", Arch: "x86_64", Tags: []string{"web"},
		Packages: []PackageKey{
			{Type: "deb", Name: "bash", Arch: "amd64", Version: "5.2.15", Release: "2+b8"},
			{Type: "deb", Name: "openssl", Arch: "amd64", Version: pkgVersion, Release: "1~deb12u1"},
		},
		Repos: []ReportedRepo{
			{Type: "deb", Name: "Debian 12 main", Priority: 500, URLs: []string{"http://deb.example.org/debian/dists/bookworm/main/binary-amd64/"}},
			{Type: "deb", Name: "Debian 12 security", Priority: 500, URLs: []string{"http://deb.example.org/debian-security/dists/bookworm-security/main/binary-amd64"}},
		},
	}
}

// applyNew saves hr as a pending report and applies it.
func applyNew(t testing.TB, db *DB, hr HostReport) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := db.SaveReport(ctx, Report{Protocol: "1"}, hr)
	if err != nil {
		t.Fatal(err)
	}
	hr.Received = db.Now()
	hostID, err := db.ApplyHostReport(ctx, id, hr)
	if err != nil {
		t.Fatal(err)
	}
	return hostID
}

type ingestHostRow struct {
	packageSet, repoSet, computation int64
	kernel, domain                   string
	reboot                           bool
}

func ingestHost(t testing.TB, db *DB, id int64) ingestHostRow {
	t.Helper()
	var h ingestHostRow
	if err := db.read.QueryRow(`SELECT package_set_id, repo_set_id, computation_id, kernel, domain, reboot_required
		FROM hosts WHERE id = ?`, id).Scan(&h.packageSet, &h.repoSet, &h.computation, &h.kernel, &h.domain, &h.reboot); err != nil {
		t.Fatal(err)
	}
	return h
}

func ingestCount(t testing.TB, db *DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.read.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestApplySharesSets(t *testing.T) {
	db, _ := openIngestTestDB(t)
	a := applyNew(t, db, ingestReport("a.example.org", "3.0.16"))
	b := applyNew(t, db, ingestReport("B.example.org", "3.0.16"))
	ha, hb := ingestHost(t, db, a), ingestHost(t, db, b)
	if a == b {
		t.Fatalf("got one host id %d for two hosts", a)
	}
	if ha.packageSet != hb.packageSet || ha.repoSet != hb.repoSet || ha.computation != hb.computation {
		t.Errorf("got sets %+v and %+v, want shared package set, repo set and computation", ha, hb)
	}
	if hb.domain != "example.org" {
		t.Errorf("got domain %q, want example.org", hb.domain)
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM package_sets`:                       1,
		`SELECT count(*) FROM repo_sets`:                          1,
		`SELECT count(*) FROM computations WHERE dirty = 1`:       1,
		`SELECT count(*) FROM repos`:                              2,
		`SELECT count(*) FROM mirrors WHERE url NOT LIKE '%/'`:    2,
		`SELECT count(*) FROM packages`:                           2,
		`SELECT count(*) FROM host_tags WHERE tag = 'WEB'`:        2,
		`SELECT count(*) FROM reports WHERE status = 'processed'`: 2,
	} {
		if got := ingestCount(t, db, q); got != want {
			t.Errorf("%s: got %d, want %d", q, got, want)
		}
	}
}

func TestApplyChangesAndKeeps(t *testing.T) {
	db, now := openIngestTestDB(t)
	ctx := context.Background()
	first := ingestReport("a.example.org", "3.0.16")
	first.Modules = []ReportedModule{{Name: "nodejs", Stream: "18"}}
	first.Updates = []ClientUpdate{{Name: "openssl", Arch: "amd64", Version: "3.0.17-1", Security: true}}
	id := applyNew(t, db, first)
	h1 := ingestHost(t, db, id)

	// A hook run: no repos, modules or updates reported => the host keeps them.
	*now = now.Add(time.Minute)
	hook := ingestReport("a.example.org", "3.0.16")
	hook.Repos, hook.Kernel, hook.Reboot = nil, "6.1.0-44-amd64", true
	if got := applyNew(t, db, hook); got != id {
		t.Fatalf("got host %d, want %d", got, id)
	}
	h2 := ingestHost(t, db, id)
	if h2.repoSet != h1.repoSet || h2.packageSet != h1.packageSet || h2.kernel != "6.1.0-44-amd64" || !h2.reboot {
		t.Errorf("after hook run got %+v, want repo and package sets kept, new kernel, reboot", h2)
	}
	if n := ingestCount(t, db, `SELECT count(*) FROM host_modules`) + ingestCount(t, db, `SELECT count(*) FROM host_client_updates`); n != 2 {
		t.Errorf("got %d modules+client updates, want 2 kept", n)
	}

	// Changed packages => a new package set and a new, dirty computation; empty lists clear.
	*now = now.Add(time.Minute)
	changed := ingestReport("a.example.org", "3.0.17")
	changed.Modules, changed.Updates = []ReportedModule{}, []ClientUpdate{}
	applyNew(t, db, changed)
	h3 := ingestHost(t, db, id)
	if h3.packageSet == h1.packageSet || h3.computation == h1.computation || h3.repoSet != h1.repoSet {
		t.Errorf("after upgrade got %+v (before %+v), want new package set and computation, same repo set", h3, h1)
	}
	if n := ingestCount(t, db, `SELECT count(*) FROM computations WHERE id = ? AND dirty = 1`, h3.computation); n != 1 {
		t.Errorf("new computation not dirty")
	}
	if n := ingestCount(t, db, `SELECT count(*) FROM host_modules`) + ingestCount(t, db, `SELECT count(*) FROM host_client_updates`); n != 0 {
		t.Errorf("got %d modules+client updates, want 0 after empty lists", n)
	}

	// Back to the first package list and modules: the remembered key digest finds the first
	// set again, and with the same module streams the first computation.
	*now = now.Add(time.Minute)
	again := ingestReport("a.example.org", "3.0.16")
	again.Modules = first.Modules
	applyNew(t, db, again)
	if h4 := ingestHost(t, db, id); h4.packageSet != h1.packageSet || h4.computation != h1.computation {
		t.Errorf("after downgrade got %+v, want first package set %d and computation %d", h4, h1.packageSet, h1.computation)
	}
	if _, err := db.ApplyHostReport(ctx, 1, first); !errors.Is(err, ErrNotPending) {
		t.Errorf("re-applying a processed report: got %v, want ErrNotPending", err)
	}
}

func TestApplyOutOfOrder(t *testing.T) {
	db, now := openIngestTestDB(t)
	ctx := context.Background()
	old := ingestReport("a.example.org", "3.0.16")
	oldID, err := db.SaveReport(ctx, Report{Protocol: "1"}, old)
	if err != nil {
		t.Fatal(err)
	}
	*now = now.Add(time.Hour)
	hostID := applyNew(t, db, ingestReport("a.example.org", "3.0.17"))
	before := ingestHost(t, db, hostID)

	old.Received = now.Add(-time.Hour)
	got, err := db.ApplyHostReport(ctx, oldID, old)
	if err != nil || got != hostID {
		t.Fatalf("got host %d, %v, want %d", got, err, hostID)
	}
	if after := ingestHost(t, db, hostID); after != before {
		t.Errorf("stale report changed the host: got %+v, want %+v", after, before)
	}
	r, err := db.Report(ctx, oldID)
	if err != nil || r.Status != ReportProcessed || r.HostID != hostID {
		t.Errorf("got stale report %+v, %v, want processed for host %d", r, err, hostID)
	}
}

func TestApplyRepoResolution(t *testing.T) {
	db, now := openIngestTestDB(t)
	a := applyNew(t, db, ingestReport("a.example.org", "1"))
	secRepo := ingestCount(t, db, `SELECT repo_id FROM mirrors WHERE url LIKE '%debian-security%'`)
	if n := ingestCount(t, db, `SELECT security FROM repos WHERE id = ?`, secRepo); n != 1 {
		t.Errorf("security repo not flagged by URL")
	}
	if n := ingestCount(t, db, `SELECT count(*) FROM repos WHERE security = 1`); n != 1 {
		t.Errorf("got %d security repos, want 1", n)
	}

	// A second host lists the security repo under another name and with an extra mirror: the
	// known URL decides the repo, the new URL becomes its mirror.
	*now = now.Add(time.Minute)
	r := ingestReport("b.example.org", "1")
	r.Repos[1].Name = "renamed"
	r.Repos[1].URLs = []string{"http://other.example.org/debian-security/dists/bookworm-security/main/binary-amd64",
		"http://deb.example.org/debian-security/dists/bookworm-security/main/binary-amd64/"}
	b := applyNew(t, db, r)
	if ingestHost(t, db, a).repoSet != ingestHost(t, db, b).repoSet {
		t.Errorf("hosts with the same repos got different repo sets")
	}
	if n := ingestCount(t, db, `SELECT count(*) FROM mirrors WHERE repo_id = ?`, secRepo); n != 2 {
		t.Errorf("got %d mirrors of the security repo, want 2", n)
	}

	// A user cleared the security flag: a report must not set it again.
	if _, err := db.write.Exec(`UPDATE repos SET security = 0, security_set_by_user = 1 WHERE id = ?`, secRepo); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(time.Minute)
	applyNew(t, db, ingestReport("c.example.org", "1"))
	if n := ingestCount(t, db, `SELECT security FROM repos WHERE id = ?`, secRepo); n != 0 {
		t.Errorf("report overrode the user's security flag")
	}

	// Different priorities are a different repo set; an rpm repo without mirror hits matches by
	// type, name, arch and id.
	*now = now.Add(time.Minute)
	r = ingestReport("d.example.org", "1")
	r.Repos[0].Priority = 990
	d := applyNew(t, db, r)
	if ingestHost(t, db, d).repoSet == ingestHost(t, db, a).repoSet {
		t.Errorf("different priority gave the same repo set")
	}
	for i, u := range []string{"https://m1.example.org/rocky/9/BaseOS/x86_64/os", "https://m2.example.org/rocky/9/BaseOS/x86_64/os"} {
		*now = now.Add(time.Minute)
		r := ingestReport(fmt.Sprintf("rocky%d.example.org", i), "1")
		r.Repos = []ReportedRepo{{Type: "rpm", Name: "BaseOS x86_64", Ident: "baseos", Priority: -99, URLs: []string{u}}}
		applyNew(t, db, r)
	}
	if n := ingestCount(t, db, `SELECT count(*) FROM repos WHERE repo_ident = 'baseos'`); n != 1 {
		t.Errorf("got %d BaseOS repos, want 1 with two mirrors", n)
	}
}

func TestApplyEmptyReport(t *testing.T) {
	db, _ := openIngestTestDB(t)
	hr := HostReport{Hostname: "bare.example.org", OS: "Arch Linux", Kernel: "6.9", Arch: "x86_64"}
	id := applyNew(t, db, hr)
	h := ingestHost(t, db, id)
	if h.packageSet == 0 || h.repoSet == 0 || h.computation == 0 {
		t.Errorf("got %+v, want empty package and repo sets and a computation", h)
	}
	if _, err := db.ApplyHostReport(context.Background(), 0, HostReport{}); err == nil {
		t.Errorf("got no error for a report without hostname")
	}
}
