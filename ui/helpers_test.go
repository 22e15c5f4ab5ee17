package ui

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"patchward/store"
	"patchward/updates"
)

// testNow is the store clock in UI tests.
var testNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

const (
	adminName, adminPassword   = "alice", "correct horse battery"
	viewerName, viewerPassword = "victor", "viewer password"
	operatorName               = "oscar"
)

// testEnv is a UI handler over a real database holding a small fleet.
type testEnv struct {
	db  *store.DB
	srv *server
	h   http.Handler
	act *actionLog
}

// actionLog records which Actions the UI called.
type actionLog struct{ refreshed, findUpdates, processReports int }

// template is a database with the users and the fleet, built once per test binary: building
// it hashes passwords with argon2, which is slow by design (and ~10x slower under -race).
var template = struct {
	once sync.Once
	path string
	err  error
}{}

func templateDB() (string, error) {
	template.once.Do(func() {
		dir, err := os.MkdirTemp("", "patchward-ui-test")
		if err != nil {
			template.err = err
			return
		}
		template.path = filepath.Join(dir, "template.db")
		template.err = buildTemplate(template.path)
	})
	return template.path, template.err
}

func buildTemplate(path string) error {
	ctx := context.Background()
	// Not a test's database (it is built once for all of them), but with OpenTest's cheap
	// password cost: the users' hashes carry it, so every login of every test is cheap too.
	db, err := store.Open(ctx, path, store.WithPasswordCost(1, 64), store.WithClock(func() time.Time { return testNow }))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.CreateUser(ctx, adminName, adminPassword, "admin"); err != nil {
		return err
	}
	if _, err := db.CreateUser(ctx, viewerName, viewerPassword, "viewer"); err != nil {
		return err
	}
	if _, err := db.CreateUser(ctx, operatorName, "operator password", "operator"); err != nil {
		return err
	}
	if err := seedFleet(db); err != nil {
		return err
	}
	if _, err := db.SaveRejectedReport(ctx, store.Report{Protocol: "1", Hostname: "bad.example.org", RemoteAddr: "192.0.2.9"},
		"no packages in the report", []byte("host=bad.example.org&os=")); err != nil {
		return err
	}
	db.Close()
	return seedErrata(path)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if template.path != "" {
		os.RemoveAll(filepath.Dir(template.path))
	}
	os.Exit(code)
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	src, err := templateDB()
	if err != nil {
		t.Fatalf("build template database: %v", err)
	}
	body, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ui.db")
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	db := store.OpenTestFile(t, path, store.WithClock(func() time.Time { return testNow }))
	env := &testEnv{db: db, act: &actionLog{}}
	acts := Actions{
		RefreshRepo:    func(context.Context, int64) error { env.act.refreshed++; return nil },
		FindUpdates:    func(context.Context) error { env.act.findUpdates++; return nil },
		ProcessReports: func(context.Context) error { env.act.processReports++; return nil },
	}
	env.srv = newServer(db, Options{StaleDays: 14}, slog.New(slog.NewTextHandler(io.Discard, nil)), acts)
	env.h = env.srv.routes()
	return env
}

// session starts a session for a user directly, skipping the (deliberately slow) password check,
// for tests that are not about logging in.
func (e *testEnv) session(t *testing.T, name string) *http.Cookie {
	t.Helper()
	token, err := e.db.CreateSession(t.Context(), e.userID(t, name), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: sessionCookie, Value: token}
}

// userID returns the id of the named test user.
func (e *testEnv) userID(t *testing.T, name string) int64 {
	t.Helper()
	users, err := e.db.Users(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Name == name {
			return u.ID
		}
	}
	t.Fatalf("no user %s", name)
	return 0
}

// do sends one request through the handler; cookie may be nil.
func (e *testEnv) do(t *testing.T, method, target string, form url.Values, cookie *http.Cookie, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// page GETs target with cookie, requires a 200 and parses the HTML.
func (e *testEnv) page(t *testing.T, target string, cookie *http.Cookie) *goquery.Document {
	t.Helper()
	rec := e.do(t, http.MethodGet, target, nil, cookie, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: got status %d, want 200; body:\n%s", target, rec.Code, rec.Body.String())
	}
	return parseHTML(t, rec)
}

func parseHTML(t *testing.T, rec *httptest.ResponseRecorder) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func pkg(typ, name, arch, version, release string) store.PackageKey {
	return store.PackageKey{Type: typ, Name: name, Arch: arch, Version: version, Release: release}
}

const (
	debMain     = "http://mirror.example.org/debian/dists/bookworm/main/binary-amd64"
	debSecurity = "http://security.example.org/debian-security/dists/bookworm-security/main/binary-amd64"
	rockyBase   = "https://rocky.example.org/pub/rocky/9/BaseOS/x86_64/os"
)

// seedFleet builds a small fleet through the store's own write path: hosts from reports,
// mirror contents from refreshes, and updates saved as update finding would.
func seedFleet(db *store.DB) error {
	ctx := context.Background()
	debRepos := []store.ReportedRepo{
		{Type: "deb", Name: "Debian bookworm main", Priority: 500, URLs: []string{debMain}},
		{Type: "deb", Name: "Debian bookworm-security main", Priority: 500, URLs: []string{debSecurity}},
	}
	reports := []store.HostReport{
		{Hostname: "web1.example.org", OS: "Debian GNU/Linux 12 (bookworm)", Kernel: "6.1.0-26-amd64", Arch: "amd64",
			Tags: []string{"web", "prod"}, Reboot: true, Repos: debRepos, Packages: []store.PackageKey{
				pkg("deb", "openssl", "amd64", "3.0.11", "1~deb12u1"), pkg("deb", "bash", "amd64", "5.2.15", "2+b2"),
				pkg("deb", "curl", "amd64", "7.88.1", "10+deb12u5")}},
		{Hostname: "web2.example.org", OS: "Debian GNU/Linux 12 (bookworm)", Kernel: "6.1.0-28-amd64", Arch: "amd64",
			Tags: []string{"web"}, Repos: debRepos[:1], Packages: []store.PackageKey{
				pkg("deb", "bash", "amd64", "5.2.15", "2+b2"), pkg("deb", "curl", "amd64", "7.88.1", "10+deb12u5")}},
		{Hostname: "db1.example.net", OS: "Rocky Linux 9.4 (Blue Onyx)", Kernel: "5.14.0-427.13.1.el9_4.x86_64", Arch: "x86_64",
			Received: testNow.Add(-30 * 24 * time.Hour),
			Repos:    []store.ReportedRepo{{Type: "rpm", Name: "Rocky Linux 9 - BaseOS", Ident: "baseos", Priority: -99, URLs: []string{rockyBase}}},
			Packages: []store.PackageKey{pkg("rpm", "bash", "x86_64", "5.1.8", "9.el9")}},
	}
	for _, r := range reports {
		if _, err := db.ApplyHostReport(ctx, 0, r); err != nil {
			return fmt.Errorf("apply %s: %w", r.Hostname, err)
		}
	}
	mirrors, err := db.MirrorsToRefresh(ctx, 0)
	if err != nil {
		return err
	}
	offered := map[string][]store.PackageKey{
		debMain:     {pkg("deb", "bash", "amd64", "5.2.15", "2+b7"), pkg("deb", "zsh", "amd64", "5.9", "4+b1")},
		debSecurity: {pkg("deb", "openssl", "amd64", "3.0.15", "1~deb12u1")},
	}
	for _, m := range mirrors {
		if m.URL == rockyBase {
			if _, err := db.MirrorFailed(ctx, m.ID, "GET repomd.xml: 503 Service Unavailable", 10); err != nil {
				return err
			}
			continue
		}
		meta := store.MirrorMeta{Checksum: "sha256:" + m.URL, Freshness: testNow.Add(-50 * time.Hour)}
		if _, err := db.SaveMirrorPackages(ctx, m.ID, offered[m.URL], nil, meta); err != nil {
			return err
		}
	}
	return computeUpdates(db)
}

// computeUpdates is update finding, by the real finder (updates and packages from no
// repository).
func computeUpdates(db *store.DB) error {
	ctx := context.Background()
	ids, err := db.DirtyComputations(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		in, err := db.ComputationInput(ctx, id)
		if err != nil {
			return err
		}
		if err := db.SaveComputation(ctx, in.Result(updates.FindLocal(updates.InputFrom(in)))); err != nil {
			return err
		}
	}
	return nil
}

// doRaw sends a request with a raw body and headers.
func (e *testEnv) doRaw(t *testing.T, method, target, body string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}
