package repo

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// ErrTooLarge is returned when an index (compressed or not) exceeds Options.MaxDecompressed.
var ErrTooLarge = errors.New("index exceeds size limit")

// compression names a compression format.
type compression string

const (
	plain  compression = ""
	gzipC  compression = "gzip"
	xzC    compression = "xz"
	bzip2C compression = "bzip2"
	zstdC  compression = "zstd"
)

var magics = []struct {
	c     compression
	magic []byte
}{
	{gzipC, []byte{0x1f, 0x8b}},
	{xzC, []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}},
	{bzip2C, []byte("BZh")},
	{zstdC, []byte{0x28, 0xb5, 0x2f, 0xfd}},
}

// bySuffix maps a file name's suffix to its compression.
func bySuffix(name string) (compression, bool) {
	switch strings.ToLower(path.Ext(name)) {
	case ".gz":
		return gzipC, true
	case ".xz":
		return xzC, true
	case ".bz2":
		return bzip2C, true
	case ".zst", ".zstd":
		return zstdC, true
	}
	return plain, false
}

func byMagic(data []byte) compression {
	for _, m := range magics {
		if bytes.HasPrefix(data, m.magic) {
			return m.c
		}
	}
	return plain
}

// detect picks the compression of data named name: the suffix decides, and the magic bytes
// decide when there is no known suffix or when they name another known format (a server that
// recompressed or mislabelled the file).
func detect(name string, data []byte) compression {
	magic := byMagic(data)
	if c, ok := bySuffix(name); ok && (magic == plain || magic == c) {
		return c
	}
	return magic
}

// decompress returns a reader of data's decompressed content that fails with ErrTooLarge once
// more than limit bytes come out. The limit is enforced while streaming, so a decompression
// bomb costs at most limit bytes of work and no memory beyond the decoder's window. When done
// is called before the reader is drained, background work stops.
func decompress(name string, data []byte, limit int64) (r io.Reader, done func(), err error) {
	src := bytes.NewReader(data)
	c := detect(name, data)
	var dec io.Reader
	done = func() {}
	switch c {
	case plain:
		dec = src
	case gzipC:
		zr, err := gzip.NewReader(src)
		if err != nil {
			return nil, nil, fmt.Errorf("read gzip header of %s: %w", name, err)
		}
		dec = zr
	case xzC:
		if f, ok := parseXZIndex(data); ok && len(f.blocks) > 1 {
			dec, done = parallelXZ(f, limit)
			break
		}
		// bufio gives the xz reader a fast ReadByte path; decoding runs in its own goroutine
		// because it is the slowest stage (about 30 MB/s), so parsing overlaps with it.
		xr, err := xz.NewReader(bufio.NewReaderSize(src, 64<<10))
		if err != nil {
			return nil, nil, fmt.Errorf("read xz header of %s: %w", name, err)
		}
		dec, done = background(xr)
	case bzip2C:
		dec = bzip2.NewReader(src)
	case zstdC:
		zr, err := zstd.NewReader(src, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(128<<20))
		if err != nil {
			return nil, nil, fmt.Errorf("read zstd header of %s: %w", name, err)
		}
		dec = zr.IOReadCloser()
		done = zr.Close
	}
	return &limitedReader{r: dec, left: limit, name: name, c: c}, done, nil
}

// background runs r in a goroutine, handing its output over in large chunks.
func background(r io.Reader) (io.Reader, func()) {
	pr, pw := io.Pipe()
	go func() {
		buf := make([]byte, 256<<10)
		for {
			// Fill the chunk before handing it over: one pipe hand-off per 256 KiB, not per
			// small read of the decoder.
			n, err := 0, error(nil)
			for n < len(buf) && err == nil {
				var m int
				m, err = r.Read(buf[n:])
				n += m
			}
			if n > 0 {
				if _, werr := pw.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err == io.EOF {
				pw.Close()
				return
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
	}()
	return pr, func() { pr.CloseWithError(errors.New("reader closed")) }
}

// limitedReader fails with ErrTooLarge after left bytes and names the format in decode errors.
type limitedReader struct {
	r    io.Reader
	left int64
	name string
	c    compression
}

func (l *limitedReader) Read(p []byte) (int, error) {
	// Asking for one byte more than is left tells a stream of exactly the limit from a longer one.
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	if int64(n) > l.left {
		return 0, fmt.Errorf("decompress %s: %w", l.name, ErrTooLarge)
	}
	l.left -= int64(n)
	if err != nil && err != io.EOF {
		if l.c != plain {
			err = fmt.Errorf("decompress %s (%s): %w", l.name, l.c, err)
		}
	}
	return n, err
}
