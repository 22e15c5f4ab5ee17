package ui

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"patchward/store"
)

// Strings from reports and repository metadata are outside input: whatever they contain (HTML,
// quotes, SQL, control characters, huge lines, unicode), every page, CSV and JSON answer shows
// them as text and nothing of them runs or breaks the page.
func TestHostileStringsShownEscaped(t *testing.T) {
	env := newTestEnv(t)
	ctx := t.Context()
	const script = `<script>alert(1)</script>`
	const img = `<img src=x onerror=alert(2)>`
	huge := strings.Repeat("A", 20000)
	_, err := env.db.ApplyHostReport(ctx, 0, store.HostReport{
		Hostname: "evil.example.org",
		OS:       script + ` "double" 'single' ; DROP TABLE hosts; -- Ünïcødé 🚀`,
		Kernel:   "6.1.0\x1b[31m-red\x00nul",
		Arch:     "x86_64" + img,
		Tags:     []string{img, `"><svg onload=alert(3)>`, "tag\u202eevil"},
		Packages: []store.PackageKey{{Type: "deb", Name: "pkg" + script, Arch: "amd64", Version: "1.0" + huge, Release: "1"}},
		Repos: []store.ReportedRepo{{Type: "deb", Name: `</td></tr>` + script, Priority: 500,
			URLs: []string{"http://mirror.example.org/debian/dists/x/main/binary-amd64?a=" + img}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	admin := env.session(t, adminName)
	for _, target := range []string{"/", "/hosts", "/hosts?q=%3Cscript%3E", "/hosts/evil.example.org", "/repos",
		"/packages", "/hosts?format=csv", "/repos?format=csv", "/api/v1/hosts", "/api/v1/hosts/evil.example.org"} {
		rec := env.do(t, http.MethodGet, target, nil, admin, map[string]string{"Accept-Encoding": "identity"})
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: got %d, want 200", target, rec.Code)
			continue
		}
		body := rec.Body.String()
		if strings.Contains(target, "format=csv") {
			// CSV is data, served as text/csv: the text stays as it was (formulas defused).
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Errorf("GET %s: got Content-Type %q, want text/csv", target, ct)
			}
		} else {
			for _, raw := range []string{script, img, "<svg onload"} {
				if strings.Contains(body, raw) {
					t.Errorf("GET %s: the raw markup %q reached the answer", target, raw)
				}
			}
		}
		if strings.ContainsRune(body, 0) || strings.Contains(body, "\x1b") || strings.ContainsRune(body, '\u202e') {
			t.Errorf("GET %s: a control character reached the answer", target)
		}
		if strings.HasPrefix(target, "/api/") && !json.Valid(rec.Body.Bytes()) {
			t.Errorf("GET %s: not valid JSON", target)
		}
	}
	doc := env.page(t, "/hosts/evil.example.org", admin)
	if !strings.Contains(doc.Text(), script) {
		t.Error("the OS string is not shown as text on the host page")
	}
	if hosts, _, err := env.db.Hosts(ctx, store.HostFilter{}); err != nil || len(hosts) < 2 {
		t.Errorf("after the SQL-looking strings: got %d hosts, %v", len(hosts), err)
	}
}
