package repo

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/ulikunitz/xz/lzma"
)

// Multi-threaded xz (Debian's Packages.xz is two 24 MiB blocks) writes independent blocks and
// an index of their sizes at the end of the stream. Decoding those blocks in parallel is the
// single biggest saving in refreshing a large Debian index: ulikunitz/xz decodes at ~30 MB/s
// and has no parallel mode. xzBlocks reads the index; anything it does not understand (several
// streams, filters other than LZMA2 alone) makes it return ok=false and the caller falls back
// to the sequential reader.

var crc64Table = crc64.MakeTable(crc64.ECMA)

// xzBlock is one block of a single-stream xz file.
type xzBlock struct {
	packed []byte // the raw LZMA2 data
	dict   int
	usize  int64 // uncompressed size according to the index
	check  []byte
}

type xzFile struct {
	checkType byte
	blocks    []xzBlock
}

func xzCheckSize(t byte) (int, bool) {
	switch t {
	case 0:
		return 0, true
	case 1:
		return 4, true
	case 4:
		return 8, true
	case 10:
		return 32, true
	}
	return 0, false
}

// parseXZIndex splits data into blocks using the stream's index.
func parseXZIndex(data []byte) (xzFile, bool) {
	var f xzFile
	if len(data) < 24 || !bytes.HasPrefix(data, []byte{0xfd, '7', 'z', 'X', 'Z', 0}) {
		return f, false
	}
	foot := data[len(data)-12:]
	if !bytes.Equal(foot[10:], []byte("YZ")) || !bytes.Equal(foot[8:10], data[6:8]) {
		return f, false
	}
	f.checkType = data[7] & 0x0f
	checkSize, ok := xzCheckSize(f.checkType)
	if !ok || data[6] != 0 {
		return f, false
	}
	backward := (int64(binary.LittleEndian.Uint32(foot[4:8])) + 1) * 4
	idxStart := int64(len(data)) - 12 - backward
	if idxStart < 12 || data[idxStart] != 0 {
		return f, false
	}
	idx := data[idxStart+1 : len(data)-12]
	n, k := binary.Uvarint(idx)
	if k <= 0 || n == 0 || n > 1<<16 {
		return f, false
	}
	idx = idx[k:]
	pos := int64(12)
	for range n {
		unpadded, k1 := binary.Uvarint(idx)
		if k1 <= 0 {
			return f, false
		}
		usize, k2 := binary.Uvarint(idx[k1:])
		if k2 <= 0 {
			return f, false
		}
		idx = idx[k1+k2:]
		b, size, ok := parseXZBlock(data[pos:idxStart], int64(unpadded), checkSize)
		if !ok || usize > 1<<40 {
			return f, false
		}
		b.usize = int64(usize)
		f.blocks = append(f.blocks, b)
		pos += size
	}
	return f, pos == idxStart
}

// parseXZBlock reads the block at the start of data whose unpadded size the index gave,
// returning it and its size in the file.
func parseXZBlock(data []byte, unpadded int64, checkSize int) (xzBlock, int64, bool) {
	if len(data) == 0 || data[0] == 0 {
		return xzBlock{}, 0, false
	}
	hsize := int64(data[0]+1) * 4
	csize := unpadded - hsize - int64(checkSize)
	total := (hsize+csize+3)&^3 + int64(checkSize)
	if csize <= 0 || total > int64(len(data)) {
		return xzBlock{}, 0, false
	}
	h := data[1:hsize]
	flags := h[0]
	if flags&0x03 != 0 || flags&0x3c != 0 { // exactly one filter, no reserved bits
		return xzBlock{}, 0, false
	}
	h = h[1:]
	for _, present := range []bool{flags&0x40 != 0, flags&0x80 != 0} {
		if present {
			_, k := binary.Uvarint(h)
			if k <= 0 {
				return xzBlock{}, 0, false
			}
			h = h[k:]
		}
	}
	// Filter flags: id 0x21 (LZMA2), one property byte: the dictionary size.
	if len(h) < 3 || h[0] != 0x21 || h[1] != 1 || h[2] > 40 {
		return xzBlock{}, 0, false
	}
	bits := uint(h[2])
	dict := int64(0xffffffff)
	if bits < 40 {
		dict = int64(2|bits&1) << (bits/2 + 11)
	}
	return xzBlock{
		packed: data[hsize : hsize+csize],
		dict:   int(min(dict, 1<<30)),
		check:  data[total-int64(checkSize) : total],
	}, total, true
}

// parallelXZ decodes the blocks of f on up to GOMAXPROCS goroutines and streams their output
// in order. The block at the head is decoded straight into the pipe, so parsing starts at
// once; the next ones are decoded ahead into memory, so at most GOMAXPROCS-1 decoded blocks
// are held at a time.
func parallelXZ(f xzFile, limit int64) (io.Reader, func()) {
	pr, pw := io.Pipe()
	ahead := max(0, min(runtime.GOMAXPROCS(0), len(f.blocks))-1)
	type result struct {
		out []byte
		err error
	}
	pending := make([]chan result, len(f.blocks))
	stop := make(chan struct{})
	start := func(i int) {
		if i < len(f.blocks) && pending[i] == nil {
			ch := make(chan result, 1)
			pending[i] = ch
			go func() {
				var buf bytes.Buffer
				buf.Grow(int(min(f.blocks[i].usize, limit, 64<<20)))
				err := decodeXZBlock(&buf, f.blocks[i], f.checkType, limit)
				ch <- result{buf.Bytes(), err}
			}()
		}
	}
	go func() {
		var written int64
		for i, b := range f.blocks {
			for j := i + 1; j <= i+ahead; j++ {
				start(j)
			}
			var err error
			if pending[i] == nil {
				cw := &countWriter{w: pw}
				err = decodeXZBlock(cw, b, f.checkType, limit-written)
				written += cw.n
			} else {
				var r result
				select {
				case r = <-pending[i]:
				case <-stop:
					return
				}
				pending[i] = nil
				if err = r.err; err == nil {
					written += int64(len(r.out))
					_, err = pw.Write(r.out)
				}
			}
			if err == nil && written > limit {
				err = ErrTooLarge
			}
			if err != nil {
				pw.CloseWithError(fmt.Errorf("xz block %d: %w", i+1, err))
				return
			}
		}
		pw.Close()
	}()
	var once sync.Once
	return pr, func() {
		once.Do(func() {
			close(stop)
			pr.CloseWithError(errors.New("reader closed"))
		})
	}
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// decodeXZBlock decodes one block into w, at most limit bytes, and verifies its check.
func decodeXZBlock(w io.Writer, b xzBlock, checkType byte, limit int64) error {
	// The dictionary never needs to exceed the block's own size: this keeps a tiny file
	// compressed with -9 (64 MiB dictionary) from allocating 64 MiB.
	dict := max(lzma.MinDictCap, int(min(int64(b.dict), b.usize)))
	r, err := lzma.Reader2Config{DictCap: dict}.NewReader2(bytes.NewReader(b.packed))
	if err != nil {
		return err
	}
	var h hash.Hash
	switch checkType {
	case 1:
		h = crc32.NewIEEE()
	case 4:
		h = crc64.New(crc64Table)
	case 10:
		h = sha256.New()
	}
	if h != nil {
		w = io.MultiWriter(w, h)
	}
	n, err := io.Copy(w, io.LimitReader(r, min(b.usize, limit)+1))
	if err != nil {
		return err
	}
	if n > limit {
		return ErrTooLarge
	}
	if n != b.usize {
		return fmt.Errorf("decoded %d bytes, index says %d", n, b.usize)
	}
	if h == nil {
		return nil
	}
	sum := h.Sum(nil)
	if checkType != 10 {
		// CRC32 and CRC64 are stored little-endian; Sum returns big-endian.
		slices.Reverse(sum)
	}
	if !bytes.Equal(sum, b.check) {
		return errors.New("integrity check failed")
	}
	return nil
}
