package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// payloadMagic starts the stored report format: a JSON line with everything but the packages,
// then the package count ("-" for nil) and one tab-separated line per package, all compressed
// with zstd. Packages are most of a report and encoding/json spends ~1 ms each way on 750 of
// them; the line form is ~10x cheaper, and zstd's fastest level is several times faster than
// gzip -1 at a similar ~8 KB.
const payloadMagic = "PWR1\n"

var (
	payloadEscaper   = strings.NewReplacer("\\", "\\\\", "\t", "\\t", "\n", "\\n")
	payloadUnescaper = strings.NewReplacer("\\\\", "\\", "\\t", "\t", "\\n", "\n")
)

// encodeReportPayload returns the stored form of a report (see payloadMagic).
func encodeReportPayload(r HostReport) ([]byte, error) {
	pkgs := r.Packages
	r.Packages = nil
	head, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	raw := make([]byte, 0, len(payloadMagic)+len(head)+len(pkgs)*48+16)
	raw = append(append(append(raw, payloadMagic...), head...), '\n')
	if pkgs == nil {
		raw = append(raw, "-\n"...)
	} else {
		raw = append(strconv.AppendInt(raw, int64(len(pkgs)), 10), '\n')
	}
	for _, k := range pkgs {
		for i, f := range [...]string{k.Type, k.Name, k.Arch, k.Epoch, k.Version, k.Release} {
			if i > 0 {
				raw = append(raw, '\t')
			}
			if strings.ContainsAny(f, "\\\t\n") {
				f = payloadEscaper.Replace(f)
			}
			raw = append(raw, f...)
		}
		raw = append(raw, '\n')
	}
	enc, err := payloadEncoder()
	if err != nil {
		return nil, err
	}
	return enc.EncodeAll(raw, nil), nil
}

// payloadEncoder and payloadDecoder are shared: EncodeAll and DecodeAll are safe for concurrent
// use, and building a zstd coder per report would cost more than the compression itself.
var (
	payloadEncoder = sync.OnceValues(func() (*zstd.Encoder, error) {
		return zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	})
	payloadDecoder = sync.OnceValues(func() (*zstd.Decoder, error) {
		return zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(1<<30))
	})
)

// decodeReportPayload reverses encodeReportPayload; plain or gzip'd JSON of a HostReport is
// accepted too.
func decodeReportPayload(b []byte) (HostReport, error) {
	var r HostReport
	if bytes.HasPrefix(b, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		dec, err := payloadDecoder()
		if err != nil {
			return r, err
		}
		if b, err = dec.DecodeAll(b, nil); err != nil {
			return r, fmt.Errorf("%w: %v", ErrBadPayload, err)
		}
	} else if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return r, fmt.Errorf("%w: %v", ErrBadPayload, err)
		}
		defer zr.Close()
		if b, err = io.ReadAll(zr); err != nil {
			return r, fmt.Errorf("%w: %v", ErrBadPayload, err)
		}
	}
	rest, ok := bytes.CutPrefix(b, []byte(payloadMagic))
	if !ok {
		if err := json.Unmarshal(b, &r); err != nil {
			return r, fmt.Errorf("%w: %v", ErrBadPayload, err)
		}
		return r, nil
	}
	head, rest, _ := bytes.Cut(rest, []byte{'\n'})
	if err := json.Unmarshal(head, &r); err != nil {
		return r, fmt.Errorf("%w: %v", ErrBadPayload, err)
	}
	count, rest, _ := bytes.Cut(rest, []byte{'\n'})
	if string(count) == "-" {
		r.Packages = nil
		return r, nil
	}
	n, err := strconv.Atoi(string(count))
	if err != nil || n < 0 || n > len(rest) {
		return r, fmt.Errorf("%w: bad package count %q", ErrBadPayload, count)
	}
	r.Packages = make([]PackageKey, 0, n)
	text := string(rest) // one allocation; fields below are substrings of it
	for line := range strings.Lines(text) {
		f := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
		if len(f) != 6 {
			return r, fmt.Errorf("%w: package line %d has %d fields", ErrBadPayload, len(r.Packages)+1, len(f))
		}
		for i := range f {
			if strings.IndexByte(f[i], '\\') >= 0 {
				f[i] = payloadUnescaper.Replace(f[i])
			}
		}
		r.Packages = append(r.Packages, PackageKey{Type: f[0], Name: f[1], Arch: f[2], Epoch: f[3], Version: f[4], Release: f[5]})
	}
	if len(r.Packages) != n {
		return r, fmt.Errorf("%w: got %d packages, want %d", ErrBadPayload, len(r.Packages), n)
	}
	return r, nil
}
