package store

import (
	"context"
	"slices"
	"testing"
)

// TestFleetView checks the fleet-wide answers on the computation fixture: two hosts share a
// computation (bash security update, zlib bugfix update, one local package), one of them holds
// zlib; then a result changes and a second Load sees it.
func TestFleetView(t *testing.T) {
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
	if err := f.db.SaveComputation(ctx, in.Result(ups, []int64{f.pkg["local 1-1"]})); err != nil {
		t.Fatal(err)
	}
	var h2 int64
	if err := f.db.write.QueryRowContext(ctx, `INSERT INTO hosts (hostname, created, package_set_id, repo_set_id, computation_id)
		SELECT 'h2', created, package_set_id, repo_set_id, computation_id FROM hosts WHERE id = ? RETURNING id`, f.hostID).Scan(&h2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.write.ExecContext(ctx, `INSERT INTO host_holds (host_id, name) VALUES (?, 'zlib')`, h2); err != nil {
		t.Fatal(err)
	}
	x := f.db.NewFleetIndex()
	v, err := x.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := v.Updates(UpdateFilter{})
	if len(got) != 2 || got[0].Name != "bash" || got[0].HostCount != 2 || !got[0].Security || got[0].Repo != "security" ||
		got[0].Installed != "5.2-1" || got[0].Available != "5.2-2" || got[1].Name != "zlib" || got[1].HostCount != 1 {
		t.Fatalf("updates: got %+v, want bash on 2 hosts (security) then zlib on 1 (h2 holds it)", got)
	}
	yes := true
	if sec := v.Updates(UpdateFilter{Security: &yes}); len(sec) != 1 || sec[0].Name != "bash" {
		t.Errorf("security updates: got %+v", sec)
	}
	if only := v.Updates(UpdateFilter{Package: "zlib", Hosts: v.HostSetOf([]int64{h2})}); len(only) != 0 {
		t.Errorf("zlib on h2 (held): got %+v, want none", only)
	}
	if ids := v.PendingHostIDs("zlib", false); !slices.Equal(ids, []int64{f.hostID}) {
		t.Errorf("pending zlib: got %v, want h1 only", ids)
	}
	if ids := v.PendingHostIDs("zlib", true); len(ids) != 0 {
		t.Errorf("pending security zlib: got %v, want none", ids)
	}
	if ids := v.InstalledHostIDs([]int64{f.pkg["local 1-1"], f.pkg["curl 8.0-1"]}); !slices.Equal(ids, []int64{f.hostID, h2}) {
		t.Errorf("installed local: got %v", ids)
	}
	if loc := v.Local(nil); len(loc) != 1 || loc[0].Key.Name != "local" || loc[0].Count != 2 || len(loc[0].HostNames(-1)) != 2 {
		t.Errorf("local packages: got %+v", loc)
	}
	if !v.IsLocal(h2, f.pkg["local 1-1"]) || v.IsLocal(h2, f.pkg["bash 5.2-1"]) {
		t.Error("IsLocal: want local 1-1 local and bash not")
	}
	total, missing := v.HostRepos(f.hostID)
	if total != 2 || len(missing) != 2 {
		t.Errorf("repos of h1: %d, missing %+v; want 2 of 2 without metadata (the disabled one not counted)", total, missing)
	}
	if ids := v.RepoHostIDs(f.security); !slices.Equal(ids, []int64{f.hostID, h2}) {
		t.Errorf("hosts of the security repo: %v", ids)
	}

	// A refresh succeeds and the computation changes: the next Load sees both.
	if _, err := f.db.write.ExecContext(ctx, `UPDATE mirrors SET last_success = '2026-01-02 03:04:05' WHERE id = ?`, f.mirrorMain); err != nil {
		t.Fatal(err)
	}
	if err := f.db.SaveComputation(ctx, in.Result(ups[:1], nil)); err != nil {
		t.Fatal(err)
	}
	v, err = x.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Updates(UpdateFilter{}); len(got) != 1 || got[0].Name != "bash" {
		t.Errorf("after the recompute: got %+v, want bash only", got)
	}
	if loc := v.Local(nil); len(loc) != 0 {
		t.Errorf("after the recompute: local %+v, want none", loc)
	}
	if _, missing := v.HostRepos(f.hostID); len(missing) != 1 || missing[0].Name != "security" {
		t.Errorf("after main refreshed: missing %+v, want security only", missing)
	}
	if ids := v.UnreliableHostIDs(); len(ids) != 2 {
		t.Errorf("unreliable: %v, want both hosts", ids)
	}
}
