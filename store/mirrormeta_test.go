package store

import (
	"context"
	"testing"
	"time"
)

func TestSaveMirrorErrataAndModules(t *testing.T) {
	db := openMirrorTestDB(t)
	ctx := context.Background()
	url := "http://mirror.example.org/rocky/9/BaseOS/x86_64/os"
	if _, err := db.ApplyHostReport(ctx, 0, HostReport{Hostname: "h1", OS: "Rocky Linux 9.3", Arch: "x86_64",
		Packages: []PackageKey{}, Repos: []ReportedRepo{{Type: "rpm", Name: "baseos", URLs: []string{url, url + "2"}}}}); err != nil {
		t.Fatal(err)
	}
	var m1, m2 int64
	if err := db.write.QueryRow(`SELECT min(id), max(id) FROM mirrors`).Scan(&m1, &m2); err != nil {
		t.Fatal(err)
	}
	dirty := func() int {
		var n int
		if err := db.write.QueryRow(`SELECT count(*) FROM computations WHERE dirty = 1`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	mustExec(t, db, `UPDATE computations SET dirty = 0`)
	x86 := PackageKey{Type: "rpm", Name: "bash", Arch: "x86_64", Version: "5.1", Release: "2.el9"}
	arm := PackageKey{Type: "rpm", Name: "bash", Arch: "aarch64", Version: "5.1", Release: "2.el9"}
	e := RepoErratum{Name: "RLSA-2024:1", Type: "security", Severity: "Important", Title: "bash update",
		Issued: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), Refs: []ErratumReference{{Type: "cve", ID: "CVE-2024-1"}},
		Packages: []PackageKey{x86}}
	if err := db.SaveMirrorErrata(ctx, m1, []RepoErratum{e}, "sha256:a"); err != nil {
		t.Fatal(err)
	}
	if got := dirty(); got != 1 {
		t.Errorf("after errata: got %d dirty computations, want 1", got)
	}
	// The same advisory from another mirror for another architecture adds its packages.
	e.Packages = []PackageKey{arm}
	if err := db.SaveMirrorErrata(ctx, m2, []RepoErratum{e}, "sha256:b"); err != nil {
		t.Fatal(err)
	}
	var errata, pkgs, links, refs int
	if err := db.write.QueryRow(`SELECT (SELECT count(*) FROM errata), (SELECT count(*) FROM erratum_packages),
		(SELECT count(*) FROM mirror_errata), (SELECT count(*) FROM erratum_refs)`).Scan(&errata, &pkgs, &links, &refs); err != nil {
		t.Fatal(err)
	}
	if errata != 1 || pkgs != 2 || links != 2 || refs != 1 {
		t.Errorf("got %d errata %d packages %d links %d refs, want 1 2 2 1", errata, pkgs, links, refs)
	}
	// An updateinfo without the advisory unlinks it from that mirror only.
	if err := db.SaveMirrorErrata(ctx, m1, nil, "sha256:c"); err != nil {
		t.Fatal(err)
	}
	var sum string
	if err := db.write.QueryRow(`SELECT (SELECT count(*) FROM mirror_errata), errata_checksum FROM mirrors WHERE id = ?`, m1).Scan(&links, &sum); err != nil {
		t.Fatal(err)
	}
	if links != 1 || sum != "sha256:c" {
		t.Errorf("got %d links, checksum %q, want 1 and sha256:c", links, sum)
	}
	mustExec(t, db, `UPDATE computations SET dirty = 0`)
	mods := []ModuleStream{{Name: "nodejs", Stream: "18", Version: "1", Context: "c", Arch: "x86_64", Packages: []PackageKey{x86}}}
	if err := db.SaveMirrorModules(ctx, m1, mods, "sha256:m"); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveMirrorModules(ctx, m1, mods, "sha256:m"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.write.QueryRow(`SELECT count(*), (SELECT modules_checksum FROM mirrors WHERE id = ?) FROM mirror_modules WHERE mirror_id = ?`, m1, m1).Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	if n != 1 || sum != "sha256:m" || dirty() != 1 {
		t.Errorf("got %d module rows, checksum %q, %d dirty, want 1, sha256:m, 1", n, sum, dirty())
	}
	if err := db.SaveMirrorErrata(ctx, 999, nil, ""); err == nil {
		t.Error("got no error for an unknown mirror")
	}
}
