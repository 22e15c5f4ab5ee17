package store

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// seedHostviewFleet loads testdata/hostview_fleet.sql into db.
func seedHostviewFleet(t *testing.T, db *DB) {
	t.Helper()
	script, err := os.ReadFile("testdata/hostview_fleet.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.Exec(string(script)); err != nil {
		t.Fatalf("seed: %v", err)
	}
}

func hostNames(hs []HostSummary) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Hostname)
	}
	return out
}

func TestHosts(t *testing.T) {
	ctx := context.Background()
	db, _ := openUITestDB(t)
	seedHostviewFleet(t, db)
	yes, no := true, false
	tests := []struct {
		name      string
		f         HostFilter
		want      []string
		wantTotal int
	}{
		{"all by name", HostFilter{}, []string{"db1", "new1", "web1", "web2"}, 4},
		{"search terms ANDed", HostFilter{Search: "WEB example.org"}, []string{"web1", "web2"}, 2},
		{"search by os", HostFilter{Search: "rocky"}, []string{"db1"}, 1},
		{"os group", HostFilter{OS: "Debian 12"}, []string{"web1", "web2"}, 2},
		{"os variant", HostFilter{OS: "Rocky Linux 9.4 (Blue Onyx)"}, []string{"db1"}, 1},
		{"tag", HostFilter{Tag: "PROD"}, []string{"web1"}, 1},
		{"arch", HostFilter{Arch: "x86_64"}, []string{"db1"}, 1},
		{"reboot", HostFilter{Reboot: &yes}, []string{"web1"}, 1},
		{"has security", HostFilter{HasSecurity: &yes}, []string{"web1"}, 1},
		{"no security", HostFilter{HasSecurity: &no}, []string{"db1", "new1", "web2"}, 3},
		{"sort bugfix desc", HostFilter{Sort: "bugfix", Desc: true}, []string{"web2", "web1", "new1", "db1"}, 4},
		{"sort packages", HostFilter{Sort: "packages"}, []string{"new1", "db1", "web1", "web2"}, 4},
		{"unknown sort is name", HostFilter{Sort: "'; DROP TABLE hosts"}, []string{"db1", "new1", "web1", "web2"}, 4},
		{"page 2", HostFilter{Limit: 2, Offset: 2}, []string{"web1", "web2"}, 4},
		{"past the end", HostFilter{Limit: 2, Offset: 10}, nil, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := db.Hosts(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, hostNames(got)); diff != "" {
				t.Errorf("hosts (-want +got):\n%s", diff)
			}
			if total != tt.wantTotal {
				t.Errorf("total: got %d, want %d", total, tt.wantTotal)
			}
		})
	}
}

func TestHostByName(t *testing.T) {
	ctx := context.Background()
	db, _ := openUITestDB(t)
	seedHostviewFleet(t, db)
	got, err := db.HostByName(ctx, "WEB1")
	if err != nil {
		t.Fatal(err)
	}
	want := HostSummary{ID: 1, Hostname: "web1", Domain: "example.org", OS: "Debian GNU/Linux 12 (bookworm)",
		OSGroup: "Debian 12", Kernel: "6.1.0-26-amd64", Arch: "amd64", IP: "192.0.2.1", Tags: []string{"prod", "web"},
		ReportedTags: []string{"prod", "web"}, HostReposOnly: true, CheckDNS: true,
		LastReport: time.Date(2026, 11, 21, 11, 0, 0, 0, time.UTC), RebootRequired: true, Packages: 4,
		SecurityUpdates: 1, BugfixUpdates: 1, Computed: time.Date(2026, 11, 21, 11, 30, 0, 0, time.UTC)}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("web1 (-want +got):\n%s", diff)
	}
	if _, err := db.HostByName(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown host: got %v, want ErrNotFound", err)
	}
	bare, err := db.HostByName(ctx, "new1")
	if err != nil || !bare.LastReport.IsZero() || !bare.Computed.IsZero() || bare.Tags != nil {
		t.Errorf("host without report: got %+v, %v, want zero times and no tags", bare, err)
	}
}

func TestHostUpdates(t *testing.T) {
	ctx := context.Background()
	db, _ := openUITestDB(t)
	seedHostviewFleet(t, db)
	tests := []struct {
		host int64
		want []HostUpdate
	}{
		{1, []HostUpdate{
			{Name: "openssl", Arch: "amd64", Type: "deb", Installed: "3.0.11-1~deb12u1", Available: "3.0.15-1~deb12u1",
				Repo: "Debian bookworm-security main", RepoID: 2, Security: true},
			{Name: "bash", Arch: "amd64", Type: "deb", Installed: "5.2.15-2+b2", Available: "5.2.15-2+b7",
				Repo: "Debian bookworm main", RepoID: 1},
		}},
		{2, []HostUpdate{
			{Name: "curl", Arch: "amd64", Type: "deb", Installed: "7.88.1-10+deb12u5", Available: "7.88.1-10+deb12u8",
				Repo: "bookworm-security", Security: true, Client: true},
			{Name: "bash", Arch: "amd64", Type: "deb", Installed: "5.2.15-2+b2", Available: "5.2.15-2+b7",
				Repo: "Debian bookworm main", RepoID: 1},
		}},
		{3, nil},
		{4, nil},
	}
	for _, tt := range tests {
		got, err := db.HostUpdates(ctx, tt.host)
		if err != nil {
			t.Fatalf("host %d: %v", tt.host, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("host %d updates (-want +got):\n%s", tt.host, diff)
		}
	}
	if _, err := db.HostUpdates(ctx, 99); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown host: got %v, want ErrNotFound", err)
	}
}

func TestHostPackagesAndRepos(t *testing.T) {
	ctx := context.Background()
	db, _ := openUITestDB(t)
	seedHostviewFleet(t, db)
	pkgs, err := db.HostPackages(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var evrs []string
	for _, p := range pkgs {
		evrs = append(evrs, p.Name+" "+p.EVR())
	}
	want := []string{"bash 5.2.15-2+b2", "curl 7.88.1-10+deb12u5", "openssl 3.0.11-1~deb12u1", "tzdata 1:2024a-0+deb12u1"}
	if diff := cmp.Diff(want, evrs); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if pkgs, err := db.HostPackages(ctx, 4); err != nil || len(pkgs) != 0 {
		t.Errorf("host without packages: got %v, %v, want none", pkgs, err)
	}
	if _, err := db.HostPackages(ctx, 99); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown host: got %v, want ErrNotFound", err)
	}

	repos, err := db.HostRepos(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	wantRepos := []HostRepo{
		{ID: 2, Name: "Debian bookworm-security main", Type: "deb", Priority: 990, Security: true, Enabled: true,
			URLs: []string{"http://security.example.org/debian-security/dists/bookworm-security/main/binary-amd64"}},
		{ID: 1, Name: "Debian bookworm main", Type: "deb", Priority: 500, Enabled: true,
			URLs: []string{"http://ftp.example.org/debian/dists/bookworm/main/binary-amd64",
				"http://mirror.example.org/debian/dists/bookworm/main/binary-amd64"}},
	}
	if diff := cmp.Diff(wantRepos, repos); diff != "" {
		t.Errorf("repos (-want +got):\n%s", diff)
	}
	if repos, err := db.HostRepos(ctx, 4); err != nil || len(repos) != 0 {
		t.Errorf("host without repos: got %v, %v, want none", repos, err)
	}
	if _, err := db.HostRepos(ctx, 99); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown host: got %v, want ErrNotFound", err)
	}
}

func TestRepos(t *testing.T) {
	ctx := context.Background()
	db, _ := openUITestDB(t)
	seedHostviewFleet(t, db)
	repos, err := db.Repos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type brief struct {
		Name    string
		Hosts   int
		Mirrors int
	}
	var got []brief
	for _, r := range repos {
		got = append(got, brief{r.Name, r.Hosts, len(r.Mirrors)})
	}
	want := []brief{{"Debian bookworm main", 3, 2}, {"Debian bookworm-security main", 1, 1}, {"Rocky BaseOS", 0, 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("repos (-want +got):\n%s", diff)
	}
	r, err := db.Repo(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	m := r.Mirrors[0]
	if !m.Failing() || m.FailCount != 2 || m.LastError != "GET: 503 Service Unavailable" || m.PackageCount != 900 ||
		!m.Freshness.IsZero() || m.LastSuccess.IsZero() {
		t.Errorf("security mirror: got %+v, want failing twice with 900 packages and no freshness", m)
	}
	if _, err := db.Repo(ctx, 99); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown repo: got %v, want ErrNotFound", err)
	}
}

func hvDirtyComputations(t *testing.T, db *DB) []int64 {
	t.Helper()
	rows, err := db.read.Query(`SELECT id FROM computations WHERE dirty = 1 ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestSetRepoFlags(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		repo      int64
		set       func(db *DB) error
		wantDirty []int64
		check     func(r RepoSummary) bool
	}{
		{"security on main", 1, func(db *DB) error { return db.SetRepoSecurity(ctx, 1, true) }, []int64{1, 2, 3},
			func(r RepoSummary) bool { return r.Security && r.SecuritySetByUser }},
		{"security off on security repo", 2, func(db *DB) error { return db.SetRepoSecurity(ctx, 2, false) }, []int64{1},
			func(r RepoSummary) bool { return !r.Security && r.SecuritySetByUser }},
		{"disable unused repo", 3, func(db *DB) error { return db.SetRepoEnabled(ctx, 3, false) }, nil,
			func(r RepoSummary) bool { return !r.Enabled && !r.SecuritySetByUser }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := openUITestDB(t)
			seedHostviewFleet(t, db)
			if err := tt.set(db); err != nil {
				t.Fatal(err)
			}
			if got := hvDirtyComputations(t, db); !slices.Equal(got, tt.wantDirty) {
				t.Errorf("dirty computations: got %v, want %v", got, tt.wantDirty)
			}
			r, err := db.Repo(ctx, tt.repo)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(r) {
				t.Errorf("repo after change: got %+v", r)
			}
		})
	}
	db, _ := openUITestDB(t)
	if err := db.SetRepoSecurity(ctx, 42, true); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown repo: got %v, want ErrNotFound", err)
	}
}

func TestDashboard(t *testing.T) {
	ctx := context.Background()
	db, now := openUITestDB(t)
	seedHostviewFleet(t, db)
	d, err := db.Dashboard(ctx, now.Add(-7*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	names := func(l DashboardList) []string {
		var out []string
		for _, it := range l.Items {
			out = append(out, it.Name)
		}
		return out
	}
	tests := []struct {
		name      string
		list      DashboardList
		wantCount int
		wantNames []string
	}{
		{"security", d.Security, 1, []string{"web1"}},
		{"bugfix only", d.BugfixOnly, 1, []string{"web2"}},
		{"reboot", d.Reboot, 1, []string{"web1"}},
		{"stale", d.Stale, 2, []string{"new1", "db1"}},
		{"no repos", d.NoRepos, 1, []string{"new1"}},
		{"pending", d.Pending, 1, []string{"web1"}},
		{"rejected last day", d.Rejected, 1, []string{"bad1"}},
		{"failing mirrors", d.FailingMirrors, 1, []string{"http://security.example.org/debian-security/dists/bookworm-security/main/binary-amd64"}},
		{"never refreshed", d.NeverRefreshed, 1, []string{"http://ftp.example.org/debian/dists/bookworm/main/binary-amd64"}},
		{"disabled mirrors", d.DisabledMirrors, 1, []string{"http://old.example.org/rocky/BaseOS"}},
		{"no mirrors", d.NoMirrors, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.list.Count != tt.wantCount {
				t.Errorf("count: got %d, want %d", tt.list.Count, tt.wantCount)
			}
			if diff := cmp.Diff(tt.wantNames, names(tt.list)); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
		})
	}
	if d.Hosts != 4 || d.Repos != 3 || d.Mirrors != 4 {
		t.Errorf("totals: got %d hosts, %d repos, %d mirrors, want 4, 3, 4", d.Hosts, d.Repos, d.Mirrors)
	}
}
