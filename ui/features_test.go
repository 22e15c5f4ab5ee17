package ui

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"
)

// rows returns the trimmed cell texts of every row matching sel.
func rows(doc *goquery.Document, sel string) [][]string {
	var out [][]string
	doc.Find(sel).Each(func(_ int, tr *goquery.Selection) {
		var r []string
		tr.Find("td").Each(func(_ int, td *goquery.Selection) { r = append(r, strings.Join(strings.Fields(td.Text()), " ")) })
		out = append(out, r)
	})
	return out
}

func TestPackagesPages(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, viewerName)
	doc := env.page(t, "/packages?q=bas", c)
	if diff := cmp.Diff([][]string{{"bash", "deb rpm", "2", "3"}}, rows(doc, `[data-testid="package-name-row"]`)); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	// Versions newest first by the package type's rule, the newest of each type and arch marked;
	// then every host with its installed version, where it comes from and its pending update.
	doc = env.page(t, "/packages/bash", c)
	wantVersions := [][]string{
		{"5.2.15-2+b7 newest", "amd64", "0", "Debian bookworm main"},
		{"5.2.15-2+b2", "amd64", "2", "–"},
		{"5.1.8-9.el9 newest", "x86_64", "1", "–"},
	}
	if diff := cmp.Diff(wantVersions, rows(doc, `[data-testid="version-row"]`)); diff != "" {
		t.Errorf("bash versions (-want +got):\n%s", diff)
	}
	wantHosts := [][]string{
		{"db1.example.net", "5.1.8-9.el9", "x86_64", "none (from no repository)", "up to date"},
		{"web1.example.org", "5.2.15-2+b2", "amd64", "–", "bugfix: 5.2.15-2+b7"},
		{"web2.example.org", "5.2.15-2+b2", "amd64", "–", "bugfix: 5.2.15-2+b7"},
	}
	if diff := cmp.Diff(wantHosts, rows(doc, `[data-testid="package-host-row"]`)); diff != "" {
		t.Errorf("bash hosts (-want +got):\n%s", diff)
	}
	if href, _ := doc.Find(`[data-testid="package-host-row"] a`).First().Attr("href"); href != "/hosts/db1.example.net" {
		t.Errorf("host link: got %q", href)
	}
	if rec := env.do(t, http.MethodGet, "/packages/nosuch", nil, c, nil); rec.Code != http.StatusNotFound {
		t.Errorf("unknown package: got %d, want 404", rec.Code)
	}
}

func TestErrataAndCVEPages(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, viewerName)
	doc := env.page(t, "/errata?type=security", c)
	r := rows(doc, `[data-testid="erratum-row"]`)
	if len(r) != 1 || r[0][0] != "DSA-5900-1" || r[0][4] != "CVE-2026-1111 CVE-2026-2222" || r[0][6] != "1" {
		t.Errorf("security errata: got %q, want DSA-5900-1 with its CVEs and 1 affected host", r)
	}
	doc = env.page(t, "/errata/DSA-5900-1", c)
	if got := text(doc.Find(`[data-testid="affected-host"]`)); got != "web1.example.org" {
		t.Errorf("affected hosts: got %q, want web1.example.org", got)
	}
	if n := doc.Find(`[data-testid="erratum-cve"]`).Length(); n != 2 {
		t.Errorf("CVE links: got %d, want 2", n)
	}
	if doc.Find(`a[href^="javascript:"]`).Length() != 0 {
		t.Error("a javascript: reference URL from metadata must not become a link")
	}
	doc = env.page(t, "/cves/CVE-2026-2222", c)
	if got := text(doc.Find(`[data-testid="affected-host"]`)); got != "web1.example.org" {
		t.Errorf("CVE affected hosts: got %q", got)
	}
	doc = env.page(t, "/hosts/web1.example.org", c)
	e := doc.Find(`[data-package="openssl"] [data-testid="update-erratum"]`)
	if !strings.Contains(text(e), "DSA-5900-1") || e.Find(`[data-testid="update-cve"]`).Length() != 2 {
		t.Errorf("host page openssl update: got %q, want the advisory and 2 CVE links", text(e))
	}
	if rec := env.do(t, http.MethodGet, "/cves/CVE-1999-0001", nil, c, nil); rec.Code != http.StatusNotFound {
		t.Errorf("unknown CVE: got %d, want 404", rec.Code)
	}
}

func TestReportsPages(t *testing.T) {
	env := newTestEnv(t)
	op := env.session(t, operatorName)
	doc := env.page(t, "/reports?status=rejected", op)
	r := rows(doc, `[data-testid="report-row"]`)
	if len(r) != 1 || r[0][1] != "bad.example.org" || r[0][5] != "no packages in the report" {
		t.Fatalf("rejected reports: got %q", r)
	}
	if doc.Find(`[data-testid="report-requeue"]`).Length() != 1 {
		t.Error("want a reprocess button for the operator")
	}
	doc = env.page(t, "/reports/1", op)
	if got := text(doc.Find(`[data-testid="report-raw"]`)); got != "host=bad.example.org&os=" {
		t.Errorf("raw body: got %q", got)
	}
	// A rejected upload that never parsed has no payload to process again.
	if rec := env.do(t, http.MethodPost, "/reports/1/requeue", url.Values{}, op, nil); rec.Code != http.StatusNotFound {
		t.Errorf("requeue without payload: got %d, want 404", rec.Code)
	}
	if rec := env.do(t, http.MethodPost, "/reports/1/delete", url.Values{}, op, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("delete: got %d, want 303", rec.Code)
	}
	if n := env.page(t, "/reports", op).Find(`[data-testid="report-row"]`).Length(); n != 0 {
		t.Errorf("after delete: got %d reports, want 0", n)
	}
	assertAudit(t, env, "report.delete")
}

// assertAudit requires the newest audit entry to be action.
func assertAudit(t *testing.T, env *testEnv, action string) {
	t.Helper()
	log, err := env.db.AuditLog(t.Context(), 1)
	if err != nil || len(log) == 0 || log[0].Action != action {
		t.Errorf("audit log: got %v (%v), want newest %s", log, err, action)
	}
}

func TestBulkHostActions(t *testing.T) {
	env := newTestEnv(t)
	op := env.session(t, operatorName)
	post := func(form url.Values) {
		t.Helper()
		if rec := env.do(t, http.MethodPost, "/hosts/bulk", form, op, nil); rec.Code != http.StatusSeeOther {
			t.Fatalf("bulk %v: got %d, want 303; %s", form, rec.Code, rec.Body.String())
		}
	}
	post(url.Values{"action": {"tag"}, "tag": {"blue"}, "host": {"web2.example.org", "db1.example.net"}})
	if diff := cmp.Diff(map[string]string{"web2.example.org": "0/1", "db1.example.net": "0/0"},
		hostCounts(env.page(t, "/hosts?tag=blue", op))); diff != "" {
		t.Errorf("tagged hosts (-want +got):\n%s", diff)
	}
	assertAudit(t, env, "hosts.tag")
	post(url.Values{"action": {"find-updates"}, "host": {"web1.example.org"}})
	if env.act.findUpdates != 1 {
		t.Errorf("find updates: got %d runs, want 1", env.act.findUpdates)
	}
	post(url.Values{"action": {"delete"}, "host": {"db1.example.net"}})
	if _, ok := hostCounts(env.page(t, "/hosts", op))["db1.example.net"]; ok {
		t.Error("db1 still listed after delete")
	}
	if rec := env.do(t, http.MethodPost, "/hosts/bulk", url.Values{"action": {"tag"}, "host": {"web1.example.org"}}, op, nil); rec.Code != http.StatusBadRequest {
		t.Errorf("tag without a tag: got %d, want 400", rec.Code)
	}
	doc := env.page(t, "/hosts", op)
	if doc.Find(`[data-testid="bulk-form"]`).Length() != 1 || doc.Find(`[data-testid="host-check"]`).Length() != 2 {
		t.Error("operator: want the bulk form and a checkbox per host")
	}
	if env.page(t, "/hosts", env.session(t, viewerName)).Find(`[data-testid="bulk-form"]`).Length() != 0 {
		t.Error("viewer: want no bulk form")
	}
}

func TestCompareHosts(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, viewerName)
	doc := env.page(t, "/hosts/web1.example.org/compare?with=web2.example.org", c)
	if diff := cmp.Diff([][]string{{"openssl", "amd64", "3.0.11-1~deb12u1", "–"}}, rows(doc, `[data-testid="compare-row"]`)); diff != "" {
		t.Errorf("diff (-want +got):\n%s", diff)
	}
}

// readCSV GETs target and parses the CSV answer.
func readCSV(t *testing.T, env *testEnv, target string) [][]string {
	t.Helper()
	rec := env.do(t, http.MethodGet, target, nil, env.session(t, adminName), nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("GET %s: got %d %s", target, rec.Code, rec.Header().Get("Content-Type"))
	}
	recs, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestCSVExports(t *testing.T) {
	env := newTestEnv(t)
	tests := []struct {
		target    string
		wantRows  int // besides the header
		wantFirst string
	}{
		{"/hosts?security=yes&format=csv", 1, "web1.example.org"},
		{"/hosts?format=csv", 3, "db1.example.net"},
		{"/packages?q=bash&format=csv", 1, "bash"},
		{"/repos?format=csv", 3, "1"},
		{"/errata?format=csv", 2, "DSA-5900-1"},
		{"/cves?format=csv", 2, "CVE-2026-2222"},
		{"/reports?status=rejected&format=csv", 1, "#1"},
		{"/os?format=csv", 2, "Debian GNU/Linux 12 (bookworm)"},
		{"/admin/audit?format=csv", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			recs := readCSV(t, env, tt.target)
			if len(recs)-1 != tt.wantRows {
				t.Fatalf("got %d rows, want %d: %q", len(recs)-1, tt.wantRows, recs)
			}
			if tt.wantRows > 0 && recs[1][0] != tt.wantFirst {
				t.Errorf("first value: got %q, want %q", recs[1][0], tt.wantFirst)
			}
		})
	}
}

// apiDo sends an API request with a bearer key and decodes the JSON answer.
func apiDo(t *testing.T, env *testEnv, method, target, key, body string) (int, map[string]any) {
	t.Helper()
	hdr := map[string]string{"Content-Type": "application/json"}
	if key != "" {
		hdr["Authorization"] = "Bearer " + key
	}
	rec := env.doRaw(t, method, target, body, hdr)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: answer is not JSON: %v: %s", method, target, err, rec.Body.String())
	}
	return rec.Code, out
}

func TestAPIKeysAndRoles(t *testing.T) {
	env := newTestEnv(t)
	ctx := t.Context()
	viewerKey, _, err := env.db.CreateAPIKey(ctx, "ro", "api", "viewer")
	if err != nil {
		t.Fatal(err)
	}
	opKey, _, _ := env.db.CreateAPIKey(ctx, "ops", "api", "operator")
	patchmanKey, _, _ := env.db.CreateAPIKey(ctx, "upload", "patchman", "viewer")

	code, body := apiDo(t, env, http.MethodGet, "/api/v1/hosts?security=yes", viewerKey, "")
	if code != http.StatusOK || body["total"] != float64(1) {
		t.Errorf("hosts with a viewer key: got %d %v, want 200 and 1 host", code, body["total"])
	}
	for _, k := range []string{"", "nope.nope", patchmanKey} {
		if code, _ := apiDo(t, env, http.MethodGet, "/api/v1/hosts", k, ""); code != http.StatusUnauthorized {
			t.Errorf("key %q: got %d, want 401", k, code)
		}
	}
	if code, _ := apiDo(t, env, http.MethodPatch, "/api/v1/repos/1", viewerKey, `{"security":true}`); code != http.StatusForbidden {
		t.Errorf("viewer key patching a repo: got %d, want 403", code)
	}
	code, body = apiDo(t, env, http.MethodPatch, "/api/v1/repos/1", opKey, `{"security":true}`)
	if code != http.StatusOK || body["security"] != true {
		t.Errorf("operator key: got %d %v, want 200 and security on", code, body)
	}
	assertAudit(t, env, "repo.security")
	if code, _ := apiDo(t, env, http.MethodGet, "/api/v1/users", opKey, ""); code != http.StatusForbidden {
		t.Errorf("operator key listing users: got %d, want 403", code)
	}
	if code, _ := apiDo(t, env, http.MethodPatch, "/api/v1/repos/1", opKey, `{"bogus":1}`); code != http.StatusBadRequest {
		t.Errorf("unknown field: got %d, want 400", code)
	}
	code, body = apiDo(t, env, http.MethodGet, "/api/v1/hosts/web1.example.org", viewerKey, "")
	ups, _ := body["updates"].([]any)
	if code != http.StatusOK || len(ups) != 2 {
		t.Errorf("host detail: got %d with %d updates, want 200 and 2", code, len(ups))
	}
}

func TestAdminSecretsShownOnce(t *testing.T) {
	env := newTestEnv(t)
	admin := env.session(t, adminName)
	rec := env.do(t, http.MethodPost, "/admin/api-keys", url.Values{"name": {"ci"}, "kind": {"api"}, "role": {"operator"}}, admin, nil)
	shown := rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(shown, "/admin?show=") {
		t.Fatalf("create key: got %d to %q, want a redirect to the page that shows it", rec.Code, shown)
	}
	secret := text(env.page(t, shown, admin).Find(`[data-testid="secret-value"]`))
	if _, err := env.db.VerifyAPIKey(t.Context(), "api", secret); err != nil {
		t.Fatalf("the shown secret does not verify: %v", err)
	}
	if strings.Contains(shown, secret) {
		t.Errorf("the redirect %q carries the secret", shown)
	}
	for _, target := range []string{"/admin", shown} {
		if page := env.do(t, http.MethodGet, target, nil, admin, nil).Body.String(); strings.Contains(page, secret) {
			t.Errorf("GET %s (a reload) shows the secret again", target)
		}
	}
	if keys, _ := env.db.APIKeys(t.Context()); len(keys) != 1 {
		t.Errorf("after one create and reloads: got %d keys, want 1", len(keys))
	}
	rec = env.do(t, http.MethodPost, "/admin/enroll-tokens", url.Values{"name": {"lab"}}, admin, nil)
	shown = rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create enrollment token: got %d, want 303", rec.Code)
	}
	if text(env.page(t, shown, admin).Find(`[data-testid="secret-value"]`)) == "" {
		t.Error("create enrollment token: want the token shown after the redirect")
	}
	if rec := env.do(t, http.MethodPost, "/admin/users", url.Values{"name": {"nia"}, "password": {"short"}, "role": {"viewer"}}, admin, nil); rec.Code != http.StatusBadRequest {
		t.Errorf("short password: got %d, want 400", rec.Code)
	}
	users, _ := env.db.Users(t.Context())
	for _, u := range users {
		if u.Name == adminName {
			if rec := env.do(t, http.MethodPost, "/admin/users/"+id64(u.ID)+"/role", url.Values{"role": {"viewer"}}, admin, nil); rec.Code != http.StatusConflict {
				t.Errorf("demoting the last admin: got %d, want 409", rec.Code)
			}
		}
	}
}

func TestOSGroups(t *testing.T) {
	env := newTestEnv(t)
	op := env.session(t, operatorName)
	if rec := env.do(t, http.MethodPost, "/os/groups", url.Values{"name": {"Lab machines"}}, op, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("create group: got %d", rec.Code)
	}
	vs, _ := env.db.OSVariants(t.Context())
	gs, _ := env.db.OSGroups(t.Context())
	var deb, group int64
	for _, v := range vs {
		if strings.HasPrefix(v.Name, "Debian") {
			deb = v.ID
		}
	}
	for _, g := range gs {
		if g.Name == "Lab machines" {
			group = g.ID
		}
	}
	if rec := env.do(t, http.MethodPost, "/os/variants/"+id64(deb)+"/group", url.Values{"group": {id64(group)}}, op, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("assign variant: got %d", rec.Code)
	}
	if rec := env.do(t, http.MethodPost, "/os/groups/"+id64(group)+"/repos", url.Values{"repo": {"1", "2"}}, op, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("attach repos: got %d %s", rec.Code, rec.Body.String())
	}
	doc := env.page(t, "/os", op)
	g := doc.Find(`#group-` + id64(group))
	if n := g.Find(`input[name="repo"][checked]`).Length(); n != 2 {
		t.Errorf("group repos: got %d checked, want 2", n)
	}
	if got := text(doc.Find(`[data-testid="variant-row"][data-variant^="Debian"] option[selected]`)); got != "Lab machines" {
		t.Errorf("variant group: got %q", got)
	}
	if n := hostCounts(env.page(t, "/hosts?os=Lab+machines", op)); len(n) != 2 {
		t.Errorf("hosts in group: got %v, want web1 and web2", n)
	}
}
