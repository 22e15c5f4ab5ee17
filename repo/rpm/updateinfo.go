package rpm

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Reference is one <reference> of an advisory.
type Reference struct {
	Type  string // cve, bugzilla, self, other
	ID    string // CVE-2024-0001, a bug number
	URL   string
	Title string
}

// Advisory is one <update> of updateinfo.xml.
type Advisory struct {
	ID       string // FEDORA-2024-abc, RHSA-2024:1234
	Type     string // security, bugfix, enhancement, newpackage
	Severity string
	Title    string
	Issued   time.Time // zero if absent or unparsable
	Updated  time.Time
	Refs     []Reference
	Packages []Package // the fixed versions its package list names
}

// ParseUpdateinfo reads updateinfo.xml and calls fn for every <update> with an id, in file
// order, streaming: memory holds one advisory at a time.
func ParseUpdateinfo(r io.Reader, fn func(Advisory) error) error {
	w := newWalker(r)
	var a Advisory
	in := false
	for {
		tok, err := w.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("parse updateinfo: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case w.depth == 1 && t.Name.Local != "updates":
				return fmt.Errorf("parse updateinfo: root element is <%s>, want <updates>", t.Name.Local)
			case w.depth == 2 && t.Name.Local == "update":
				a, in = Advisory{Type: attr(t, "", "type")}, true
			case w.depth >= 3 && in:
				if err := w.advisoryField(t, &a); err != nil {
					return fmt.Errorf("parse updateinfo: %w", err)
				}
			}
		case xml.EndElement:
			if w.depth == 1 && in {
				in = false
				if a.ID != "" {
					if err := fn(a); err != nil {
						return err
					}
				}
			}
		}
	}
}

// advisoryField reads one element inside <update> (children of <references> and <pkglist>
// arrive here as well, at their own depth).
func (w *walker) advisoryField(t xml.StartElement, a *Advisory) error {
	var err error
	switch t.Name.Local {
	case "id":
		if w.depth == 3 {
			a.ID, err = w.text()
		}
	case "title":
		if w.depth == 3 {
			a.Title, err = w.text()
		}
	case "severity":
		a.Severity, err = w.text()
	case "issued":
		a.Issued = parseUpdateDate(attr(t, "", "date"))
	case "updated":
		a.Updated = parseUpdateDate(attr(t, "", "date"))
	case "reference":
		a.Refs = append(a.Refs, Reference{Type: strings.ToLower(attr(t, "", "type")), ID: attr(t, "", "id"),
			URL: attr(t, "", "href"), Title: attr(t, "", "title")})
	case "package":
		p := Package{Name: attr(t, "", "name"), Arch: attr(t, "", "arch"), Epoch: attr(t, "", "epoch"),
			Version: attr(t, "", "version"), Release: attr(t, "", "release")}
		if p.Epoch == "0" {
			p.Epoch = ""
		}
		if p.Name != "" && p.Version != "" {
			a.Packages = append(a.Packages, p)
		}
	}
	return err
}

// parseUpdateDate reads the date formats found in the wild: "2024-01-15 00:00:00",
// "2024-01-15", RFC 3339 and Unix seconds.
func parseUpdateDate(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC()
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02", time.RFC3339, "2006-01-02 15:04:05 MST"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
