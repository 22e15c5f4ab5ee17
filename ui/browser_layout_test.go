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

// widthJS measures the page's width and names the outermost elements that stick out of the
// viewport, so a failure says what to fix.
const widthJS = `(() => {
	const w = innerWidth, out = [];
	for (const el of document.querySelectorAll('body *')) {
		const r = el.getBoundingClientRect();
		if (r.width > 0 && r.right > w + 0.5 && !(el.parentElement && el.parentElement.getBoundingClientRect().right > w + 0.5)) {
			out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).trim().replace(/\s+/g, '.') : '') + ' to ' + Math.round(r.right) + 'px');
		}
	}
	return {scroll: document.documentElement.scrollWidth, offenders: out.slice(0, 6)};
})()`

type widthResult struct {
	Scroll    int      `json:"scroll"`
	Offenders []string `json:"offenders"`
}

// checkWidth asserts that the page is no wider than the viewport.
func checkWidth(t *testing.T, ctx context.Context, width int, name string) {
	t.Helper()
	got := run(t, ctx, chromedp.Evaluate[widthResult](widthJS))
	if got.Scroll > width {
		t.Errorf("%s: document.documentElement.scrollWidth %d, want <= %d (sticking out: %v)", name, got.Scroll, width, got.Offenders)
	}
}

// captionsJS lists the tables without a caption.
const captionsJS = `[...document.querySelectorAll('table')].filter(t => !t.caption || !t.caption.textContent.trim()).map(t => t.dataset.testid || t.className || 'table')`

// navItems are the entries the navigation must offer an admin on every page.
var navItems = []string{"Dashboard", "Hosts", "Packages", "Repositories", "OS", "Errata", "Reports", "Admin",
	"Account", "CVEs", "API (OpenAPI)", "Log out"}

// unreachableJS lists the labels (its argument) that no link or button of the navigation shows
// fully inside the viewport, uncovered.
const unreachableJS = `((labels) => {
	const nav = document.querySelector('[data-testid="nav"]');
	const shown = [...nav.querySelectorAll('a, button')].filter(e => e.checkVisibility({visibilityProperty: true, opacityProperty: true}));
	const why = e => {
		const r = e.getBoundingClientRect();
		if (r.width < 1 || r.height < 1) return 'empty';
		if (r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight) return 'off screen at ' + Math.round(r.left) + ',' + Math.round(r.top);
		const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		return hit === e || e.contains(hit) ? '' : 'covered by ' + (hit ? hit.tagName.toLowerCase() + '.' + hit.className : 'nothing');
	};
	const out = [];
	for (const label of labels) {
		const cands = shown.filter(e => e.textContent.trim() === label);
		const reasons = cands.map(why);
		if (!reasons.includes('')) out.push(label + ' (' + (reasons.join('; ') || 'not shown') + ')');
	}
	return out;
})`

// checkNav asserts that every navigation item can be seen and clicked: on a phone after
// opening the menu; on a desktop the row of links, then the user menu's entries once it is open
// (an open dropdown covers the rest of the page, so the row is checked first).
func checkNav(t *testing.T, ctx context.Context, width int, name string) {
	t.Helper()
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`scrollTo(0, 0)`))
	toggle, item, before, after := `[data-testid="nav-menu-toggle"]`, `[data-testid="menu-account"]`, []string(nil), navItems
	if width >= 1024 {
		toggle, item, before, after = `[data-testid="user-menu"]`, `[data-testid="account-link"]`, navItems[:8], navItems[8:]
	}
	if missing := unreachable(t, ctx, before); len(missing) > 0 {
		t.Errorf("%s: navigation items not visible: %v", name, missing)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	// Pico fades the dropdown in: wait for that before looking.
	if err := chromedp.Do(wctx, chromedp.Click(chromedp.CSS(toggle)), chromedp.WaitVisible(chromedp.CSS(item)),
		chromedp.Evaluate[chromedp.Void](`Promise.all(document.getAnimations().map(a => a.finished)).then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("%s: open the menu: %v", name, err)
	}
	if missing := unreachable(t, ctx, after); len(missing) > 0 {
		t.Errorf("%s: navigation items not visible after opening the menu: %v", name, missing)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(toggle)))
}

func unreachable(t *testing.T, ctx context.Context, labels []string) []string {
	t.Helper()
	if len(labels) == 0 {
		return nil
	}
	return run(t, ctx, chromedp.Evaluate[[]string](unreachableJS+"(["+strings.Join(quoteAll(labels), ",")+"])"))
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
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
		msg := run(t, ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="error-message"]').textContent.trim()`))
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

// pluralJS lists the page's counts of one with a plural noun ("1 groups", "over 1 days").
const pluralJS = `(() => {
	const re = /(?<![\d.,:])1 (?:matching |known |installed package )?(?:host|group|variant|day|version|name|repositorie|mirror|package|user|advisorie|CVE|failure|page|API key|enrollment token|update)s\b/g;
	return [...new Set(document.body.innerText.match(re) || [])];
})()`

// overlapJS lists pairs of repository choices on the OS page whose painted extent (the label's
// box and its text together) intersect, and choices painted outside their fieldset.
const overlapJS = `(() => {
	const bad = [];
	const extent = el => {
		const range = document.createRange();
		range.selectNodeContents(el);
		const a = el.getBoundingClientRect(), b = range.getBoundingClientRect();
		return {left: Math.min(a.left, b.left), right: Math.max(a.right, b.right), top: Math.min(a.top, b.top), bottom: Math.max(a.bottom, b.bottom)};
	};
	const within = (a, b) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5;
	for (const set of document.querySelectorAll('fieldset.repo-choices')) {
		const labels = [...set.querySelectorAll('label')];
		const boxes = labels.map(extent), outer = set.getBoundingClientRect();
		boxes.forEach((a, i) => {
			if (!within(a, outer)) bad.push(labels[i].textContent.trim() + ' outside its fieldset');
			for (let j = i + 1; j < boxes.length; j++) {
				const b = boxes[j];
				if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) {
					bad.push(labels[i].textContent.trim() + ' / ' + labels[j].textContent.trim());
				}
			}
		});
	}
	if (!document.querySelector('fieldset.repo-choices label')) bad.push('no repository choices on the page');
	return bad;
})()`

// clippedJS lists the repositories page's buttons (Link first) that are not wholly inside
// their card and the visible part of their table.
const clippedJS = `(() => {
	const bad = [];
	const inside = (a, b) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
	const buttons = [...document.querySelectorAll('[data-testid="link-mirror"]')];
	if (buttons.length === 0) bad.push('no Link button on the page');
	for (const b of buttons.concat([...document.querySelectorAll('article.repo button')])) {
		if (!b.checkVisibility()) continue;
		const r = b.getBoundingClientRect();
		const card = b.closest('article'), wrap = b.closest('.table-wrap');
		if (!inside(r, card.getBoundingClientRect()) || (wrap && !inside(r, wrap.getBoundingClientRect())) || r.right > innerWidth) {
			bad.push(b.textContent.trim() + ' at ' + Math.round(r.left) + '-' + Math.round(r.right) + 'px');
		}
	}
	return bad;
})()`

// offscreenColumnsJS lists the update table's column heads that are not wholly in view
// without scrolling the table sideways.
const offscreenColumnsJS = `(() => {
	const table = document.querySelector('[data-testid="updates-table"]');
	const wrap = table.closest('.table-wrap').getBoundingClientRect();
	return [...table.querySelectorAll('thead th')].filter(th => th.checkVisibility()).filter(th => {
		const r = th.getBoundingClientRect();
		return r.left < wrap.left - 0.5 || r.right > wrap.right + 0.5 || r.right > innerWidth;
	}).map(th => th.textContent.trim() + ' at ' + Math.round(th.getBoundingClientRect().left) + 'px');
})()`

// chartFontJS is the smallest on-screen font size of the dashboard chart's labels: the font
// size in SVG units times the SVG's scale.
const chartFontJS = `(() => {
	const labels = [...document.querySelectorAll('.chart-svg text')];
	if (labels.length === 0) return 0;
	return Math.min(...labels.map(el => parseFloat(getComputedStyle(el).fontSize) * el.getScreenCTM().a));
})()`

// contrastJS lists muted texts whose contrast with what is painted behind them is below WCAG
// AA's 4.5:1, and texts whose colours it cannot read (so a new colour syntax fails loudly).
const contrastJS = `(() => {
	const parse = c => {
		const m = /^rgba?\(([^)]*)\)$/.exec(c);
		if (!m) return null;
		const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
		return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
	};
	const over = (top, under) => ({r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1});
	const lum = c => {
		const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
		return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
	};
	const bad = [];
	const sel = '.muted, .stat-label, body > footer small, .details dt, .badge-zero, .tag, .toggle.off';
	for (const el of document.querySelectorAll(sel)) {
		if (!el.checkVisibility() || !el.textContent.trim() || el.closest('.visually-hidden')) continue;
		const chain = [];
		for (let e = el; e; e = e.parentElement) chain.unshift(e);
		let bg = {r: 255, g: 255, b: 255, a: 1}, ok = true;
		for (const e of chain) {
			const c = parse(getComputedStyle(e).backgroundColor);
			if (!c) { ok = false; break; }
			bg = over(c, bg);
		}
		const fg = parse(getComputedStyle(el).color);
		if (!ok || !fg) { bad.push(el.className + ': unreadable colour'); continue; }
		const l1 = lum(over(fg, bg)), l2 = lum(bg);
		const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
		if (ratio < 4.5) bad.push(el.className + ' "' + el.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2) + ':1');
	}
	return [...new Set(bad)].slice(0, 6);
})()`

// checkContrast asserts that muted texts keep WCAG AA contrast.
func checkContrast(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if bad := run(t, ctx, chromedp.Evaluate[[]string](contrastJS)); len(bad) > 0 {
		t.Errorf("%s: muted text below 4.5:1: %v", name, bad)
	}
}

// checkKeyboard checks the skip link (the first thing Tab reaches) and "/" for search.
func checkKeyboard(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	do(t, ctx, chromedp.EmulateViewport(1366, 844), chromedp.Navigate(base+"/hosts"), visible("hosts-table"),
		chromedp.KeyEvent("\t"))
	if got := run(t, ctx, chromedp.Evaluate[string](`document.activeElement.dataset.testid || document.activeElement.tagName`)); got != "skip-link" {
		t.Errorf("first Tab: got focus on %q, want the skip link", got)
	}
	if got := run(t, ctx, chromedp.Evaluate[string](`document.activeElement.textContent.trim()`)); got != "Skip to content" {
		t.Errorf("skip link text: got %q, want %q", got, "Skip to content")
	}
	if top := run(t, ctx, chromedp.Evaluate[float64](`document.activeElement.getBoundingClientRect().top`)); top < 0 {
		t.Errorf("focused skip link: top at %.0f px, want it on screen", top)
	}
	do(t, ctx, chromedp.KeyEvent("\r"))
	if got := run(t, ctx, chromedp.Evaluate[string](`document.activeElement.id`)); got != "main" {
		t.Errorf("after following the skip link: got focus on %q, want main", got)
	}
	// One keyDown carrying the text, as a keyboard sends it (KeyEvent's separate char event
	// would type the "/" whatever the page does with the keydown).
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeKeyDown, input.DispatchKeyEventTypeKeyUp} {
		k := input.DispatchKeyEventParams{Type: typ, Key: "/", Code: "Slash", WindowsVirtualKeyCode: 191, NativeVirtualKeyCode: 191}
		if typ == input.DispatchKeyEventTypeKeyDown {
			k.Text, k.UnmodifiedText = "/", "/"
		}
		if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, k); err != nil {
			t.Fatalf("press /: %v", err)
		}
	}
	if got := run(t, ctx, chromedp.Evaluate[string](`document.activeElement.dataset.testid || document.activeElement.tagName`)); got != "search" {
		t.Errorf(`after pressing "/": got focus on %q, want the search box`, got)
	}
	if got := run(t, ctx, chromedp.Evaluate[string](`document.activeElement.value || ""`)); got != "" {
		t.Errorf(`after pressing "/": search box holds %q, want it empty`, got)
	}
}
