package store

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"
)

// TestModuleStreamsKeyComputations: hosts with the same packages and repos but different
// enabled module streams must not share a computation; equal streams in another order must.
func TestModuleStreamsKeyComputations(t *testing.T) {
	db, now := openIngestTestDB(t)
	mods := func(ms ...string) []ReportedModule {
		var out []ReportedModule
		for i := 0; i < len(ms); i += 2 {
			out = append(out, ReportedModule{Name: ms[i], Stream: ms[i+1]})
		}
		return out
	}
	tests := []struct {
		host string
		mods []ReportedModule
	}{
		{"a.example.org", mods("nodejs", "18", "ruby", "3.1")},
		{"b.example.org", mods("ruby", "3.1", "nodejs", "18")},
		{"c.example.org", mods("nodejs", "20", "ruby", "3.1")},
		{"d.example.org", []ReportedModule{}},
	}
	comp := map[string]int64{}
	for _, tt := range tests {
		*now = now.Add(time.Minute)
		hr := ingestReport(tt.host, "3.0.16")
		hr.Modules = tt.mods
		comp[tt.host] = ingestHost(t, db, applyNew(t, db, hr)).computation
	}
	if comp["a.example.org"] != comp["b.example.org"] {
		t.Errorf("same streams in another order: got computations %d and %d, want one", comp["a.example.org"], comp["b.example.org"])
	}
	if comp["a.example.org"] == comp["c.example.org"] || comp["a.example.org"] == comp["d.example.org"] {
		t.Errorf("different streams share a computation: %v", comp)
	}
	in, err := db.ComputationInput(context.Background(), comp["a.example.org"])
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"nodejs:18", "ruby:3.1"}; !slices.Equal(in.Modules, want) {
		t.Errorf("got input modules %v, want %v", in.Modules, want)
	}
}

// TestHoldsAndCounts: held packages are stored per host, stay in the shared computation's
// updates, and are left out of the host's pending counts.
func TestHoldsAndCounts(t *testing.T) {
	db, now := openIngestTestDB(t)
	ctx := context.Background()
	held := ingestReport("held.example.org", "3.0.16")
	held.Held = []string{"openssl", " ", "openssl"}
	h := applyNew(t, db, held)
	*now = now.Add(time.Minute)
	free := applyNew(t, db, ingestReport("free.example.org", "3.0.16"))
	comp := ingestHost(t, db, h).computation
	if got := ingestHost(t, db, free).computation; got != comp {
		t.Fatalf("holds split the computation: %d and %d", comp, got)
	}
	var bash, openssl, newer int64
	for name, id := range map[string]*int64{"bash": &bash, "openssl": &openssl} {
		if err := db.read.QueryRowContext(ctx, `SELECT id FROM packages WHERE name = ?`, name).Scan(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.withTx(ctx, func(tx *sql.Tx) error {
		ids, err := db.packageIDs(ctx, tx, []PackageKey{{Type: "deb", Name: "x", Arch: "amd64", Version: "1"}})
		if err == nil {
			newer = ids[0]
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	in, err := db.ComputationInput(ctx, comp)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveComputation(ctx, in.Result([]ComputedUpdate{
		{OldPackageID: bash, NewPackageID: newer}, {OldPackageID: openssl, NewPackageID: newer, Security: true}}, nil)); err != nil {
		t.Fatal(err)
	}
	holds, err := db.HostHolds(ctx, h)
	if err != nil || !slices.Equal(holds, []string{"openssl"}) {
		t.Errorf("got holds %v, %v; want [openssl]", holds, err)
	}
	for _, tt := range []struct {
		host int64
		want UpdateCounts
	}{{h, UpdateCounts{Security: 0, Bugfix: 1, Held: 1}}, {free, UpdateCounts{Security: 1, Bugfix: 1}}} {
		got, err := db.HostUpdateCounts(ctx, tt.host)
		if err != nil || got != tt.want {
			t.Errorf("host %d: got counts %+v, %v; want %+v", tt.host, got, err, tt.want)
		}
	}
	// The host list, its filter and the dashboard count pending updates without the held ones.
	hosts, _, err := db.Hosts(ctx, HostFilter{Sort: "name"})
	if err != nil {
		t.Fatal(err)
	}
	for _, hs := range hosts {
		want := map[int64][2]int{h: {0, 1}, free: {1, 1}}[hs.ID]
		if hs.SecurityUpdates != want[0] || hs.BugfixUpdates != want[1] {
			t.Errorf("host list %s: got %d security %d bugfix, want %v", hs.Hostname, hs.SecurityUpdates, hs.BugfixUpdates, want)
		}
	}
	ups, err := db.HostUpdates(ctx, h)
	if err != nil || len(ups) != 2 || ups[0].Name != "bash" || ups[0].Held || ups[1].Name != "openssl" || !ups[1].Held {
		t.Errorf("host updates: got %+v, %v; want bash pending, then openssl held", ups, err)
	}
	yes := true
	if sec, n, err := db.Hosts(ctx, HostFilter{HasSecurity: &yes}); err != nil || n != 1 || sec[0].ID != free {
		t.Errorf("has-security filter: got %v (%d), %v; want only the host without holds", sec, n, err)
	}
	if d, err := db.Dashboard(ctx, now.Add(-time.Hour)); err != nil || d.Security.Count != 1 {
		t.Errorf("dashboard hosts with security updates: got %+v, %v; want 1", d.Security, err)
	}
	// A report without holds information (nil) keeps them; an empty list clears them.
	*now = now.Add(time.Minute)
	held.Held = nil
	applyNew(t, db, held)
	if holds, _ := db.HostHolds(ctx, h); len(holds) != 1 {
		t.Errorf("nil holds: got %v, want kept", holds)
	}
	*now = now.Add(time.Minute)
	held.Held = []string{}
	applyNew(t, db, held)
	if holds, _ := db.HostHolds(ctx, h); len(holds) != 0 {
		t.Errorf("empty holds: got %v, want none", holds)
	}
}

// TestRebootKeepsClientFlag: our kernel check and the client's flag are kept apart, and a
// new kernel or package set invalidates our check until the next one.
func TestRebootKeepsClientFlag(t *testing.T) {
	db, now := openIngestTestDB(t)
	ctx := context.Background()
	hr := ingestReport("k.example.org", "3.0.16")
	hr.Reboot = true
	id := applyNew(t, db, hr)
	checks, err := db.UncheckedReboots(ctx, nil)
	if err != nil || len(checks) != 1 || checks[0].HostID != id {
		t.Fatalf("got unchecked %+v, %v; want host %d", checks, err, id)
	}
	checks[0].Reboot, checks[0].Reason = false, ""
	if err := db.SaveReboots(ctx, checks); err != nil {
		t.Fatal(err)
	}
	row := func() (client, ours, required, checked bool) {
		t.Helper()
		if err := db.read.QueryRowContext(ctx, `SELECT client_reboot, kernel_reboot, reboot_required, reboot_checked
			FROM hosts WHERE id = ?`, id).Scan(&client, &ours, &required, &checked); err != nil {
			t.Fatal(err)
		}
		return
	}
	if c, o, r, ch := row(); !c || o || !r || !ch {
		t.Errorf("client says reboot, we do not: got client %t ours %t required %t checked %t, want true false true true", c, o, r, ch)
	}
	// The client no longer asks, our check says yes: still required, with our reason.
	*now = now.Add(time.Minute)
	hr.Reboot = false
	applyNew(t, db, hr)
	if _, _, r, ch := row(); r || !ch {
		t.Errorf("same kernel and packages: got required %t checked %t, want false true (our last check stands)", r, ch)
	}
	checks = []RebootCheck{{HostID: id, Kernel: hr.Kernel, PackageSetID: ingestHost(t, db, id).packageSet, Reboot: true, Reason: "newer kernel"}}
	if err := db.SaveReboots(ctx, checks); err != nil {
		t.Fatal(err)
	}
	if c, o, r, _ := row(); c || !o || !r {
		t.Errorf("our check says reboot: got client %t ours %t required %t, want false true true", c, o, r)
	}
	// A new kernel: our check is void until redone, and a stale result is not saved.
	*now = now.Add(time.Minute)
	hr.Kernel = "6.1.0-44-amd64"
	applyNew(t, db, hr)
	if _, o, r, ch := row(); o || r || ch {
		t.Errorf("new kernel: got ours %t required %t checked %t, want all false", o, r, ch)
	}
	if err := db.SaveReboots(ctx, checks); err != nil { // made for the old kernel
		t.Fatal(err)
	}
	if _, o, _, ch := row(); o || ch {
		t.Errorf("stale check saved: got ours %t checked %t", o, ch)
	}
}
