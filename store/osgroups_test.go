package store

import (
	"context"
	"testing"
	"time"
)

// TestParseOS is Patchman's OS-string table (reports/tests/test_utils.py GetOSTests, spec
// section 11) plus Debian/Ubuntu/Arch/Gentoo strings as clients send them.
func TestParseOS(t *testing.T) {
	tests := []struct {
		in                            string
		variant, group, codename, cpe string
	}{
		{in: "Rocky Linux 10.1", variant: "Rocky Linux 10.1", group: "Rocky Linux 10"},
		{in: "AlmaLinux 9.3", variant: "Alma Linux 9.3", group: "Alma Linux 9"},
		{in: "CentOS 7.9", variant: "CentOS 7.9", group: "CentOS 7"},
		{in: "CentOS release 7.9", variant: "CentOS 7.9", group: "CentOS 7"},
		{in: "Red Hat Enterprise Linux 8.2", variant: "Red Hat Enterprise Linux 8.2", group: "Red Hat Enterprise Linux 8"},
		{in: "Red Hat Enterprise Linux release 8.2", variant: "Red Hat Enterprise Linux 8.2", group: "Red Hat Enterprise Linux 8"},
		{in: "Oracle Linux Server 8.1", variant: "Oracle Linux 8.1", group: "Oracle Linux 8"},
		{in: "Fedora 39", variant: "Fedora 39", group: "Fedora 39"},
		{in: "Fedora release 39", variant: "Fedora 39", group: "Fedora 39"},
		{in: "Ubuntu 22.04.3 LTS", variant: "Ubuntu 22.04.3 LTS", group: "Ubuntu 22.04 LTS"},
		{in: "Debian 12.0", variant: "Debian 12.0", group: "Debian 12"},
		{in: "Rocky Linux 10.1 [cpe:/o:rocky:rocky:10]", variant: "Rocky Linux 10.1", group: "Rocky Linux 10", cpe: "cpe:/o:rocky:rocky:10"},
		{in: "Rocky Linux 10.1 (Red Quartz)", variant: "Rocky Linux 10.1", group: "Rocky Linux 10", codename: "Red Quartz"},
		{in: "Rocky Linux 10.1 (Red Quartz) [cpe:/o:rocky:rocky:10]", variant: "Rocky Linux 10.1", group: "Rocky Linux 10",
			codename: "Red Quartz", cpe: "cpe:/o:rocky:rocky:10"},
		{in: "Amazon Linux AMI 2018.03", variant: "Amazon Linux 1", group: "Amazon Linux 1"},
		{in: "CentOS Stream 10", variant: "CentOS Stream 10", group: "CentOS Stream 10"},
		{in: "Rocky Linux 10", variant: "Rocky Linux 10", group: "Rocky Linux 10"},
		// As clients send them.
		{in: "Debian GNU/Linux 12 (bookworm)", variant: "Debian GNU/Linux 12", group: "Debian 12", codename: "bookworm"},
		{in: "Debian 12.11", variant: "Debian 12.11", group: "Debian 12"},
		{in: "Debian trixie/sid", variant: "Debian trixie/sid", group: "Debian trixie/sid"},
		{in: "Ubuntu 24.04.1 LTS", variant: "Ubuntu 24.04.1 LTS", group: "Ubuntu 24.04 LTS"},
		{in: "Ubuntu 24.10", variant: "Ubuntu 24.10", group: "Ubuntu 24.10"},
		{in: "Arch Linux", variant: "Arch Linux", group: "Arch Linux"},
		{in: "Gentoo Linux 2.17", variant: "Gentoo Linux 2.17", group: "Gentoo Linux"},
		{in: "Rocky Linux 9.3 (Blue Onyx)", variant: "Rocky Linux 9.3", group: "Rocky Linux 9", codename: "Blue Onyx"},
		{in: "Something Else 1.2", variant: "Something Else 1.2", group: "Something Else 1.2"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := ParseOS(tt.in)
			want := OSName{Variant: tt.variant, Group: tt.group, Codename: tt.codename, CPE: tt.cpe}
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

// TestOSGroupMode checks that a report assigns the OS variant to its OS group, and that a host
// switched off host_repos_only moves to a group-mode computation that sees the group's repos.
func TestOSGroupMode(t *testing.T) {
	db, now := openIngestTestDB(t)
	ctx := context.Background()
	a := applyNew(t, db, ingestReport("a.example.org", "3.0.16"))
	*now = now.Add(time.Minute)
	hr := ingestReport("b.example.org", "3.0.16")
	hr.OS = "Debian 12.12"
	b := applyNew(t, db, hr)
	if n := ingestCount(t, db, `SELECT count(DISTINCT v.os_group_id) FROM hosts h JOIN os_variants v ON v.id = h.os_variant_id
		JOIN os_groups g ON g.id = v.os_group_id AND g.name = 'Debian 12'`); n != 1 {
		t.Fatalf("got %d OS groups named Debian 12 for the two variants, want 1", n)
	}
	ha, hb := ingestHost(t, db, a), ingestHost(t, db, b)
	if ha.computation != hb.computation {
		t.Fatalf("identical hosts got computations %d and %d, want one", ha.computation, hb.computation)
	}
	if err := db.SetHostReposOnly(ctx, b, false); err != nil {
		t.Fatal(err)
	}
	hb = ingestHost(t, db, b)
	if hb.computation == ha.computation {
		t.Fatal("host in group mode still shares the host-mode computation")
	}
	var mode string
	if err := db.read.QueryRowContext(ctx, `SELECT mode FROM computations WHERE id = ?`, hb.computation).Scan(&mode); err != nil || mode != "group" {
		t.Fatalf("got mode %q (%v), want group", mode, err)
	}
	// A later report keeps the host in group mode.
	*now = now.Add(time.Minute)
	applyNew(t, db, hr)
	if got := ingestHost(t, db, b).computation; got != hb.computation {
		t.Errorf("after a report got computation %d, want group-mode %d", got, hb.computation)
	}
	// Group repos reach the group-mode input; setting them marks it dirty.
	var groupID, repoID int64
	if err := db.read.QueryRowContext(ctx, `SELECT id FROM os_groups WHERE name = 'Debian 12'`).Scan(&groupID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO repos (name, type, created) VALUES ('extra', 'deb', ?)`, db.Now()); err != nil {
		t.Fatal(err)
	}
	if err := db.read.QueryRowContext(ctx, `SELECT id FROM repos WHERE name = 'extra'`).Scan(&repoID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, `UPDATE computations SET dirty = 0`); err != nil {
		t.Fatal(err)
	}
	if err := db.SetOSGroupRepos(ctx, groupID, []int64{repoID}); err != nil {
		t.Fatal(err)
	}
	if n := ingestCount(t, db, `SELECT count(*) FROM computations WHERE dirty = 1`); n != 1 {
		t.Errorf("got %d dirty computations after setting group repos, want 1 (the group-mode one)", n)
	}
	in, err := db.ComputationInput(ctx, hb.computation)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range in.Repos {
		found = found || r.ID == repoID
	}
	if !found || len(in.Repos) != 3 {
		t.Errorf("got %d repos (group repo found: %t), want the host's 2 and the group's", len(in.Repos), found)
	}
}
