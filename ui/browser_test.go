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

func TestBrowser(t *testing.T) {
	env := newTestEnv(t)
	bctx, console := browser(t)
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
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
	if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="host-row"]').length`)); n != 3 {
		t.Errorf("host rows: got %d, want 3", n)
	}
	shot(t, ctx, dir, "02-hosts")

	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-host="web1.example.org"] [data-testid="host-link"]`)), visible("updates-table"))
	if name := run(t, ctx, chromedp.Text(chromedp.CSS(`[data-testid="host-name"]`))); name != "web1.example.org" {
		t.Errorf("host page: got %q, want web1.example.org", name)
	}
	if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="update-row"]').length`)); n != 2 {
		t.Errorf("update rows: got %d, want 2", n)
	}
	shot(t, ctx, dir, "03-host")

	do(t, ctx, chromedp.Navigate(ts.URL+"/repos"), visible("mirrors-table"))
	shot(t, ctx, dir, "04-repos")
	// htmx swaps the toggle in place: this shows htmx runs under our CSP.
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="security-off"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="security-toggle"] small`)))
	if loc := run(t, ctx, chromedp.Evaluate[string](`location.pathname + location.search`)); loc != "/repos" {
		t.Errorf("after the htmx toggle: got location %q, want to stay on /repos", loc)
	}
	log, err := env.db.AuditLog(t.Context(), 5)
	if err != nil || len(log) == 0 || log[0].Action != "repo.security" {
		t.Errorf("audit after toggling in the browser: got %+v, %v", log, err)
	}

	do(t, ctx, chromedp.Navigate(ts.URL+"/"), visible("stats"))
	shot(t, ctx, dir, "05-dashboard")
	do(t, ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(ts.URL+"/hosts"), visible("hosts-table"))
	shot(t, ctx, dir, "06-hosts-mobile")
	do(t, ctx, chromedp.Navigate(ts.URL+"/hosts/web1.example.org"), visible("updates-table"))
	shot(t, ctx, dir, "07-host-mobile")
	dark := emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, dark); err != nil {
		t.Fatalf("emulate dark scheme: %v", err)
	}
	do(t, ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(ts.URL+"/"), visible("stats"))
	shot(t, ctx, dir, "08-dashboard-dark")
	do(t, ctx, chromedp.Navigate(ts.URL+"/hosts/web1.example.org"), visible("updates-table"))
	shot(t, ctx, dir, "09-host-dark")

	for _, m := range console() {
		if m.IsException() || m.Type == chromedp.ConsoleError || strings.Contains(m.Text, "Content Security Policy") {
			t.Errorf("browser console: %s (%s)", m, m.URL)
		}
	}
}
