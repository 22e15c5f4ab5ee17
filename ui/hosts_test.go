package ui

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"patchward/store"
)

func TestHostListLinks(t *testing.T) {
	q, _ := url.ParseQuery("q=web&sort=security&dir=desc&page=3")
	d := hostsData{Query: q, Sort: "security", Desc: true}
	tests := []struct {
		name, got, want string
	}{
		{"same column flips to ascending", d.sortURL("security"), "/hosts?q=web&sort=security"},
		{"name starts ascending", d.sortURL("name"), "/hosts?q=web&sort=name"},
		{"counts start descending", d.sortURL("bugfix"), "/hosts?dir=desc&q=web&sort=bugfix"},
		{"tag link keeps the search", d.with("tag", "prod", "page", ""), "/hosts?dir=desc&q=web&sort=security&tag=prod"},
		{"clearing everything", hostsData{Query: url.Values{}}.with("page", ""), "/hosts"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if got := d.sortMark("security") + "|" + d.sortMark("name"); got != " ↓|" {
		t.Errorf("sort marks: got %q", got)
	}
}

func TestPager(t *testing.T) {
	tests := []struct {
		page, pages    int
		wantPrev, next string
	}{
		{1, 3, "", "/hosts?page=2&q=x"},
		{2, 3, "/hosts?page=1&q=x", "/hosts?page=3&q=x"},
		{3, 3, "/hosts?page=2&q=x", ""},
	}
	for _, tt := range tests {
		d := hostsData{Query: url.Values{"q": {"x"}}, Hosts: []store.HostSummary{{Hostname: "h"}}, Total: 120,
			Page: tt.page, Pages: tt.pages}
		var buf bytes.Buffer
		if err := hostsView(page{}, d).Render(t.Context(), &buf); err != nil {
			t.Fatal(err)
		}
		doc, err := goquery.NewDocumentFromReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		prev := doc.Find(`[data-testid="page-prev"]`).AttrOr("href", "")
		next := doc.Find(`[data-testid="page-next"]`).AttrOr("href", "")
		if prev != tt.wantPrev || next != tt.next {
			t.Errorf("page %d of %d: got prev %q next %q, want %q and %q", tt.page, tt.pages, prev, next, tt.wantPrev, tt.next)
		}
	}
}

func TestAgo(t *testing.T) {
	tests := []struct {
		d    string
		want string
	}{
		{"0s", "just now"}, {"90s", "1 minute ago"}, {"2h", "2 hours ago"}, {"47h", "47 hours ago"},
		{"72h", "3 days ago"}, {"1440h", "2 months ago"}, {"-2h", "in 2 hours"}, {"17520h", "2 years ago"},
	}
	for _, tt := range tests {
		d, err := time.ParseDuration(tt.d)
		if err != nil {
			t.Fatal(err)
		}
		if got := ago(testNow.Add(-d), testNow); got != tt.want {
			t.Errorf("ago(%s): got %q, want %q", tt.d, got, tt.want)
		}
	}
	if got := num(63000) + " " + num(999) + " " + num(1234567); got != "63,000 999 1,234,567" {
		t.Errorf("num: got %q", got)
	}
}

// A host's update table shows a repository's suite and component, not its long name.
func TestRepoLabel(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"Debian 12 amd64 repo at http://deb.example.org/debian/dists/bookworm-security/main/binary-amd64", "bookworm-security/main"},
		{"Debian bookworm-security main", "bookworm-security/main"},
		{"Ubuntu 24.04 amd64 repo at http://archive.ubuntu.com/ubuntu/dists/noble-updates/universe/binary-amd64", "noble-updates/universe"},
		{"Debian 12 amd64 repo at http://deb.example.org/flat", "Debian 12 amd64 repo at http://deb.example.org/flat"},
		{"Rocky Linux 9 - BaseOS", "Rocky Linux 9 - BaseOS"},
		{"main", "main"},
		{"x /dists/", "x /dists/"},
	} {
		if got := repoLabel(tt.name); got != tt.want {
			t.Errorf("repoLabel(%q): got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// Counts agree with their nouns: "1 known version", "1 group", "over 1 day".
func TestPlurals(t *testing.T) {
	for _, tt := range []struct {
		n               int
		one, many, want string
	}{
		{0, "host", "", "0 hosts"}, {1, "host", "", "1 host"}, {63000, "host", "", "63,000 hosts"},
		{1, "repository", "repositories", "1 repository"}, {2, "repository", "repositories", "2 repositories"},
	} {
		var got string
		if tt.many != "" {
			got = plural(tt.n, tt.one, tt.many)
		} else {
			got = plural(tt.n, tt.one)
		}
		if got != tt.want {
			t.Errorf("plural(%d, %q): got %q, want %q", tt.n, tt.one, got, tt.want)
		}
	}

	env := newTestEnv(t)
	env.srv.opts.SecurityDays = 1
	c := env.session(t, adminName)
	pages := []struct{ path, sel, want string }{
		{"/packages/curl", `[data-testid="list-sub"]`, "1 known version, installed on 2 hosts; 0 with an update pending (0 security)."},
		{"/os", `[data-testid="group"] header small`, "1 variant · 2 hosts"},
		{"/", `[data-testid="dash-longsecurity"] header strong`, "Security updates pending over 1 day"},
		{"/hosts?security=yes", `[data-testid="hosts-total"]`, "1 matching host"},
		{"/hosts/web1.example.org/compare?with=web2.example.org", `[data-testid="compare-summary"]`, "1 package differs between"},
	}
	for _, p := range pages {
		got := strings.Join(strings.Fields(env.page(t, p.path, c).Find(p.sel).First().Text()), " ")
		if got != p.want && !strings.HasPrefix(got, p.want+" ") {
			t.Errorf("%s %s: got %q, want %q", p.path, p.sel, got, p.want)
		}
	}
	for _, p := range []string{"/", "/os", "/packages/curl", "/repos", "/admin", "/errata", "/hosts"} {
		body := env.do(t, http.MethodGet, p, nil, c, nil).Body.String()
		for _, bad := range []string{">1 hosts", " 1 groups", " 1 variants", "1 known versions", "over 1 days", "1 repositories", "1 users", "1 mirrors"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: says %q", p, bad)
			}
		}
	}
}

// A page past the end of the host list says so and links back, instead of claiming that no
// host has reported.
func TestHostsPastLastPage(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, adminName)
	doc := env.page(t, "/hosts?page=999", c)
	if got := doc.Find(`[data-testid="past-end"]`).Text(); !strings.Contains(got, "There is no page 999") || !strings.Contains(got, "3 hosts") {
		t.Errorf("past-end message: got %q", got)
	}
	if strings.Contains(doc.Text(), "No host has reported yet") {
		t.Error(`page 999 says "No host has reported yet"`)
	}
	if href := doc.Find(`[data-testid="pager"] [data-testid="page-prev"]`).AttrOr("href", ""); href != "/hosts?page=1" {
		t.Errorf("pager's previous link: got %q, want /hosts?page=1", href)
	}
}

// The paged lists say the same past their end.
func TestListPastLastPage(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, adminName)
	for _, p := range []string{"/packages", "/errata", "/cves"} {
		doc := env.page(t, p+"?page=999", c)
		if got := text(doc.Find(`[data-testid="past-end"]`)); !strings.HasPrefix(got, "There is no page 999: this list has 1 page.") {
			t.Errorf("%s?page=999: got %q", p, got)
		}
		if href := doc.Find(`[data-testid="pager"] [data-testid="page-prev"]`).AttrOr("href", ""); !strings.Contains(href, "page=1") {
			t.Errorf("%s?page=999: pager's previous link %q, want page 1", p, href)
		}
	}
}
