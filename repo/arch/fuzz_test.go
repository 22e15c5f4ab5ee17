package arch

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParseDB(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("..", "testdata", "arch", "fixture", "os", "x86_64", "fixture.db")); err == nil {
		if zr, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
			if d, err := io.ReadAll(zr); err == nil {
				f.Add(d)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseDB(bytes.NewReader(data), func(p Package) error {
			if p.Name == "" || p.Version == "" {
				t.Fatalf("got package %+v without name or version", p)
			}
			return nil
		})
	})
}
