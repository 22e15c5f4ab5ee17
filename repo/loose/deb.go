package loose

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"path"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// maxControl bounds the control member of a .deb (compressed and uncompressed).
const maxControl = 16 << 20

// ReadDeb reads the control fields of the .deb at path: the ar archive's control.tar
// member (uncompressed, gzip, xz or zstd) and its ./control file.
func ReadDeb(path string) (Package, error) {
	f, size, err := openCapped(path)
	if err != nil {
		return Package{}, err
	}
	defer f.Close()
	ctl, err := debControl(io.LimitReader(f, size), size)
	if err != nil {
		return Package{}, err
	}
	fields := controlFields(ctl)
	p := Package{Type: "deb", Name: fields["package"], Arch: fields["architecture"]}
	if p.Name == "" || fields["version"] == "" || p.Arch == "" {
		return Package{}, corrupt("control file without Package, Version or Architecture")
	}
	v := fields["version"]
	if i := strings.IndexByte(v, ':'); i >= 0 {
		p.Epoch, v = v[:i], v[i+1:]
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		p.Version, p.Release = v[:i], v[i+1:]
	} else {
		p.Version = v
	}
	p.Source, _, _ = strings.Cut(fields["source"], " ") // "name (version)" when it differs
	if p.Source == "" {
		p.Source = p.Name
	}
	return p, nil
}

// debControl returns the control file of a .deb read from r (size bytes).
func debControl(r io.Reader, size int64) ([]byte, error) {
	magic := make([]byte, 8)
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != "!<arch>\n" {
		return nil, corrupt("not a deb (no ar archive)")
	}
	read := int64(8)
	for read < size {
		hdr := make([]byte, 60)
		if _, err := io.ReadFull(r, hdr); err != nil {
			return nil, corrupt("truncated ar member header: %v", err)
		}
		read += 60
		if hdr[58] != '`' || hdr[59] != '\n' {
			return nil, corrupt("bad ar member header")
		}
		name := strings.TrimSuffix(strings.TrimSpace(string(hdr[:16])), "/")
		n, err := atoi(string(hdr[48:58]))
		if err != nil || n < 0 || read+n > size {
			return nil, corrupt("ar member %q of bad size", name)
		}
		if strings.HasPrefix(name, "control.tar") {
			body, err := readFull(r, n, maxControl)
			if err != nil {
				return nil, err
			}
			return controlFromTar(name, body)
		}
		if _, err := io.CopyN(io.Discard, r, n+n%2); err != nil && !errors.Is(err, io.EOF) {
			return nil, corrupt("truncated ar member %q", name)
		}
		read += n + n%2
	}
	return nil, corrupt("no control.tar member")
}

// controlFromTar finds ./control in the (compressed) control tar.
func controlFromTar(name string, body []byte) ([]byte, error) {
	var r io.Reader = bytes.NewReader(body)
	switch path.Ext(name) {
	case ".gz":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, corrupt("%s: %v", name, err)
		}
		r = zr
	case ".xz":
		zr, err := xz.NewReader(r)
		if err != nil {
			return nil, corrupt("%s: %v", name, err)
		}
		r = zr
	case ".zst":
		zr, err := zstd.NewReader(r, zstd.WithDecoderMaxMemory(maxControl))
		if err != nil {
			return nil, corrupt("%s: %v", name, err)
		}
		defer zr.Close()
		r = zr
	case ".tar":
	default:
		return nil, corrupt("control member %q of unknown compression", name)
	}
	tr := tar.NewReader(io.LimitReader(r, maxControl))
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, corrupt("%s: no ./control (%v)", name, err)
		}
		if path.Clean(strings.TrimPrefix(h.Name, "./")) == "control" {
			return readFull(tr, h.Size, maxControl)
		}
	}
}
