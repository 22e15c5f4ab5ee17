package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOperatorTagsSurviveReports(t *testing.T) {
	ctx := context.Background()
	db, _ := openUITestDB(t)
	report := HostReport{Hostname: "web1.example.org", OS: "Debian GNU/Linux 12 (bookworm)", Arch: "amd64",
		Tags: []string{"web", "old"}, Packages: []PackageKey{{Type: "deb", Name: "bash", Arch: "amd64", Version: "5.2.15", Release: "2"}}}
	if _, err := db.ApplyHostReport(ctx, 0, report); err != nil {
		t.Fatal(err)
	}
	h, err := db.HostByName(ctx, "web1.example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.TagHosts(ctx, []int64{h.ID}, "Pinned", true); err != nil {
		t.Fatal(err)
	}
	if err := db.TagHosts(ctx, []int64{h.ID}, "old", false); err != nil {
		t.Fatal(err)
	}
	report.Tags = []string{"db", "WEB"}
	if _, err := db.ApplyHostReport(ctx, 0, report); err != nil {
		t.Fatal(err)
	}
	h, err = db.HostByName(ctx, "web1.example.org")
	if err != nil {
		t.Fatal(err)
	}
	want := [3][]string{{"db", "WEB"}, {"Pinned"}, {"db", "Pinned", "WEB"}}
	if diff := cmp.Diff(want, [3][]string{h.ReportedTags, h.OperatorTags, h.Tags}); diff != "" {
		t.Errorf("reported, operator, all tags after the next report (-want +got):\n%s", diff)
	}
	// An operator tag the host also reports counts once.
	if err := db.SetOperatorTags(ctx, h.ID, []string{"web", "rack-4", "RACK-4"}); err != nil {
		t.Fatal(err)
	}
	h, _ = db.HostByName(ctx, "web1.example.org")
	if diff := cmp.Diff([]string{"db", "rack-4", "WEB"}, h.Tags); diff != "" || len(h.OperatorTags) != 2 {
		t.Errorf("after SetOperatorTags: tags (-want +got):\n%s operator %v", diff, h.OperatorTags)
	}
	for _, bad := range []string{"", "a,b", "-old", "!old"} {
		if err := db.SetOperatorTags(ctx, h.ID, []string{bad}); err == nil {
			t.Errorf("SetOperatorTags(%q): got no error", bad)
		}
	}
	if err := db.SetOperatorTags(ctx, 999, nil); err == nil {
		t.Error("SetOperatorTags of no host: got no error")
	}
}

// TestTagFiltersSnapshotMatchesSQL: several tags must all match, NotTags must not, over
// reported and operator tags alike, in SQL and in the snapshot.
func TestTagFiltersSnapshotMatchesSQL(t *testing.T) {
	ctx := context.Background()
	db, _ := openUITestDB(t)
	seedHostviewFleet(t, db)
	// Fleet: web1 reports web, prod; web2 reports web. Operators add lab to web2 and db1.
	if _, err := db.write.Exec(`INSERT INTO host_operator_tags (host_id, tag) SELECT id, 'lab' FROM hosts WHERE hostname IN ('web2', 'db1')`); err != nil {
		t.Fatal(err)
	}
	snap, err := db.LoadHostSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		f    HostFilter
		want []string
	}{
		{HostFilter{Tag: "LAB"}, []string{"db1", "web2"}},
		{HostFilter{Tags: []string{"web", "lab"}}, []string{"web2"}},
		{HostFilter{Tag: "web", Tags: []string{"prod"}}, []string{"web1"}},
		{HostFilter{NotTags: []string{"lab"}}, []string{"new1", "web1"}},
		{HostFilter{Tags: []string{"web"}, NotTags: []string{"PROD"}}, []string{"web2"}},
		{HostFilter{Tags: []string{"web", "nope"}}, nil},
		{HostFilter{NotTags: []string{"nope"}}, []string{"db1", "new1", "web1", "web2"}},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%+v", tt.f)
		got, total, err := db.Hosts(ctx, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, hostNames(got)); diff != "" || total != len(tt.want) {
			t.Errorf("SQL %s (-want +got):\n%s", name, diff)
		}
		sgot, stotal := snap.Hosts(tt.f)
		if diff := cmp.Diff(tt.want, hostNames(sgot)); diff != "" || stotal != len(tt.want) {
			t.Errorf("snapshot %s (-want +got):\n%s", name, diff)
		}
	}
	facets, err := db.HostFacets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"lab", "prod", "web"}, facets.Tags); diff != "" {
		t.Errorf("tag facets (-want +got):\n%s", diff)
	}
}
