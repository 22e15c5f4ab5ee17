// Package apk parses Alpine Linux repository indexes: APKINDEX.tar.gz, gzip streams (a
// signature, then the index) of a tar holding the APKINDEX text file. The caller decompresses;
// the tar and the index are read as streams with a bounded line length.
package apk

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxLine is the longest APKINDEX line accepted.
const MaxLine = 1 << 20

// Package is the identity of one package of an APKINDEX.
type Package struct {
	Name    string
	Version string // pkgver-rN
	Arch    string
}

// ParseIndexTar reads the uncompressed tar of an APKINDEX.tar.gz and parses its APKINDEX entry.
func ParseIndexTar(r io.Reader, fn func(Package) error) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return errors.New("read apk index: no APKINDEX file in archive")
		}
		if err != nil {
			return fmt.Errorf("read apk index: %w", err)
		}
		if h.Typeflag == tar.TypeReg && h.Name == "APKINDEX" {
			return ParseIndex(tr, fn)
		}
	}
}

// ParseIndex reads APKINDEX text: "P:name", "V:version", "A:arch" lines in stanzas separated
// by blank lines. fn is called for every stanza with a name and a version.
func ParseIndex(r io.Reader, fn func(Package) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLine)
	var p Package
	emit := func() error {
		q := p
		p = Package{}
		if q.Name != "" && q.Version != "" {
			return fn(q)
		}
		return nil
	}
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			if err := emit(); err != nil {
				return err
			}
			continue
		}
		if len(line) < 2 || line[1] != ':' {
			continue
		}
		switch v := strings.TrimSpace(line[2:]); line[0] {
		case 'P':
			p.Name = v
		case 'V':
			p.Version = v
		case 'A':
			p.Arch = v
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read apk index: %w", err)
	}
	return emit()
}

// SplitVersion splits "1.2.3-r4" into "1.2.3" and "r4" as the agent reports installed
// packages; a version without "-r" has no release.
func SplitVersion(v string) (version, release string) {
	if i := strings.LastIndex(v, "-r"); i > 0 {
		return v[:i], v[i+1:]
	}
	return v, ""
}
