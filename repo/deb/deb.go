// Package deb parses Debian repository indexes (the deb822 Packages file) with a hand-written
// streaming scanner: only the fields that identify a package are kept, nothing is reflected
// over, and memory does not grow with the size of the index beyond the packages themselves.
package deb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxLine is the longest line ParsePackages accepts.
const MaxLine = 1 << 20

// ErrLineTooLong is returned for a line longer than MaxLine.
var ErrLineTooLong = errors.New("line too long")

// Package is the part of one Packages stanza that identifies a binary package.
type Package struct {
	Name    string
	Version string // the full version, [epoch:]upstream[-revision]
	Arch    string
	Source  string // source package name without its "(version)"; "" when absent (same as Name)
}

// ParsePackages reads a Packages index and calls fn for every stanza that has a Package and a
// Version field, in file order. An error from fn stops parsing and is returned as is.
func ParsePackages(r io.Reader, fn func(Package) error) error {
	s := scanner{br: bufio.NewReaderSize(r, 64<<10), arch: map[string]string{}}
	var p Package
	have := false
	for {
		line, err := s.line()
		if err != nil && err != io.EOF {
			return err
		}
		if blank(line) {
			if have && p.Name != "" && p.Version != "" {
				if ferr := fn(p); ferr != nil {
					return ferr
				}
			}
			p, have = Package{}, false
			if err == io.EOF {
				return nil
			}
			continue
		}
		if line[0] != ' ' && line[0] != '\t' && line[0] != '#' {
			have = true
			s.field(&p, line)
		}
	}
}

// blank reports whether line separates stanzas: empty or only whitespace. Nearly every line
// starts with a field name, so that is checked first.
func blank(line []byte) bool {
	if len(line) > 0 && line[0] != ' ' && line[0] != '\t' {
		return false
	}
	return len(bytes.TrimSpace(line)) == 0
}

// scanner reads lines, keeping long lines only while they might hold a field we want.
type scanner struct {
	br   *bufio.Reader
	n    int // line number, for errors
	buf  []byte
	eof  bool
	arch map[string]string // interned architecture strings: a handful of values, 60,000 uses
}

// line returns the next line without its line ending; it returns an empty line and io.EOF at
// the end of input.
func (s *scanner) line() ([]byte, error) {
	if s.eof {
		return nil, io.EOF
	}
	s.n++
	chunk, err := s.br.ReadSlice('\n')
	if err == nil || err == io.EOF {
		if err == io.EOF && len(chunk) == 0 {
			return nil, io.EOF
		}
		if err == io.EOF {
			s.eof = true
			err = nil
		}
		return trimEOL(chunk), err
	}
	if err != bufio.ErrBufferFull {
		return nil, fmt.Errorf("read packages line %d: %w", s.n, err)
	}
	// A long line. Only a wanted field's value is kept; the rest is skipped, but its length
	// is still bounded so a file without newlines cannot make us read forever.
	keep := wanted(chunk)
	s.buf = append(s.buf[:0], chunk...)
	total := len(chunk)
	for err == bufio.ErrBufferFull {
		chunk, err = s.br.ReadSlice('\n')
		total += len(chunk)
		if total > MaxLine {
			return nil, fmt.Errorf("packages line %d: %w (over %d bytes)", s.n, ErrLineTooLong, MaxLine)
		}
		if keep {
			s.buf = append(s.buf, chunk...)
		}
	}
	if err == io.EOF {
		s.eof = true
	} else if err != nil {
		return nil, fmt.Errorf("read packages line %d: %w", s.n, err)
	}
	if !keep {
		// Skipped lines still count as "not blank" so the stanza is not split.
		return []byte("#"), nil
	}
	return trimEOL(s.buf), nil
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// wanted reports whether a line starts one of the fields ParsePackages keeps.
func wanted(line []byte) bool {
	name, _, ok := bytes.Cut(line, []byte{':'})
	if !ok {
		return false
	}
	for _, f := range []string{"Package", "Version", "Architecture", "Source"} {
		if strings.EqualFold(string(name), f) {
			return true
		}
	}
	return false
}

// field stores line's value in p if it is one of the fields we keep.
func (s *scanner) field(p *Package, line []byte) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return
	}
	name := line[:i]
	if len(name) != len("Package") && len(name) != len("Architecture") && len(name) != len("Source") {
		return // Version has Package's length
	}
	val := bytes.TrimSpace(line[i+1:])
	switch {
	case is(name, "Package"):
		p.Name = string(val)
	case is(name, "Version"):
		p.Version = string(val)
	case is(name, "Architecture"):
		a, ok := s.arch[string(val)]
		if !ok {
			a = string(val)
			s.arch[a] = a
		}
		p.Arch = a
	case is(name, "Source"):
		if j := bytes.IndexByte(val, ' '); j >= 0 {
			val = val[:j]
		}
		p.Source = string(val)
	}
}

// is compares a field name: exact match first (every real index), then deb822's
// case-insensitive rule.
func is(name []byte, field string) bool {
	return string(name) == field || (len(name) == len(field) && strings.EqualFold(string(name), field))
}

// SplitVersion splits a Debian version into epoch (before the first ':'), upstream version and
// revision (after the last '-'). An epoch of "0" is returned as "", since dpkg treats them
// alike.
func SplitVersion(v string) (epoch, version, release string) {
	if i := strings.IndexByte(v, ':'); i >= 0 {
		epoch, v = v[:i], v[i+1:]
	}
	if epoch == "0" {
		epoch = ""
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		v, release = v[:i], v[i+1:]
	}
	return epoch, v, release
}
