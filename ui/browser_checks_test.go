package ui

// The layout checks of the browser tests: each measures the rendered page in the browser and
// returns what is wrong, so a failure names the element to fix.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

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
