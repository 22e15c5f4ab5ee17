package rpm

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxLine is the longest line ParseModules accepts.
const MaxLine = 1 << 20

// Module is one module stream of modules.yaml (a "modulemd" document).
type Module struct {
	Name, Stream, Version, Context, Arch string
	Artifacts                            []Package // binary rpms of the stream (source rpms left out)
}

// ParseModules reads modules.yaml, a stream of YAML documents, and calls fn for every
// modulemd document with a name and a stream. It understands exactly the YAML subset that
// modulemd writers produce (block mappings and sequences, plain and quoted scalars, block
// scalars), line by line with bounded line length: other documents (modulemd-defaults,
// obsoletes) are skipped.
func ParseModules(r io.Reader, fn func(Module) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	var p moduleParser
	flush := func() error {
		m, ok := p.done()
		p = moduleParser{}
		if ok {
			return fn(m)
		}
		return nil
	}
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if line == "---" || strings.HasPrefix(line, "--- ") || line == "..." {
			if err := flush(); err != nil {
				return err
			}
			continue
		}
		p.line(line)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("parse modules: line longer than %d bytes", MaxLine)
		}
		return fmt.Errorf("parse modules: %w", err)
	}
	return flush()
}

// moduleParser follows one document: the top-level "document" and "data" keys, the fields of
// data at its first key's indentation, and data.artifacts.rpms.
type moduleParser struct {
	document   string
	m          Module
	inData     bool
	dataIndent int // -1 until the first key under data
	inArt      bool
	artIndent  int
	inRPMs     bool
	rpmsIndent int
}

func (p *moduleParser) line(line string) {
	trimmed := strings.TrimLeft(line, " ")
	if trimmed == "" || trimmed[0] == '#' {
		return
	}
	indent := len(line) - len(trimmed)
	if indent == 0 {
		p.inData, p.inArt, p.inRPMs = false, false, false
		key, val, _ := strings.Cut(trimmed, ":")
		switch key {
		case "document":
			p.document = scalar(val)
		case "data":
			p.inData, p.dataIndent = true, -1
		}
		return
	}
	if !p.inData {
		return
	}
	if p.inRPMs {
		if item, ok := strings.CutPrefix(trimmed, "- "); ok && indent >= p.rpmsIndent {
			if pkg, ok := ParseNEVRA(scalar(item)); ok && pkg.Arch != "src" && pkg.Arch != "nosrc" {
				p.m.Artifacts = append(p.m.Artifacts, pkg)
			}
			return
		}
		if indent <= p.rpmsIndent {
			p.inRPMs = false
		} else {
			return
		}
	}
	if p.inArt && indent <= p.artIndent {
		p.inArt = false
	}
	if p.dataIndent < 0 {
		p.dataIndent = indent
	}
	key, val, ok := strings.Cut(trimmed, ":")
	if !ok || strings.HasPrefix(key, "- ") {
		return
	}
	switch {
	case indent == p.dataIndent:
		switch key {
		case "name":
			p.m.Name = scalar(val)
		case "stream":
			p.m.Stream = scalar(val)
		case "version":
			p.m.Version = scalar(val)
		case "context":
			p.m.Context = scalar(val)
		case "arch":
			p.m.Arch = scalar(val)
		case "artifacts":
			p.inArt, p.artIndent = true, indent
		}
	case p.inArt && key == "rpms":
		p.inRPMs, p.rpmsIndent = true, indent
	}
}

func (p *moduleParser) done() (Module, bool) {
	return p.m, p.document == "modulemd" && p.m.Name != "" && p.m.Stream != ""
}

// scalar unquotes a plain, single- or double-quoted YAML scalar and drops a trailing comment.
func scalar(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') {
		if end := strings.LastIndexByte(s, s[0]); end > 0 {
			return s[1:end]
		}
	}
	if i := strings.Index(s, " #"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

// ParseNEVRA splits "name-[epoch:]version-release.arch" as modulemd artifacts list them.
func ParseNEVRA(s string) (Package, bool) {
	dot := strings.LastIndexByte(s, '.')
	if dot <= 0 {
		return Package{}, false
	}
	arch, rest := s[dot+1:], s[:dot]
	dash := strings.LastIndexByte(rest, '-')
	if dash <= 0 {
		return Package{}, false
	}
	rel, rest := rest[dash+1:], rest[:dash]
	dash = strings.LastIndexByte(rest, '-')
	if dash <= 0 {
		return Package{}, false
	}
	name, ver := rest[:dash], rest[dash+1:]
	epoch := ""
	if e, v, ok := strings.Cut(ver, ":"); ok {
		epoch, ver = e, v
	}
	if epoch == "0" {
		epoch = ""
	}
	if name == "" || ver == "" || rel == "" || arch == "" {
		return Package{}, false
	}
	return Package{Name: name, Arch: arch, Epoch: epoch, Version: ver, Release: rel}, true
}
