package ui

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"patchward/store"
)

// A second repo whose mirror serves exactly the main repo's index is offered for linking on the
// repositories page; one click links it and the suggestion is gone.
func TestRepoLinkSuggestion(t *testing.T) {
	env := newTestEnv(t)
	ctx := t.Context()
	twin := "http://mirror2.example.org/debian/dists/bookworm/main/binary-amd64"
	_, err := env.db.ApplyHostReport(ctx, 0, store.HostReport{Hostname: "web3.example.org", OS: "Debian GNU/Linux 12 (bookworm)",
		Kernel: "6.1.0-28-amd64", Arch: "amd64", Packages: []store.PackageKey{pkg("deb", "bash", "amd64", "5.2.15", "2+b2")},
		Repos: []store.ReportedRepo{{Type: "deb", Name: "Debian bookworm main (mirror two)", Priority: 500, URLs: []string{twin}}}})
	if err != nil {
		t.Fatal(err)
	}
	mirrors, err := env.db.MirrorsToRefresh(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mirrors {
		if m.URL == twin {
			same := []store.PackageKey{pkg("deb", "bash", "amd64", "5.2.15", "2+b7"), pkg("deb", "zsh", "amd64", "5.9", "4+b1")}
			if _, err := env.db.SaveMirrorPackages(ctx, m.ID, same, nil, store.MirrorMeta{Checksum: "x", Freshness: testNow.Add(-time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	op := env.session(t, operatorName)
	doc := env.page(t, "/repos", op)
	rows := doc.Find(`[data-testid="link-suggestion"]`)
	if rows.Length() != 1 {
		t.Fatalf("link suggestions: got %d, want 1", rows.Length())
	}
	action, _ := rows.Find("form").Attr("action")
	repo, _ := rows.Find(`input[name="repo"]`).Attr("value")
	rec := env.do(t, http.MethodPost, action, url.Values{"repo": {repo}}, op, nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("link: got %d, want 303: %s", rec.Code, rec.Body)
	}
	if n := env.page(t, "/repos", op).Find(`[data-testid="link-suggestion"]`).Length(); n != 0 {
		t.Errorf("after linking: got %d suggestions, want none", n)
	}
}

// Mirrors whose own metadata is older than repo.stale_after are listed as behind.
func TestDashboardMirrorsBehind(t *testing.T) {
	for _, tt := range []struct {
		behind time.Duration
		want   string
	}{{0, "0"}, {24 * time.Hour, "2"}, {72 * time.Hour, "0"}} {
		env := newTestEnv(t) // the dashboard is cached: a fresh server per case
		env.srv.opts.MirrorBehind = tt.behind
		doc := env.page(t, "/", env.session(t, operatorName))
		if got := doc.Find(`[data-testid="dash-behind"] [data-testid="count"]`).Text(); got != tt.want {
			t.Errorf("behind %s: got %q mirrors, want %s", tt.behind, got, tt.want)
		}
	}
}
