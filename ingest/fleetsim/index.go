package fleetsim

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ulikunitz/xz"
)

// debPackage is one stanza of a Debian Packages index, reduced to what a host reports.
type debPackage struct {
	Name, Arch, Version string // Version is the full [epoch:]upstream[-revision]
	Priority            string
	Section             string
}

// suite is one index the simulated hosts' repos point at.
type suite struct {
	Name     string // bookworm, bookworm-updates, bookworm-security
	Path     string // the index file as given
	Raw      []byte // the file as given (served as is)
	Packages []debPackage
}

// readSuite reads and parses a Packages index file, plain, .xz or .gz.
func readSuite(name, path string) (suite, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return suite{}, fmt.Errorf("read index %s: %w", path, err)
	}
	var r io.Reader = bytes.NewReader(raw)
	switch {
	case strings.HasSuffix(path, ".xz"):
		if r, err = xz.NewReader(r); err != nil {
			return suite{}, fmt.Errorf("read index %s: %w", path, err)
		}
	case strings.HasSuffix(path, ".gz"):
		if r, err = gzip.NewReader(r); err != nil {
			return suite{}, fmt.Errorf("read index %s: %w", path, err)
		}
	}
	pkgs, err := parsePackages(r)
	if err != nil {
		return suite{}, fmt.Errorf("parse index %s: %w", path, err)
	}
	return suite{Name: name, Path: path, Raw: raw, Packages: pkgs}, nil
}

// parsePackages scans stanzas line by line, keeping only the fields it needs (a reflection
// based control parser is ~20x slower on the 60,000-stanza main index).
func parsePackages(r io.Reader) ([]debPackage, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<22)
	var out []debPackage
	var cur debPackage
	flush := func() {
		if cur.Name != "" && cur.Version != "" && cur.Arch != "" {
			out = append(out, cur)
		}
		cur = debPackage{}
	}
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Package":
			cur.Name = v
		case "Version":
			cur.Version = v
		case "Architecture":
			cur.Arch = v
		case "Priority":
			cur.Priority = v
		case "Section":
			cur.Section = v
		}
	}
	flush()
	return out, sc.Err()
}

// splitDebVersion splits a full Debian version into the epoch, version and release fields of a
// native report package (the release is the revision after the last hyphen).
func splitDebVersion(full string) (epoch, version, release string) {
	if i := strings.IndexByte(full, ':'); i >= 0 {
		epoch, full = full[:i], full[i+1:]
	}
	if i := strings.LastIndexByte(full, '-'); i >= 0 {
		return epoch, full[:i], full[i+1:]
	}
	return epoch, full, ""
}
