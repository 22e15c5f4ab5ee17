package repo

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"testing"

	"github.com/ulikunitz/xz"
)

func multiBlockXZ(t testing.TB, data []byte, check byte, blockSize int64) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := xz.WriterConfig{BlockSize: blockSize, CheckSum: check}.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestParallelXZ(t *testing.T) {
	plainData, err := os.ReadFile("testdata" + debDir + "/Packages")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		check  byte
		blocks int
	}{
		{"crc64", xz.CRC64, 5},
		{"crc32", xz.CRC32, 5},
		{"sha256", xz.SHA256, 5},
		{"none", xz.None, 5},
		{"one block", xz.CRC64, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := int64(len(plainData)/tt.blocks + 1)
			data := multiBlockXZ(t, plainData, tt.check, bs)
			f, ok := parseXZIndex(data)
			if !ok || len(f.blocks) != tt.blocks {
				t.Fatalf("got ok=%v with %d blocks, want %d blocks", ok, len(f.blocks), tt.blocks)
			}
			r, done, err := decompress("Packages.xz", data, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			done()
			if err != nil || !bytes.Equal(got, plainData) {
				t.Fatalf("got %d bytes, %v; want the %d bytes of Packages", len(got), err, len(plainData))
			}
			r, done, _ = decompress("Packages.xz", data, int64(len(plainData)-1))
			_, err = io.ReadAll(r)
			done()
			if !errors.Is(err, ErrTooLarge) {
				t.Errorf("limit one below size: got %v, want ErrTooLarge", err)
			}
		})
	}
}

func TestParallelXZCorrupt(t *testing.T) {
	plainData, err := os.ReadFile("testdata" + debDir + "/Packages")
	if err != nil {
		t.Fatal(err)
	}
	data := multiBlockXZ(t, plainData, xz.CRC64, int64(len(plainData)/3+1))
	f, ok := parseXZIndex(data)
	if !ok || len(f.blocks) != 3 {
		t.Fatalf("got ok=%v with %d blocks, want 3", ok, len(f.blocks))
	}
	// Flip a check byte of block 2: the data decodes but must fail verification.
	f.blocks[1].check[0] ^= 0xff
	r, done := parallelXZ(f, 1<<20)
	defer done()
	if _, err := io.ReadAll(r); err == nil || !bytes.Contains([]byte(err.Error()), []byte("block 2")) {
		t.Fatalf("got %v, want an integrity error naming block 2", err)
	}
}

// TestParallelXZRealTool checks the index reader against files written by xz itself
// (multi-threaded mode is what makes multi-block files in the wild).
func TestParallelXZRealTool(t *testing.T) {
	xzPath, err := exec.LookPath("xz")
	if err != nil {
		if os.Getenv("PATCHWARD_REQUIRE_TOOLS") == "1" {
			t.Fatal("xz not installed")
		}
		t.Skip("xz not installed")
	}
	plainData, err := os.ReadFile("testdata" + debDir + "/Packages")
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-T2", "--block-size=300"}, {"-T2", "--block-size=300", "--check=sha256"}, {"-6"}} {
		cmd := exec.Command(xzPath, append(args, "-c")...)
		cmd.Stdin = bytes.NewReader(plainData)
		data, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		r, done, err := decompress("Packages.xz", data, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		done()
		if err != nil || !bytes.Equal(got, plainData) {
			t.Errorf("xz %v: got %d bytes, %v; want %d bytes", args, len(got), err, len(plainData))
		}
	}
}

func FuzzXZIndex(f *testing.F) {
	if data, err := os.ReadFile("testdata" + debDir + "/Packages.xz"); err == nil {
		f.Add(data)
	}
	f.Add(multiBlockXZ(f, []byte("Package: a\nVersion: 1\n\nPackage: b\nVersion: 2\n"), xz.CRC64, 16))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, done, err := decompress("Packages.xz", data, 1<<16)
		if err != nil {
			return
		}
		defer done()
		n, _ := io.Copy(io.Discard, r)
		if n > 1<<16 {
			t.Fatalf("got %d bytes past the limit", n)
		}
	})
}
