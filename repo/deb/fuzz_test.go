package deb

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParsePackages(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("..", "testdata", "deb", "repo", "dists", "bookworm", "main", "binary-amd64", "Packages")); err == nil {
		f.Add(b)
	}
	f.Add([]byte("Package: a\nVersion: 1:2-3\nArchitecture: all\n\nPackage: b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		err := ParsePackages(bytes.NewReader(data), func(p Package) error {
			if p.Name == "" || p.Version == "" {
				t.Fatalf("got package %+v without name or version", p)
			}
			n++
			return nil
		})
		if err != nil && n > bytes.Count(data, []byte("\n"))+1 {
			t.Fatalf("got %d packages from %d lines", n, bytes.Count(data, []byte("\n")))
		}
	})
}

func FuzzParseRelease(f *testing.F) {
	for _, name := range []string{"Release", "InRelease"} {
		if b, err := os.ReadFile(filepath.Join("..", "testdata", "deb", "repo", "dists", "bookworm", name)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rel, err := ParseRelease(bytes.NewReader(data))
		if err == nil && len(rel.Files) == 0 {
			t.Fatal("got a release without files and no error")
		}
	})
}
