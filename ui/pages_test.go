package ui

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
	"github.com/google/go-cmp/cmp"
)

func text(s *goquery.Selection) string { return strings.TrimSpace(s.Text()) }

// hostCounts maps each host row to "security/bugfix".
func hostCounts(doc *goquery.Document) map[string]string {
	out := map[string]string{}
	doc.Find(`[data-testid="host-row"]`).Each(func(_ int, row *goquery.Selection) {
		name, _ := row.Attr("data-host")
		out[name] = text(row.Find(`[data-testid="security-count"]`)) + "/" + text(row.Find(`[data-testid="bugfix-count"]`))
	})
	return out
}

func TestHostList(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, adminName)
	tests := []struct {
		query     string
		want      map[string]string
		wantOrder []string
	}{
		{"", map[string]string{"web1.example.org": "1/1", "web2.example.org": "0/1", "db1.example.net": "0/0"},
			[]string{"db1.example.net", "web1.example.org", "web2.example.org"}},
		{"?security=yes", map[string]string{"web1.example.org": "1/1"}, nil},
		{"?q=WEB2", map[string]string{"web2.example.org": "0/1"}, nil},
		{"?tag=prod", map[string]string{"web1.example.org": "1/1"}, nil},
		{"?os=Rocky+Linux+9.4+%28Blue+Onyx%29", map[string]string{"db1.example.net": "0/0"}, nil},
		{"?reboot=yes&arch=amd64", map[string]string{"web1.example.org": "1/1"}, nil},
		{"?sort=bugfix&dir=desc", nil, []string{"web2.example.org", "web1.example.org", "db1.example.net"}},
		{"?q=nomatch", map[string]string{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			doc := env.page(t, "/hosts"+tt.query, c)
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, hostCounts(doc)); diff != "" {
					t.Errorf("counts (-want +got):\n%s", diff)
				}
			}
			if tt.wantOrder != nil {
				var got []string
				doc.Find(`[data-testid="host-row"]`).Each(func(_ int, s *goquery.Selection) {
					got = append(got, s.AttrOr("data-host", ""))
				})
				if diff := cmp.Diff(tt.wantOrder, got); diff != "" {
					t.Errorf("order (-want +got):\n%s", diff)
				}
			}
			if len(tt.want) == 0 && tt.want != nil && doc.Find(`[data-testid="hosts-empty"]`).Length() != 1 {
				t.Error("no match: want the empty-list message")
			}
		})
	}
	doc := env.page(t, "/hosts", c)
	web1 := doc.Find(`[data-host="web1.example.org"]`)
	if web1.Find(`[data-testid="reboot"]`).Length() != 1 || web1.Find(`.badge-security`).Length() != 1 {
		t.Error("web1 row: want a reboot flag and a red security badge")
	}
	if got := text(web1.Find(`[data-testid="package-count"]`)); got != "3" {
		t.Errorf("web1 packages: got %q, want 3", got)
	}
	if !doc.Find(`[data-host="db1.example.net"] td.stale`).Is("td") {
		t.Error("db1 reported 30 days ago: want its last report marked stale")
	}
	if got := text(doc.Find(`[data-testid="hosts-total"]`)); got != "3 hosts" {
		t.Errorf("total: got %q, want %q", got, "3 hosts")
	}
	if href := doc.Find(`[data-testid="sort-security"]`).AttrOr("href", ""); href != "/hosts?dir=desc&sort=security" {
		t.Errorf("security sort link: got %q, want descending first", href)
	}
}

func TestHostPage(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, adminName)
	doc := env.page(t, "/hosts/web1.example.org", c)
	if got := text(doc.Find(`[data-testid="host-name"]`)); got != "web1.example.org" {
		t.Errorf("name: got %q", got)
	}
	type row struct{ Name, Security, Installed, Available string }
	var got []row
	doc.Find(`[data-testid="update-row"]`).Each(func(_ int, s *goquery.Selection) {
		tds := s.Find("td")
		got = append(got, row{s.AttrOr("data-package", ""), s.AttrOr("data-security", ""), text(tds.Eq(2)), text(tds.Eq(3))})
	})
	want := []row{
		{"openssl", "true", "3.0.11-1~deb12u1", "3.0.15-1~deb12u1"},
		{"bash", "false", "5.2.15-2+b2", "5.2.15-2+b7"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("updates, security first (-want +got):\n%s", diff)
	}
	if n := doc.Find(`[data-testid="package-row"]`).Length(); n != 0 {
		t.Errorf("packages before asking: got %d rows, want 0 (listed on demand)", n)
	}
	if doc.Find(`[data-testid="show-packages"]`).Length() != 1 {
		t.Error("want a link showing the packages")
	}
	if n := env.page(t, "/hosts/web1.example.org?packages=1", c).Find(`[data-testid="package-row"]`).Length(); n != 3 {
		t.Errorf("packages=1: got %d rows, want 3", n)
	}
	frag := env.do(t, http.MethodGet, "/hosts/web1.example.org?fragment=packages", nil, c, map[string]string{"HX-Request": "true"})
	if n := parseHTML(t, frag).Find(`[data-testid="package-row"]`).Length(); n != 3 || strings.Contains(frag.Body.String(), "<html") {
		t.Errorf("htmx fragment: got %d rows (want 3) and want no full page", n)
	}
	var prios []string
	doc.Find(`[data-testid="host-repo-row"] [data-testid="priority"]`).Each(func(_ int, s *goquery.Selection) {
		prios = append(prios, text(s))
	})
	if diff := cmp.Diff([]string{"500", "500"}, prios); diff != "" {
		t.Errorf("repo priorities (-want +got):\n%s", diff)
	}
	if doc.Find(`[data-testid="reboot"]`).Length() == 0 {
		t.Error("web1 needs a reboot: want the flag on its page")
	}
	if rec := env.do(t, http.MethodGet, "/hosts/nosuchhost", nil, c, nil); rec.Code != http.StatusNotFound {
		t.Errorf("unknown host: got %d, want 404", rec.Code)
	}
	doc = env.page(t, "/hosts/db1.example.net", c)
	if doc.Find(`[data-testid="no-updates"]`).Length() != 1 || !doc.Find(`[data-testid="last-report"]`).HasClass("stale") {
		t.Error("db1: want 'no updates' and a stale last report")
	}
}

func TestReposPage(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, adminName)
	doc := env.page(t, "/repos", c)
	type mirror struct{ URL, Status, Packages, Error string }
	got := map[string]mirror{}
	doc.Find(`[data-testid="mirror-row"]`).Each(func(_ int, s *goquery.Selection) {
		u := s.Find(`[data-testid="mirror-url"]`).Contents().First().Text()
		u = strings.TrimSpace(u)
		got[u] = mirror{u, text(s.Find(`[data-testid="mirror-status"]`)), text(s.Find(`[data-testid="mirror-packages"]`)),
			text(s.Find(`[data-testid="mirror-error"]`))}
	})
	want := map[string]mirror{
		debMain:     {debMain, "ok", "2", ""},
		debSecurity: {debSecurity, "ok", "1", ""},
		rockyBase:   {rockyBase, "failing", "0", "GET repomd.xml: 503 Service Unavailable"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mirrors (-want +got):\n%s", diff)
	}
	sec := doc.Find(`[data-testid="repo"]`).FilterFunction(func(_ int, s *goquery.Selection) bool {
		return text(s.Find(`[data-testid="repo-name"]`)) == "Debian bookworm-security main"
	})
	if sec.Find(`[data-testid="security-on"]`).Length() != 1 {
		t.Error("security repo: want its flag shown as on")
	}
	if got := text(sec.Find(`[data-testid="repo-hosts"]`)); got != "1 host" {
		t.Errorf("security repo hosts: got %q, want %q", got, "1 host")
	}
}

// repoIDByName finds a repo's id on the repos page.
func repoIDByName(t *testing.T, env *testEnv, c *http.Cookie, name string) string {
	t.Helper()
	var id string
	env.page(t, "/repos", c).Find(`[data-testid="repo"]`).Each(func(_ int, s *goquery.Selection) {
		if text(s.Find(`[data-testid="repo-name"]`)) == name {
			id = s.AttrOr("data-repo-id", "")
		}
	})
	if id == "" {
		t.Fatalf("repo %q not on the repos page", name)
	}
	return id
}

func TestToggleSecurity(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, adminName)
	id := repoIDByName(t, env, c, "Debian bookworm main")

	rec := env.do(t, http.MethodPost, "/repos/"+id+"/security", url.Values{"security": {"1"}}, c, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/repos?msg=security-on#repo-"+id {
		t.Fatalf("plain POST: got %d to %q, want 303 back to the repo", rec.Code, rec.Header().Get("Location"))
	}
	doc := env.page(t, "/repos?msg=security-on", c)
	if doc.Find(`#repo-`+id+` [data-testid="security-on"]`).Length() != 1 {
		t.Error("after setting: want the main repo shown as security")
	}
	if !strings.Contains(text(doc.Find(`[data-testid="flash"]`)), "marked as security") {
		t.Errorf("flash: got %q", text(doc.Find(`[data-testid="flash"]`)))
	}
	log, err := env.db.AuditLog(t.Context(), 10)
	if err != nil || len(log) < 1 || log[0].Action != "repo.security" || log[0].Actor != adminName ||
		!strings.Contains(log[0].Detail, "security=true") {
		t.Fatalf("audit: got %+v, %v, want a repo.security entry by %s", log, err, adminName)
	}

	rec = env.do(t, http.MethodPost, "/repos/"+id+"/security", url.Values{"security": {"0"}}, c, map[string]string{"HX-Request": "true"})
	if rec.Code != http.StatusOK {
		t.Fatalf("htmx POST: got %d, want 200", rec.Code)
	}
	part := parseHTML(t, rec)
	if part.Find(`[data-testid="security-toggle"] [data-testid="security-off"]`).Length() != 1 || part.Find("html nav").Length() != 0 {
		t.Errorf("htmx POST: want just the toggle, now off; got %s", rec.Body.String())
	}
	if got := part.Find(`input[name="security"]`).AttrOr("value", ""); got != "1" {
		t.Errorf("next toggle value: got %q, want 1", got)
	}
	if log, _ := env.db.AuditLog(t.Context(), 10); len(log) < 2 || !strings.Contains(log[0].Detail, "security=false") {
		t.Errorf("audit after htmx toggle: got %+v", log)
	}

	for _, tt := range []struct {
		path string
		form url.Values
		want int
	}{
		{"/repos/999/security", url.Values{"security": {"1"}}, http.StatusNotFound},
		{"/repos/abc/security", url.Values{"security": {"1"}}, http.StatusNotFound},
		{"/repos/" + id + "/security", url.Values{"security": {"maybe"}}, http.StatusBadRequest},
	} {
		if rec := env.do(t, http.MethodPost, tt.path, tt.form, c, nil); rec.Code != tt.want {
			t.Errorf("POST %s %v: got %d, want %d", tt.path, tt.form, rec.Code, tt.want)
		}
	}
}

func TestCrossOriginRefused(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, adminName)
	id := repoIDByName(t, env, c, "Debian bookworm main")
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
	} {
		rec := env.do(t, http.MethodPost, "/repos/"+id+"/security", url.Values{"security": {"1"}}, c, hdr)
		if rec.Code != http.StatusForbidden {
			t.Errorf("POST with %v: got %d, want 403", hdr, rec.Code)
		}
	}
	if rec := env.do(t, http.MethodPost, "/login", url.Values{"username": {adminName}, "password": {adminPassword}}, nil,
		map[string]string{"Sec-Fetch-Site": "cross-site"}); rec.Code != http.StatusForbidden {
		t.Errorf("cross-site login POST: got %d, want 403", rec.Code)
	}
	doc := env.page(t, "/repos", c)
	if doc.Find(`#repo-`+id+` [data-testid="security-off"]`).Length() != 1 {
		t.Error("flag changed by a refused request")
	}
	if rec := env.do(t, http.MethodPost, "/repos/"+id+"/security", url.Values{"security": {"1"}}, c,
		map[string]string{"Sec-Fetch-Site": "same-origin"}); rec.Code != http.StatusSeeOther {
		t.Errorf("same-origin POST: got %d, want 303", rec.Code)
	}
}

func TestSecurityHeaders(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, adminName)
	for _, path := range []string{"/login", "/", "/hosts"} {
		rec := env.do(t, http.MethodGet, path, nil, c, nil)
		h := rec.Header()
		if !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'self'") ||
			!strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("GET %s: got headers %v, want CSP, nosniff and a referrer policy", path, h)
		}
	}
}

func TestDashboardAndActions(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, adminName)
	doc := env.page(t, "/", c)
	for key, want := range map[string]string{"hosts": "3", "security": "1", "bugfix": "1", "reboot": "1", "stale": "1", "failing": "1"} {
		if got := text(doc.Find(`[data-testid="stat-` + key + `"] .stat-value`)); got != want {
			t.Errorf("stat %s: got %q, want %q", key, got, want)
		}
	}
	if got := text(doc.Find(`[data-testid="dash-security"] li a`)); got != "web1.example.org" {
		t.Errorf("security list: got %q, want web1.example.org", got)
	}

	rec := env.do(t, http.MethodPost, "/actions/find-updates", url.Values{}, c, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/?msg=updates-found" || env.act.findUpdates != 1 {
		t.Errorf("find updates: got %d to %q, %d calls, want 303 to /?msg=updates-found and 1 call",
			rec.Code, rec.Header().Get("Location"), env.act.findUpdates)
	}
	id := repoIDByName(t, env, c, "Rocky Linux 9 - BaseOS")
	rec = env.do(t, http.MethodPost, "/repos/"+id+"/refresh", url.Values{}, c, nil)
	if rec.Code != http.StatusSeeOther || env.act.refreshed != 1 {
		t.Errorf("refresh: got %d, %d calls, want 303 and 1 call", rec.Code, env.act.refreshed)
	}
	env.srv.act.FindUpdates = func(context.Context) error { return errors.New("boom") }
	rec = env.do(t, http.MethodPost, "/actions/find-updates", url.Values{}, c, nil)
	if got := rec.Header().Get("Location"); got != "/?msg=updates-failed" {
		t.Errorf("failing action: got redirect %q, want /?msg=updates-failed", got)
	}
	env.srv.act = Actions{}
	rec = env.do(t, http.MethodPost, "/actions/process-reports", url.Values{}, c, nil)
	if got := rec.Header().Get("Location"); got != "/?msg=action-unavailable" {
		t.Errorf("nil action: got redirect %q, want /?msg=action-unavailable", got)
	}
	doc = env.page(t, "/?msg=%3Cscript%3E", c)
	if doc.Find(`[data-testid="flash"]`).Length() != 0 {
		t.Error("unknown msg key: want no flash")
	}
}

func TestRenderErrorIsClean500(t *testing.T) {
	env := newTestEnv(t)
	broken := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		io.WriteString(w, "<p>half a page")
		return errors.New("secret detail")
	})
	rec := httptest.NewRecorder()
	env.srv.render(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, broken)
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status: got %d, want 500", rec.Code)
	}
	if body := rec.Body.String(); strings.Contains(body, "half a page") || strings.Contains(body, "secret detail") {
		t.Errorf("body leaks the partial page or the error: %s", body)
	}
}
