package ui

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserConfirmSteps: in a real browser a delete takes two clicks, the second on a button
// that only the first shows, and the bulk delete goes through its review page.
func TestBrowserConfirmSteps(t *testing.T) {
	env := newTestEnv(t)
	bctx, console := browser(t)
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	ts := httptest.NewServer(env.h)
	t.Cleanup(ts.Close)
	do(t, ctx, chromedp.Navigate(ts.URL+"/login"), visible("login-form"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="username"]`), adminName),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="password"]`), adminPassword),
		chromedp.Click(chromedp.CSS(`[data-testid="login-submit"]`)), visible("stats"))

	do(t, ctx, chromedp.Navigate(ts.URL+"/hosts/db1.example.net"), visible("host-delete"))
	shown := `document.querySelector('[data-testid="host-delete-button"]').checkVisibility()`
	if run(t, ctx, chromedp.Evaluate[bool](shown)) {
		t.Fatal("the delete button shows before the confirm step is opened")
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="host-delete"] summary`)), visible("host-delete-button"),
		chromedp.Click(chromedp.CSS(`[data-testid="host-delete-button"]`)), visible("hosts-table"))
	if n := rowCount(t, ctx, "host-row"); n != 2 {
		t.Errorf("after the confirmed delete: %d host rows, want 2", n)
	}

	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-host="web2.example.org"] [data-testid="host-check"]`)),
		chromedp.SetValue(chromedp.CSS(`[data-testid="bulk-action"]`), "delete-review"),
		chromedp.Click(chromedp.CSS(`[data-testid="bulk-submit"]`)), visible("bulk-delete-names"))
	if got := run(t, ctx, chromedp.Text(chromedp.CSS(`[data-testid="bulk-delete-name"]`))); got != "web2.example.org" {
		t.Errorf("review page names %q, want web2.example.org", got)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="bulk-delete-confirm"]`)), visible("hosts-table"))
	if n := rowCount(t, ctx, "host-row"); n != 1 {
		t.Errorf("after the reviewed bulk delete: %d host rows, want 1", n)
	}
	for _, m := range console() {
		if m.IsException() || m.Type == chromedp.ConsoleError {
			t.Errorf("browser console: %s (%s)", m, m.URL)
		}
	}
}
