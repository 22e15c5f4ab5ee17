// Package xmlwalk is the streaming XML token walker the repository metadata parsers (rpm
// repomd, primary, modules) and the rpm updateinfo advisory source share: raw tokens without
// namespace translation (faster; prefixes are all the matching needed), depth tracking, and a
// nesting limit so a hostile file cannot make a parser recurse without end. It imports nothing
// of patchward.
package xmlwalk

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxDepth is the deepest element nesting the parsers accept; real files nest four levels.
const MaxDepth = 64

// ErrTooDeep is returned for XML nested deeper than MaxDepth.
var ErrTooDeep = errors.New("xml nested too deep")

// Attr returns the attribute space:local of t (space is the raw prefix: "" or "xml").
func Attr(t xml.StartElement, space, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local && a.Name.Space == space {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// Walker reads raw XML tokens (no namespace translation: prefixes are kept, which is all the
// matching we need and noticeably faster) and tracks the nesting depth, refusing anything
// deeper than MaxDepth.
type Walker struct {
	dec *xml.Decoder
	// Depth is the depth of the element last started, or of the parent after an end
	Depth int
	buf   []byte
}

// New returns a strict walker over r.
func New(r io.Reader) *Walker {
	dec := xml.NewDecoder(r)
	dec.Strict = true
	return &Walker{dec: dec}
}

// Next returns the next token. After a StartElement, depth is that element's depth (root = 1);
// after an EndElement, its parent's.
func (w *Walker) Next() (xml.Token, error) {
	tok, err := w.dec.RawToken()
	if err != nil {
		return nil, err
	}
	switch tok.(type) {
	case xml.StartElement:
		w.Depth++
		if w.Depth > MaxDepth {
			return nil, fmt.Errorf("line %d: %w", w.Line(), ErrTooDeep)
		}
	case xml.EndElement:
		w.Depth--
		if w.Depth < 0 {
			return nil, fmt.Errorf("line %d: unexpected end element", w.Line())
		}
	}
	return tok, nil
}

// Line is the input line the decoder has reached, for error messages.
func (w *Walker) Line() int {
	l, _ := w.dec.InputPos()
	return l
}

// Text reads the character data of the element just started, up to its end, skipping any
// child elements, and returns it trimmed.
func (w *Walker) Text() (string, error) {
	w.buf = w.buf[:0]
	start := w.Depth
	for {
		tok, err := w.Next()
		if err == io.EOF {
			return "", io.ErrUnexpectedEOF
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if w.Depth == start {
				w.buf = append(w.buf, t...)
			}
		case xml.EndElement:
			if w.Depth < start {
				return strings.TrimSpace(string(w.buf)), nil
			}
		}
	}
}
