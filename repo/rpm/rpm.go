// Package rpm parses RPM-MD repository metadata (repomd.xml and primary.xml) as createrepo_c
// writes it. primary.xml is read as a token stream with a bounded nesting depth, so a large or
// hostile file costs time proportional to its size and no more memory than its packages.
package rpm

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"patchward/repo/xmlwalk"
	"strconv"
	"strings"
	"time"
)

// MaxDepth is the deepest element nesting the parsers accept; real files nest four levels.
const MaxDepth = xmlwalk.MaxDepth

// ErrTooDeep is returned for XML nested deeper than MaxDepth.
var ErrTooDeep = xmlwalk.ErrTooDeep

// Checksum is a digest as repomd.xml states it. Type is normalised: "sha" becomes "sha1".
type Checksum struct {
	Type  string
	Value string
}

// Data is one <data> entry of repomd.xml.
type Data struct {
	Type         string
	Href         string // relative to the repository base (location href)
	Base         string // location xml:base, if any: an absolute base URL overriding the mirror's
	Checksum     Checksum
	OpenChecksum Checksum
	Timestamp    int64
	Size         int64
}

// Repomd is a parsed repomd.xml.
type Repomd struct {
	Revision string
	Data     []Data
}

// Find returns the data entry of the given type (primary, updateinfo, modules, ...).
func (m *Repomd) Find(typ string) (Data, bool) {
	for _, d := range m.Data {
		if d.Type == typ {
			return d, true
		}
	}
	return Data{}, false
}

// Freshness is when the metadata was generated: the revision when it is a Unix time (as
// createrepo_c writes by default), else the newest data timestamp; zero when neither is known.
func (m *Repomd) Freshness() time.Time {
	if n, err := strconv.ParseInt(strings.TrimSpace(m.Revision), 10, 64); err == nil && n > 0 {
		return time.Unix(n, 0).UTC()
	}
	var newest int64
	for _, d := range m.Data {
		newest = max(newest, d.Timestamp)
	}
	if newest > 0 {
		return time.Unix(newest, 0).UTC()
	}
	return time.Time{}
}

// ParseRepomd reads repomd.xml. It fails when the document is not a repomd or lists no data.
func ParseRepomd(r io.Reader) (*Repomd, error) {
	w := xmlwalk.New(r)
	m := &Repomd{}
	var cur *Data
	for {
		tok, err := w.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse repomd: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case w.Depth == 1 && t.Name.Local != "repomd":
				return nil, fmt.Errorf("parse repomd: root element is <%s>, want <repomd>", t.Name.Local)
			case w.Depth == 2 && t.Name.Local == "revision":
				if m.Revision, err = w.Text(); err != nil {
					return nil, fmt.Errorf("parse repomd: %w", err)
				}
			case w.Depth == 2 && t.Name.Local == "data":
				m.Data = append(m.Data, Data{Type: xmlwalk.Attr(t, "", "type")})
				cur = &m.Data[len(m.Data)-1]
			case w.Depth == 3 && cur != nil:
				if err := repomdDataField(w, t, cur); err != nil {
					return nil, fmt.Errorf("parse repomd: %w", err)
				}
			}
		case xml.EndElement:
			if w.Depth == 1 {
				cur = nil
			}
		}
	}
	if len(m.Data) == 0 {
		return nil, errors.New("parse repomd: no data entries")
	}
	return m, nil
}

// repomdDataField reads one child of <data>.
func repomdDataField(w *xmlwalk.Walker, t xml.StartElement, d *Data) error {
	var err error
	var s string
	switch t.Name.Local {
	case "location":
		d.Href, d.Base = xmlwalk.Attr(t, "", "href"), xmlwalk.Attr(t, "xml", "base")
	case "checksum", "open-checksum":
		if s, err = w.Text(); err != nil {
			return err
		}
		c := checksum(xmlwalk.Attr(t, "", "type"), s)
		if t.Name.Local == "checksum" {
			d.Checksum = c
		} else {
			d.OpenChecksum = c
		}
	case "timestamp", "size":
		if s, err = w.Text(); err != nil {
			return err
		}
		n, _ := strconv.ParseInt(s, 10, 64)
		if t.Name.Local == "timestamp" {
			d.Timestamp = n
		} else {
			d.Size = n
		}
	}
	return nil
}

func checksum(typ, value string) Checksum {
	t := strings.ToLower(strings.TrimSpace(typ))
	if t == "sha" {
		t = "sha1"
	}
	return Checksum{Type: t, Value: strings.ToLower(strings.TrimSpace(value))}
}
