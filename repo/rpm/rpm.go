// Package rpm parses RPM-MD repository metadata (repomd.xml and primary.xml) as createrepo_c
// writes it. primary.xml is read as a token stream with a bounded nesting depth, so a large or
// hostile file costs time proportional to its size and no more memory than its packages.
package rpm

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// MaxDepth is the deepest element nesting the parsers accept; real files nest four levels.
const MaxDepth = 64

// ErrTooDeep is returned for XML nested deeper than MaxDepth.
var ErrTooDeep = errors.New("xml nested too deep")

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
	w := newWalker(r)
	m := &Repomd{}
	var cur *Data
	for {
		tok, err := w.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse repomd: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case w.depth == 1 && t.Name.Local != "repomd":
				return nil, fmt.Errorf("parse repomd: root element is <%s>, want <repomd>", t.Name.Local)
			case w.depth == 2 && t.Name.Local == "revision":
				if m.Revision, err = w.text(); err != nil {
					return nil, fmt.Errorf("parse repomd: %w", err)
				}
			case w.depth == 2 && t.Name.Local == "data":
				m.Data = append(m.Data, Data{Type: attr(t, "", "type")})
				cur = &m.Data[len(m.Data)-1]
			case w.depth == 3 && cur != nil:
				if err := repomdDataField(w, t, cur); err != nil {
					return nil, fmt.Errorf("parse repomd: %w", err)
				}
			}
		case xml.EndElement:
			if w.depth == 1 {
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
func repomdDataField(w *walker, t xml.StartElement, d *Data) error {
	var err error
	var s string
	switch t.Name.Local {
	case "location":
		d.Href, d.Base = attr(t, "", "href"), attr(t, "xml", "base")
	case "checksum", "open-checksum":
		if s, err = w.text(); err != nil {
			return err
		}
		c := checksum(attr(t, "", "type"), s)
		if t.Name.Local == "checksum" {
			d.Checksum = c
		} else {
			d.OpenChecksum = c
		}
	case "timestamp", "size":
		if s, err = w.text(); err != nil {
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

// attr returns the attribute space:local of t (space is the raw prefix: "" or "xml").
func attr(t xml.StartElement, space, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local && a.Name.Space == space {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// walker reads raw XML tokens (no namespace translation: prefixes are kept, which is all the
// matching we need and noticeably faster) and tracks the nesting depth, refusing anything
// deeper than MaxDepth.
type walker struct {
	dec   *xml.Decoder
	depth int // depth of the element last started, or of the parent after an end
	buf   []byte
}

func newWalker(r io.Reader) *walker {
	dec := xml.NewDecoder(r)
	dec.Strict = true
	return &walker{dec: dec}
}

// next returns the next token. After a StartElement, depth is that element's depth (root = 1);
// after an EndElement, its parent's.
func (w *walker) next() (xml.Token, error) {
	tok, err := w.dec.RawToken()
	if err != nil {
		return nil, err
	}
	switch tok.(type) {
	case xml.StartElement:
		w.depth++
		if w.depth > MaxDepth {
			return nil, fmt.Errorf("line %d: %w", w.line(), ErrTooDeep)
		}
	case xml.EndElement:
		w.depth--
		if w.depth < 0 {
			return nil, fmt.Errorf("line %d: unexpected end element", w.line())
		}
	}
	return tok, nil
}

func (w *walker) line() int {
	l, _ := w.dec.InputPos()
	return l
}

// text reads the character data of the element just started, up to its end, skipping any
// child elements, and returns it trimmed.
func (w *walker) text() (string, error) {
	w.buf = w.buf[:0]
	start := w.depth
	for {
		tok, err := w.next()
		if err == io.EOF {
			return "", io.ErrUnexpectedEOF
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if w.depth == start {
				w.buf = append(w.buf, t...)
			}
		case xml.EndElement:
			if w.depth < start {
				return strings.TrimSpace(string(w.buf)), nil
			}
		}
	}
}
