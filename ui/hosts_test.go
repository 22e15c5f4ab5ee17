package ui

import (
	"bytes"
	"net/url"
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
