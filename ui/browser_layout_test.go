package ui

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"patchward/store"
)

// longRepo is a repository named the way patchman-client and our agent name apt sources: long,
// with an unbreakable URL in it. It shows the layout defects short names hide.
const (
	longRepoURL  = "http://mirror2.example.org/debian/dists/bookworm/main/binary-amd64"
	longRepoName = "Debian 12 amd64 repo at " + longRepoURL
	updatesURL   = "http://mirror3.example.org/debian/dists/bookworm-updates/main/binary-amd64"
)

// vimTiny is vim-tiny at a release of Debian 12's 2:9.0.1378: a long version that cannot break.
func vimTiny(release string) store.PackageKey {
	k := pkg("deb", "vim-tiny", "amd64", "9.0.1378", release)
	k.Epoch = "2"
	return k
}

// addLongRepoHost adds web3 with two long-named repositories. longRepo's mirror serves the same
// index as Debian bookworm main, so the repositories page suggests linking the two, and web3's
// bash update comes from it; bookworm-updates brings updates with long names and versions.
func addLongRepoHost(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := t.Context()
	_, err := db.ApplyHostReport(ctx, 0, store.HostReport{Hostname: "web3.example.org", OS: "Debian GNU/Linux 12 (bookworm)",
		Kernel: "6.1.0-28-amd64", Arch: "amd64", Packages: []store.PackageKey{pkg("deb", "bash", "amd64", "5.2.15", "2+b2"),
			pkg("deb", "linux-image-6.1.0-28-cloud-amd64", "amd64", "6.1.119", "1"), vimTiny("2+deb12u1")},
		Repos: []store.ReportedRepo{{Type: "deb", Name: longRepoName, Priority: 500, URLs: []string{longRepoURL}},
			{Type: "deb", Name: "Debian 12 amd64 repo at " + updatesURL, Priority: 500, URLs: []string{updatesURL}}}})
	if err != nil {
		t.Fatal(err)
	}
	mirrors, err := db.MirrorsToRefresh(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	offered := map[string][]store.PackageKey{
		longRepoURL: {pkg("deb", "bash", "amd64", "5.2.15", "2+b7"), pkg("deb", "zsh", "amd64", "5.9", "4+b1")},
		updatesURL: {pkg("deb", "linux-image-6.1.0-28-cloud-amd64", "amd64", "6.1.123", "1"),
			vimTiny("2+deb12u2")},
	}
	for _, m := range mirrors {
		if pkgs, ok := offered[m.URL]; ok {
			if _, err := db.SaveMirrorPackages(ctx, m.ID, pkgs, nil, store.MirrorMeta{Checksum: m.URL, Freshness: testNow.Add(-time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := computeUpdates(db); err != nil {
		t.Fatal(err)
	}
}

// login signs in as the admin through the login form.
func login(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	do(t, ctx, chromedp.Navigate(base+"/login"), visible("login-form"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="username"]`), adminName),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="password"]`), adminPassword),
		chromedp.Click(chromedp.CSS(`[data-testid="login-submit"]`)),
		visible("stats"))
}

// setScheme emulates prefers-color-scheme.
func setScheme(t *testing.T, ctx context.Context, scheme string) {
	t.Helper()
	media := emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, media); err != nil {
		t.Fatalf("emulate %s scheme: %v", scheme, err)
	}
}

// layoutPages are the pages the layout test visits, with an element that shows each is ready.
var layoutPages = []struct{ name, path, testid string }{
	{"dashboard", "/", "stats"},
	{"hosts", "/hosts", "hosts-table"},
	{"host", "/hosts/web1.example.org", "updates-table"},
	{"host-long-repo", "/hosts/web3.example.org", "updates-table"},
	{"host-packages", "/hosts/web1.example.org?packages=1", "packages-table"},
	{"compare", "/hosts/web1.example.org/compare?with=web2.example.org", "compare-table"},
	{"packages", "/packages", "packages-table"},
	{"package", "/packages/bash", "versions-table"},
	{"package-hosts", "/packages/openssl", "package-hosts-table"},
	{"updates", "/updates", "updates-table"},
	{"updates-filtered", "/updates?security=yes&package=openssl", "updates-table"},
	{"orphaned", "/packages?orphaned=1", "orphaned-table"},
	{"hosts-pending", "/hosts?pending=openssl", "hosts-table"},
	{"repos", "/repos", "mirrors-table"},
	{"os", "/os", "variants-table"},
	{"errata", "/errata", "errata-table"},
	{"erratum", "/errata/DSA-5900-1", "erratum-refs"},
	{"cves", "/cves", "cves-table"},
	{"cve", "/cves/CVE-2026-1111", "cve-errata"},
	{"reports", "/reports", "reports-table"},
	{"report", "/reports/1", "report-raw"},
	{"admin", "/admin", "users-table"},
	{"audit", "/admin/audit", "audit-table"},
	{"account", "/account", "account-details"},
	{"not-found", "/hosts/nope", "error"},
	{"past-end", "/hosts?page=999", "past-end"},
	{"past-end-list", "/errata?page=999", "past-end"},
}

// TestBrowserLayout visits every page at a desktop and a phone width, light and dark, and
// checks the layout defects of issue 17: pages wider than the viewport, navigation items out of
// reach, tables without captions, overlapping labels, clipped buttons, unreadable text.
func TestBrowserLayout(t *testing.T) {
	env := newTestEnv(t)
	addLongRepoHost(t, env.db)
	bctx, console := browser(t)
	ctx, cancel := context.WithTimeout(bctx, 240*time.Second)
	defer cancel()
	ts := httptest.NewServer(env.h)
	t.Cleanup(ts.Close)
	dir := t.TempDir()
	do(t, ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(ts.URL+"/login"), visible("login-form"))
	checkWidth(t, ctx, 390, "login at 390 px")
	login(t, ctx, ts.URL)

	for _, width := range []int{1366, 390} {
		for _, scheme := range []string{"light", "dark"} {
			setScheme(t, ctx, scheme)
			do(t, ctx, chromedp.EmulateViewport(int64(width), 844))
			for _, p := range layoutPages {
				name := fmt.Sprintf("%s at %d px, %s", p.name, width, scheme)
				do(t, ctx, chromedp.Navigate(ts.URL+p.path), chromedp.WaitReady(chromedp.CSS(`[data-testid="`+p.testid+`"]`)))
				checkWidth(t, ctx, width, name)
				if bad := run(t, ctx, chromedp.Evaluate[[]string](captionsJS)); len(bad) > 0 {
					t.Errorf("%s: tables without a caption: %v", name, bad)
				}
				checkContrast(t, ctx, name)
				if bad := run(t, ctx, chromedp.Evaluate[[]string](pluralJS)); len(bad) > 0 {
					t.Errorf("%s: counts that disagree with their noun: %v", name, bad)
				}
				checkPageLayout(t, ctx, p.name, width, name)
				if scheme == "light" {
					checkNav(t, ctx, width, name)
				}
				shot(t, ctx, dir, fmt.Sprintf("layout-%d-%s-%s", width, scheme, p.name))
			}
		}
	}
	checkKeyboard(t, ctx, ts.URL)

	for _, m := range console() {
		if strings.HasSuffix(m.URL, "/hosts/nope") && strings.Contains(m.Text, "404") {
			continue // the not-found page, visited on purpose
		}
		if m.IsException() || m.Type == chromedp.ConsoleError || strings.Contains(m.Text, "Content Security Policy") {
			t.Errorf("browser console: %s (%s)", m, m.URL)
		}
	}
}

// checkPageLayout runs the checks that belong to one page.
func checkPageLayout(t *testing.T, ctx context.Context, page string, width int, name string) {
	t.Helper()
	switch page {
	case "os":
		if bad := run(t, ctx, chromedp.Evaluate[[]string](overlapJS)); len(bad) > 0 {
			t.Errorf("%s: repository checkboxes overlap: %v", name, bad)
		}
	case "host", "host-long-repo":
		if bad := run(t, ctx, chromedp.Evaluate[[]string](offscreenColumnsJS)); len(bad) > 0 {
			t.Errorf("%s: update table columns out of view: %v", name, bad)
		}
		if page == "host-long-repo" && width >= 1024 {
			checkRepoLabel(t, ctx, name)
		}
	case "repos":
		if bad := run(t, ctx, chromedp.Evaluate[[]string](clippedJS)); len(bad) > 0 {
			t.Errorf("%s: buttons not inside their card: %v", name, bad)
		}
		if got := run(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="repo-name"]')].map(e => e.textContent.trim())`)); !slices.Contains(got, longRepoName) {
			t.Errorf("%s: repository names %q, want the full name %q among them", name, got, longRepoName)
		}
	case "not-found":
		msg := run(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="error-message"]')?.textContent.trim() ?? 'no message'`))
		box := run(t, ctx, chromedp.Evaluate[string](`(b => b && b.checkVisibility() ? b.value : 'no visible search box')(document.querySelector('[data-testid="error-search"] input[type="search"]'))`))
		if msg != "There is no host named nope." || box != "nope" {
			t.Errorf("%s: got message %q and search %q, want the host named and a search for it", name, msg, box)
		}
	case "past-end", "past-end-list":
		if n := run(t, ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('[data-testid="pager"] a')].filter(a => a.checkVisibility()).length`)); n == 0 {
			t.Errorf("%s: no visible pager link", name)
		}
		if txt := run(t, ctx, chromedp.Evaluate[string](`document.body.innerText`)); strings.Contains(txt, "No host has reported yet") {
			t.Errorf("%s: says no host has reported", name)
		}
	case "dashboard":
		if got := run(t, ctx, chromedp.Evaluate[float64](chartFontJS)); got < 11 {
			t.Errorf("%s: chart labels are %.1f px on screen, want at least 11", name, got)
		}
	}
}

// repoCell is what the browser shows of the update table's repository cell.
type repoCell struct {
	Text, Title string
	Lines       float64
}

// checkRepoLabel asserts that web3's update names its long-named repository by suite and
// component, on one line, with the full name on hover.
func checkRepoLabel(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	got := run(t, ctx, chromedp.Evaluate[repoCell](`(() => {
		const a = document.querySelector('[data-testid="update-row"][data-package="bash"] [data-testid="update-repo"]');
		if (!a) return {Text: 'no repository cell', Title: '', Lines: 0};
		return {Text: a.textContent.trim(), Title: a.title, Lines: a.getClientRects().length * a.getBoundingClientRect().height / parseFloat(getComputedStyle(a).lineHeight)};
	})()`))
	want := repoCell{Text: "bookworm/main", Title: longRepoName, Lines: 1}
	if got.Text != want.Text || got.Title != want.Title || got.Lines > 1.5 {
		t.Errorf("%s: repository cell: got %+v, want %+v", name, got, want)
	}
}

// checkKeyboard checks, at a desktop and a phone width, the skip link (the first thing Tab
// reaches) and "/" for search, which must still type a "/" inside the box.
func checkKeyboard(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	focused := func() string {
		return run(t, ctx, chromedp.Evaluate[string](`document.activeElement.dataset.testid || document.activeElement.id || document.activeElement.tagName`))
	}
	for _, width := range []int64{1366, 390} {
		do(t, ctx, chromedp.EmulateViewport(width, 844), chromedp.Navigate(base+"/hosts"), visible("hosts-table"),
			chromedp.KeyEvent("\t"))
		if got := focused(); got != "skip-link" {
			t.Errorf("%d px, first Tab: got focus on %q, want the skip link", width, got)
		}
		if got := run(t, ctx, chromedp.Evaluate[string](`document.activeElement.textContent.trim()`)); got != "Skip to content" {
			t.Errorf("%d px, skip link text: got %q, want %q", width, got, "Skip to content")
		}
		if top := run(t, ctx, chromedp.Evaluate[float64](`document.activeElement.getBoundingClientRect().top`)); top < 0 {
			t.Errorf("%d px, focused skip link: top at %.0f px, want it on screen", width, top)
		}
		do(t, ctx, chromedp.KeyEvent("\r"))
		if got := focused(); got != "main" {
			t.Errorf("%d px, after following the skip link: got focus on %q, want main", width, got)
		}
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
		pressSlash(t, ctx)
		if got := focused(); got != "search" {
			t.Errorf(`%d px, after pressing "/": got focus on %q, want the search box`, width, got)
		}
		if got := run(t, ctx, chromedp.Evaluate[string](`document.activeElement.value || ""`)); got != "" {
			t.Errorf(`%d px, after pressing "/": search box holds %q, want it empty`, width, got)
		}
		pressSlash(t, ctx)
		if got := run(t, ctx, chromedp.Evaluate[string](`document.activeElement.value || ""`)); got != "/" {
			t.Errorf(`%d px, "/" typed in the search box: it holds %q, want "/"`, width, got)
		}
	}
}

// pressSlash sends "/" as a keyboard does: one keyDown carrying the text (KeyEvent's separate
// char event would type the "/" whatever the page does with the keydown).
func pressSlash(t *testing.T, ctx context.Context) {
	t.Helper()
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeKeyDown, input.DispatchKeyEventTypeKeyUp} {
		k := input.DispatchKeyEventParams{Type: typ, Key: "/", Code: "Slash", WindowsVirtualKeyCode: 191, NativeVirtualKeyCode: 191}
		if typ == input.DispatchKeyEventTypeKeyDown {
			k.Text, k.UnmodifiedText = "/", "/"
		}
		if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, k); err != nil {
			t.Fatalf("press /: %v", err)
		}
	}
}
