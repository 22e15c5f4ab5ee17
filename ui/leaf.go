package ui

import (
	"context"
	"html"
	"io"
	"net/url"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"patchward/store"
)

// The small components below appear on every row of the long lists (two count badges and a
// report time on each of a host list's rows). Written as plain functions they skip templ's
// per-component context and buffer set-up, which was a fifth of the host list's rendering.

// leaf is a component that writes its markup through w in one go.
type leaf func(w *leafWriter)

func (l leaf) Render(ctx context.Context, w io.Writer) error {
	lw := leafWriter{w: w}
	l(&lw)
	return lw.err
}

// leafWriter writes strings and escaped text, keeping the first error.
type leafWriter struct {
	w   io.Writer
	err error
	tmp [64]byte
}

func (w *leafWriter) raw(s ...string) {
	for _, v := range s {
		if w.err == nil {
			_, w.err = io.WriteString(w.w, v)
		}
	}
}

func (w *leafWriter) bytes(b []byte) {
	if w.err == nil {
		_, w.err = w.w.Write(b)
	}
}

// timeAgo shows how long ago t was, with the exact time on hover; "never" for a zero time.
func timeAgo(t, now time.Time) templ.Component {
	return leaf(func(w *leafWriter) {
		if t.IsZero() {
			w.raw(`<span class="muted">never</span>`)
			return
		}
		u := t.UTC()
		w.raw(`<time datetime="`)
		w.bytes(u.AppendFormat(w.tmp[:0], time.RFC3339))
		w.raw(`" title="`)
		w.bytes(u.AppendFormat(w.tmp[:0], absTimeLayout))
		w.raw(`">`, ago(t, now), `</time>`)
	})
}

// countBadge shows an update count; kind is "security" or "bugfix".
func countBadge(n int, kind, testid string) templ.Component {
	return leaf(func(w *leafWriter) {
		if n == 0 {
			w.raw(`<span class="badge badge-zero" data-testid="`, html.EscapeString(testid), `">0</span>`)
			return
		}
		k := html.EscapeString(kind)
		w.raw(`<span class="badge badge-`, k, `" data-testid="`, html.EscapeString(testid), `" title="`)
		w.bytes(strconv.AppendInt(w.tmp[:0], int64(n), 10))
		w.raw(` `, k, ` updates">`, num(n), `</span>`)
	})
}

// rebootFlag marks a host that needs a reboot.
func rebootFlag(required bool) templ.Component {
	return leaf(func(w *leafWriter) {
		if required {
			w.raw(`<span class="badge badge-warn" data-testid="reboot" title="A reboot is required">reboot</span>`)
		}
	})
}

// reportCell is a host list's "Last report" cell, marked stale when older than staleBefore.
func reportCell(t, staleBefore, now time.Time) templ.Component {
	return leaf(func(w *leafWriter) {
		if isStaleAt(t, staleBefore) {
			w.raw(`<td class="hide-sm stale">`)
		} else {
			w.raw(`<td class="hide-sm">`)
		}
		timeAgo(t, now).(leaf)(w)
		w.raw(`</td>`)
	})
}

// updateRow is one row of a host page's updates table (a host has a hundred or more of them),
// with the errata and CVEs behind the update.
func updateRow(u store.HostUpdate, errata []store.ErratumRef) templ.Component {
	return leaf(func(w *leafWriter) {
		w.raw(`<tr data-testid="update-row" data-package="`, html.EscapeString(u.Name), `" data-security="`,
			strconv.FormatBool(u.Security), `" data-held="`, strconv.FormatBool(u.Held), `"><td><a href="`,
			html.EscapeString("/packages/"+url.PathEscape(u.Name)), `"><strong>`, html.EscapeString(u.Name), `</strong></a>`)
		for _, e := range errata {
			w.raw(`<small class="block errata" data-testid="update-erratum"><a href="`,
				html.EscapeString("/errata/"+url.PathEscape(e.Name)), `">`, html.EscapeString(e.Name), `</a>`)
			if e.Severity != "" {
				w.raw(` <span class="muted">`, html.EscapeString(e.Severity), `</span>`)
			}
			for _, c := range e.CVEs {
				w.raw(` <a href="`, html.EscapeString("/cves/"+url.PathEscape(c)), `" class="cve" data-testid="update-cve">`,
					html.EscapeString(c), `</a>`)
			}
			w.raw(`</small>`)
		}
		w.raw(`</td><td class="hide-sm">`, html.EscapeString(u.Arch), `</td><td class="mono">`, html.EscapeString(orDash(u.Installed)),
			`</td><td class="mono">`, html.EscapeString(u.Available), `</td><td class="hide-sm">`)
		switch {
		case u.RepoID != 0:
			w.raw(`<a href="/repos#repo-`, id64(u.RepoID), `" class="repo-label" title="`, html.EscapeString(u.Repo),
				`" data-testid="update-repo">`, html.EscapeString(repoLabel(u.Repo)), `</a>`)
		case u.Repo != "":
			w.raw(`<span class="repo-label" title="`, html.EscapeString(u.Repo), `" data-testid="update-repo">`,
				html.EscapeString(repoLabel(u.Repo)), `</span>`)
		default:
			w.raw(`–`)
		}
		w.raw(`</td><td>`)
		if u.Security {
			w.raw(`<span class="badge badge-security">security</span>`)
		} else {
			w.raw(`<span class="badge badge-bugfix">bugfix</span>`)
		}
		if u.Held {
			w.raw(` <span class="badge badge-neutral" title="The package is on hold on this host: not counted as pending" data-testid="update-held">held</span>`)
		}
		if u.Client {
			w.raw(` <small class="muted" title="Reported by the client, not found by patchward">client</small>`)
		}
		w.raw(`</td></tr>`)
	})
}
