package repo

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

func TestDetect(t *testing.T) {
	gz := []byte{0x1f, 0x8b, 8}
	xzMagic := []byte{0xfd, '7', 'z', 'X', 'Z', 0}
	tests := []struct {
		name string
		data []byte
		want compression
	}{
		{"Packages.gz", gz, gzipC},
		{"Packages.xz", xzMagic, xzC},
		{"Packages.bz2", []byte("BZh91AY"), bzip2C},
		{"primary.xml.zst", []byte{0x28, 0xb5, 0x2f, 0xfd}, zstdC},
		{"Packages", []byte("Package: a"), plain},
		{"Packages", gz, gzipC},                                    // no suffix: magic decides
		{"Packages.gz", xzMagic, xzC},                              // mislabelled: magic of another format wins
		{"Packages.xz", []byte("<html>"), xzC},                     // no magic: the suffix stands, decoding fails clearly
		{"primary.xml.ZST", []byte{0x28, 0xb5, 0x2f, 0xfd}, zstdC}, // suffix case
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := detect(tt.name, tt.data); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// bombs returns 1 MiB of zeros (kept small: -race makes decoding slow) compressed with each writer-capable format.
func bombs(t *testing.T) map[string][]byte {
	t.Helper()
	zeros := make([]byte, 1<<20)
	out := map[string][]byte{"plain": zeros}
	var b bytes.Buffer
	gw := gzip.NewWriter(&b)
	gw.Write(zeros)
	gw.Close()
	out["x.gz"] = bytes.Clone(b.Bytes())
	b.Reset()
	xw, err := xz.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	xw.Write(zeros)
	xw.Close()
	out["x.xz"] = bytes.Clone(b.Bytes())
	b.Reset()
	zw, err := zstd.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(zeros)
	zw.Close()
	out["x.zst"] = bytes.Clone(b.Bytes())
	return out
}

func TestDecompressLimit(t *testing.T) {
	const size = 1 << 20
	for name, data := range bombs(t) {
		t.Run(name, func(t *testing.T) {
			for _, tt := range []struct {
				limit   int64
				wantErr error
			}{{64 << 10, ErrTooLarge}, {size - 1, ErrTooLarge}, {size, nil}} {
				r, done, err := decompress(name, data, tt.limit)
				if err != nil {
					t.Fatal(err)
				}
				n, err := io.Copy(io.Discard, r)
				done()
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("limit %d: got %v after %d bytes, want %v", tt.limit, err, n, tt.wantErr)
				}
				if n > tt.limit {
					t.Errorf("limit %d: got %d bytes out, want at most the limit", tt.limit, n)
				}
			}
		})
	}
}

// TestDecompressFixtures decompresses every committed Packages variant to the same bytes.
func TestDecompressFixtures(t *testing.T) {
	dir := "testdata" + debDir + "/"
	want, err := os.ReadFile(dir + "Packages")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range debIndexes {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(dir + name)
			if err != nil {
				t.Fatal(err)
			}
			for _, limit := range []int64{int64(len(want)), int64(len(want)) - 1} {
				r, done, err := decompress(name, data, limit)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(r)
				done()
				if limit < int64(len(want)) {
					if !errors.Is(err, ErrTooLarge) {
						t.Errorf("limit %d: got %v, want ErrTooLarge", limit, err)
					}
					continue
				}
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("got %d bytes, %v; want the %d bytes of Packages", len(got), err, len(want))
				}
			}
		})
	}
}

func TestDecompressCorrupt(t *testing.T) {
	data, err := os.ReadFile("testdata" + debDir + "/Packages.xz")
	if err != nil {
		t.Fatal(err)
	}
	data = data[:len(data)/2]
	r, done, err := decompress("Packages.xz", data, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	if _, err := io.ReadAll(r); err == nil {
		t.Fatal("got no error for a truncated xz stream")
	}
}
