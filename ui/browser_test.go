package ui

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// shotsDir is where screenshots are copied so people can look at them after a run.
const shotsDir = "/tmp/patchward-shots"

// browser starts a headless chromium for t, or skips when it is missing (fails instead when
// PATCHWARD_REQUIRE_TOOLS=1). The returned func stops collecting console messages and returns them.
func browser(t *testing.T) (context.Context, func() []chromedp.ConsoleMessage) {
	t.Helper()
	if _, err := exec.LookPath(chromiumPath); err != nil {
		if os.Getenv("PATCHWARD_REQUIRE_TOOLS") == "1" {
			t.Fatalf("chromium required: %v", err)
		}
		t.Skipf("chromium not installed at %s: %v", chromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// Start the browser before any deadline: a timeout on the first Run would stop it.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	consoleCtx, stop := context.WithCancel(ctx)
	msgs := chromedp.Console(consoleCtx)
	var mu sync.Mutex
	var got []chromedp.ConsoleMessage
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			mu.Lock()
			got = append(got, m)
			mu.Unlock()
		}
	}()
	t.Cleanup(stop)
	return ctx, func() []chromedp.ConsoleMessage {
		stop()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return got
	}
}

// shot takes a full-page screenshot into dir and copies it to shotsDir.
func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shotsDir, 0o755); err == nil {
		os.WriteFile(filepath.Join(shotsDir, name+".png"), buf, 0o644)
	}
}

func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

func visible(testid string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(`[data-testid="` + testid + `"]`))
}

func statValue(t *testing.T, ctx context.Context, key string) string {
	t.Helper()
	return strings.TrimSpace(run(t, ctx, chromedp.Text(chromedp.CSS(`[data-testid="stat-`+key+`"] .stat-value`))))
}

func rowCount(t *testing.T, ctx context.Context, testid string) int {
	t.Helper()
	return run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="`+testid+`"]').length`))
}

func TestBrowser(t *testing.T) {
	env := newTestEnv(t)
	// Update finding for real (the test stand-in), so marking a repository as security shows
	// in the counts after "Find updates now".
	env.srv.act.FindUpdates = func(context.Context) error { return computeUpdates(env.db) }
	env.h = env.srv.routes()
	bctx, console := browser(t)
	ctx, cancel := context.WithTimeout(bctx, 150*time.Second)
	defer cancel()
	ts := httptest.NewServer(env.h)
	t.Cleanup(ts.Close)
	dir := t.TempDir()

	do(t, ctx, chromedp.Navigate(ts.URL+"/hosts"), visible("login-form"))
	if loc := run(t, ctx, chromedp.Location()); !strings.Contains(loc, "/login?next=%2Fhosts") {
		t.Errorf("unauthenticated visit: got %q, want the login page with next=/hosts", loc)
	}
	shot(t, ctx, dir, "01-login")
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-testid="username"]`), adminName),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="password"]`), adminPassword),
		chromedp.Click(chromedp.CSS(`[data-testid="login-submit"]`)),
		visible("hosts-table"))
	if n := rowCount(t, ctx, "host-row"); n != 3 {
		t.Errorf("host rows: got %d, want 3", n)
	}
	shot(t, ctx, dir, "02-hosts")

	// Filter with the form, as a person would.
	do(t, ctx, chromedp.SetValue(chromedp.CSS(`[data-testid="filter-security"]`), "yes"),
		chromedp.Click(chromedp.CSS(`[data-testid="filter-submit"]`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/hosts"][role="button"]`)))
	if n := rowCount(t, ctx, "host-row"); n != 1 {
		t.Errorf("filtered by security updates: got %d rows, want 1", n)
	}
	shot(t, ctx, dir, "03-hosts-filtered")

	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-host="web1.example.org"] [data-testid="host-link"]`)), visible("updates-table"))
	if name := run(t, ctx, chromedp.Text(chromedp.CSS(`[data-testid="host-name"]`))); name != "web1.example.org" {
		t.Errorf("host page: got %q, want web1.example.org", name)
	}
	if n := rowCount(t, ctx, "update-row"); n != 2 {
		t.Errorf("update rows: got %d, want 2", n)
	}
	// htmx loads the package list in place.
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="show-packages"]`)), visible("packages-table"))
	if loc := run(t, ctx, chromedp.Evaluate[string](`location.search`)); loc != "" {
		t.Errorf("packages via htmx: got location search %q, want to stay on the page", loc)
	}
	shot(t, ctx, dir, "04-host")

	do(t, ctx, chromedp.Navigate(ts.URL+"/"), visible("stats"))
	if got := statValue(t, ctx, "security"); got != "1" {
		t.Errorf("security stat before: got %q, want 1", got)
	}
	do(t, ctx, chromedp.Navigate(ts.URL+"/repos"), visible("mirrors-table"))
	shot(t, ctx, dir, "05-repos")
	// htmx swaps the toggle in place: this shows htmx runs under our CSP. The first repo by
	// name is Debian bookworm main, whose bash update web1 and web2 both have.
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="security-off"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="security-toggle"] small`)))
	if loc := run(t, ctx, chromedp.Evaluate[string](`location.pathname + location.search`)); loc != "/repos" {
		t.Errorf("after the htmx toggle: got location %q, want to stay on /repos", loc)
	}
	log, err := env.db.AuditLog(t.Context(), 5)
	if err != nil || len(log) == 0 || log[0].Action != "repo.security" {
		t.Errorf("audit after toggling in the browser: got %+v, %v", log, err)
	}
	do(t, ctx, chromedp.Navigate(ts.URL+"/"), visible("find-updates"), chromedp.Click(chromedp.CSS(`[data-testid="find-updates"]`)), visible("flash"))
	if got := statValue(t, ctx, "security"); got != "2" {
		t.Errorf("security stat after marking the repo and finding updates: got %q, want 2", got)
	}
	shot(t, ctx, dir, "06-dashboard")

	pages := []struct{ name, path, testid string }{
		{"07-packages", "/packages", "packages-table"},
		{"08-package", "/packages/bash", "versions-table"},
		{"09-errata", "/errata", "errata-table"},
		{"10-erratum", "/errata/DSA-5900-1", "erratum-refs"},
		{"11-cve", "/cves/CVE-2026-1111", "cve-errata"},
		{"12-reports", "/reports", "reports-table"},
		{"13-report", "/reports/1", "report-raw"},
		{"14-os", "/os", "variants-table"},
		{"15-admin", "/admin", "users-table"},
		{"16-audit", "/admin/audit", "audit-table"},
		{"17-compare", "/hosts/web1.example.org/compare?with=web2.example.org", "compare-table"},
		{"18-account", "/account", "account-details"},
	}
	for _, p := range pages {
		do(t, ctx, chromedp.Navigate(ts.URL+p.path), chromedp.WaitReady(chromedp.CSS(`[data-testid="`+p.testid+`"]`)))
		shot(t, ctx, dir, p.name)
	}
	do(t, ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(ts.URL+"/hosts"), visible("hosts-table"))
	checkWidth(t, ctx, 390, "hosts")
	checkNav(t, ctx, 390, "hosts on a phone")
	shot(t, ctx, dir, "20-hosts-mobile")
	do(t, ctx, chromedp.Navigate(ts.URL+"/hosts/web1.example.org"), visible("updates-table"))
	checkWidth(t, ctx, 390, "host")
	checkNav(t, ctx, 390, "host on a phone")
	shot(t, ctx, dir, "21-host-mobile")
	do(t, ctx, chromedp.Navigate(ts.URL+"/"), visible("stats"))
	checkWidth(t, ctx, 390, "dashboard")
	checkNav(t, ctx, 390, "dashboard on a phone")
	shot(t, ctx, dir, "22-dashboard-mobile")
	do(t, ctx, chromedp.Navigate(ts.URL+"/repos"), visible("mirrors-table"))
	checkWidth(t, ctx, 390, "repos")
	checkNav(t, ctx, 390, "repos on a phone")
	shot(t, ctx, dir, "23-repos-mobile")
	dark := emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, dark); err != nil {
		t.Fatalf("emulate dark scheme: %v", err)
	}
	do(t, ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(ts.URL+"/"), visible("stats"))
	shot(t, ctx, dir, "30-dashboard-dark")
	do(t, ctx, chromedp.Navigate(ts.URL+"/hosts/web1.example.org"), visible("updates-table"))
	shot(t, ctx, dir, "31-host-dark")
	do(t, ctx, chromedp.Navigate(ts.URL+"/admin"), visible("users-table"))
	shot(t, ctx, dir, "32-admin-dark")
	do(t, ctx, chromedp.Navigate(ts.URL+"/errata/DSA-5900-1"), visible("erratum-refs"))
	shot(t, ctx, dir, "33-erratum-dark")

	for _, m := range console() {
		if m.IsException() || m.Type == chromedp.ConsoleError || strings.Contains(m.Text, "Content Security Policy") {
			t.Errorf("browser console: %s (%s)", m, m.URL)
		}
	}
}
