package ui

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/a-h/templ"
)

// cell is one table cell of a generic list page: text, optionally linked, a badge, a time, or
// a button posting a small form.
type cell struct {
	Text   string
	Href   string
	Class  string // extra classes: "num", "mono", "hide-sm"...
	Badge  string // badge kind (security, bugfix, warn, neutral, zero); "" for plain text
	Time   time.Time
	IsTime bool
	Button *button
	TestID string
}

// button is a form with one submit button (and hidden fields) inside a cell.
type button struct {
	Action string
	Label  string
	Fields map[string]string
	Danger bool
	TestID string
}

// confirm is a destructive action behind a <details> step: the first click only opens it and
// shows What (what goes, by name); the second, on a button that names it too, posts the form.
type confirm struct {
	Action  string
	Summary string // the closed step, e.g. "Delete…"
	What    string // what goes and what follows, in a sentence
	Button  string // the submit button, naming what goes
	Fields  map[string]string
	TestID  string // of the <details>; its form, text and button add -form, -what and -button
}

// column is a list header; Class is applied to the header and every cell of the column.
type column struct {
	Label string
	Class string
}

// listPage is a page built around one table: the packages, errata, CVEs, reports, OS and
// admin lists share it so they look and behave alike.
type listPage struct {
	Heading  string
	Sub      string // muted line under the heading (counts)
	TestID   string // data-testid of the table
	RowID    string // data-testid of each row
	Columns  []column
	Rows     [][]cell
	Empty    string
	Caption  string          // the table's caption for screen readers; the heading when empty
	CSV      string          // link to this list as CSV, "" for none
	Filters  templ.Component // a filter form above the table, or nil
	Above    templ.Component // anything else above the table (forms), or nil
	Below    templ.Component
	Crumbs   [][2]string // breadcrumb (label, href); last has no href
	Page     int
	Pages    int
	PageLink func(page int) string
}

// pastEnd reports whether the page asked for is after the last one.
func (l listPage) pastEnd() bool { return l.PageLink != nil && l.Page > max(l.Pages, 1) }

// caption names the table for screen readers.
func (l listPage) caption() string {
	if l.Caption != "" {
		return l.Caption
	}
	return l.Heading
}

func txt(s string) cell         { return cell{Text: s} }
func link(s, href string) cell  { return cell{Text: s, Href: href} }
func numCell(n int) cell        { return cell{Text: num(n), Class: "num"} }
func timeCell(t time.Time) cell { return cell{Time: t, IsTime: true} }
func badge(s, kind string) cell { return cell{Text: s, Badge: kind} }
func mono(s string) cell        { return cell{Text: s, Class: "mono"} }

// pageLink returns a function building the URL of page n of path with query q.
func pageLink(path string, q url.Values) func(int) string {
	return func(n int) string {
		c := url.Values{}
		for k, v := range q {
			c[k] = v
		}
		c.Del("msg")
		c.Set("page", strconv.Itoa(n))
		return path + "?" + c.Encode()
	}
}

// csvLink is path with q and format=csv.
func csvLink(path string, q url.Values) string {
	c := url.Values{}
	for k, v := range q {
		c[k] = v
	}
	c.Del("page")
	c.Del("msg")
	c.Set("format", "csv")
	return path + "?" + c.Encode()
}

// pageOf parses ?page= (1-based) and returns it with the matching offset.
func pageOf(q url.Values, per int) (int, int) {
	n, _ := strconv.Atoi(q.Get("page"))
	n = max(n, 1)
	return n, (n - 1) * per
}

func pagesFor(total, per int) int { return max(1, (total+per-1)/per) }

// cellClass is the class attribute of cell c in column i: the column's class and the cell's.
func cellClass(cs []column, i int, c cell) string {
	switch col := colClass(cs, i); {
	case col == "":
		return c.Class
	case c.Class == "":
		return col
	default:
		return col + " " + c.Class
	}
}

func colClass(cs []column, i int) string {
	if i < len(cs) {
		return cs[i].Class
	}
	return ""
}

type nowKey struct{}

// pageNow is the page's clock for relative times inside generic cells; the list handlers put
// it in the render context.
func pageNow(ctx context.Context) time.Time {
	if t, ok := ctx.Value(nowKey{}).(time.Time); ok {
		return t
	}
	return time.Now()
}
