package advisory

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"patchward/repo/xmlwalk"
)

// Updateinfo is rpm's updateinfo.xml (Fedora, RHEL and clones, SUSE), found through a
// mirror's repomd.xml.
var Updateinfo Source = updateinfo{}

type updateinfo struct{}

func (updateinfo) Name() string { return "updateinfo" }

// Parse reads updateinfo.xml and calls emit for every <update> with an id, in file order.
func (updateinfo) Parse(ctx context.Context, r io.Reader, emit func(Advisory) error) error {
	w := xmlwalk.New(r)
	var a Advisory
	in := false
	for {
		tok, err := w.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("parse updateinfo: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case w.Depth == 1 && t.Name.Local != "updates":
				return fmt.Errorf("parse updateinfo: root element is <%s>, want <updates>", t.Name.Local)
			case w.Depth == 2 && t.Name.Local == "update":
				a, in = Advisory{Type: xmlwalk.Attr(t, "", "type")}, true
			case w.Depth >= 3 && in:
				if err := advisoryField(w, t, &a); err != nil {
					return fmt.Errorf("parse updateinfo: %w", err)
				}
			}
		case xml.EndElement:
			if w.Depth == 1 && in {
				in = false
				if a.ID != "" {
					if err := ctx.Err(); err != nil {
						return err
					}
					if err := emit(a); err != nil {
						return err
					}
				}
			}
		}
	}
}

// advisoryField reads one element inside <update> (children of <references> and <pkglist>
// arrive here as well, at their own depth).
func advisoryField(w *xmlwalk.Walker, t xml.StartElement, a *Advisory) error {
	var err error
	switch t.Name.Local {
	case "id":
		if w.Depth == 3 {
			a.ID, err = w.Text()
		}
	case "title":
		if w.Depth == 3 {
			a.Title, err = w.Text()
		}
	case "severity":
		a.Severity, err = w.Text()
	case "issued":
		a.Issued = parseUpdateDate(xmlwalk.Attr(t, "", "date"))
	case "updated":
		a.Updated = parseUpdateDate(xmlwalk.Attr(t, "", "date"))
	case "reference":
		a.Refs = append(a.Refs, Reference{Type: strings.ToLower(xmlwalk.Attr(t, "", "type")), ID: xmlwalk.Attr(t, "", "id"),
			URL: xmlwalk.Attr(t, "", "href"), Title: xmlwalk.Attr(t, "", "title")})
	case "package":
		p := Package{Name: xmlwalk.Attr(t, "", "name"), Arch: xmlwalk.Attr(t, "", "arch"), Epoch: xmlwalk.Attr(t, "", "epoch"),
			Version: xmlwalk.Attr(t, "", "version"), Release: xmlwalk.Attr(t, "", "release")}
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
