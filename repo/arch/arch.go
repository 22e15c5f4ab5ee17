// Package arch parses Arch Linux (pacman) repository databases: REPO.db, a tar archive with
// one NAME-VERSION/desc file per package. The caller decompresses (gzip, xz or zstd); the tar
// is read as a stream, and every desc file is size-capped.
package arch

import (
	"archive/tar"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// MaxDesc is the largest desc file accepted (real ones are a few KiB).
const MaxDesc = 1 << 20

// ErrDescTooLarge is returned for a desc file larger than MaxDesc.
var ErrDescTooLarge = errors.New("desc file too large")

// Package is the identity of one package of a pacman database.
type Package struct {
	Name    string
	Version string // [epoch:]pkgver-pkgrel
	Arch    string // x86_64, any, ...
}

// ParseDB reads an uncompressed pacman database tar and calls fn for every desc file with a
// %NAME% and a %VERSION%, in archive order.
func ParseDB(r io.Reader, fn func(Package) error) error {
	tr := tar.NewReader(r)
	buf := make([]byte, 0, 4096)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read pacman database: %w", err)
		}
		if h.Typeflag != tar.TypeReg || path.Base(h.Name) != "desc" {
			continue
		}
		if h.Size > MaxDesc {
			return fmt.Errorf("read pacman database: %s: %w", h.Name, ErrDescTooLarge)
		}
		buf = buf[:0]
		b := bytes.NewBuffer(buf)
		if _, err := io.Copy(b, io.LimitReader(tr, MaxDesc)); err != nil {
			return fmt.Errorf("read pacman database: %s: %w", h.Name, err)
		}
		buf = b.Bytes()
		p := parseDesc(buf)
		if p.Name == "" || p.Version == "" {
			continue
		}
		if err := fn(p); err != nil {
			return err
		}
	}
}

// parseDesc reads the %NAME%, %VERSION% and %ARCH% sections of a desc file.
func parseDesc(b []byte) Package {
	var p Package
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), MaxDesc)
	section := ""
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			section = ""
		case strings.HasPrefix(line, "%") && strings.HasSuffix(line, "%") && len(line) > 2:
			section = line
		default:
			switch section {
			case "%NAME%":
				p.Name = line
			case "%VERSION%":
				p.Version = line
			case "%ARCH%":
				p.Arch = line
			}
			section = "" // one value each
		}
	}
	return p
}
