package apk

import (
	"bytes"
	"testing"
)

func FuzzParseIndex(f *testing.F) {
	f.Add([]byte("C:Q1x=\nP:a\nV:1.0-r0\nA:x86_64\n\nP:b\nV:2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseIndex(bytes.NewReader(data), func(p Package) error {
			if p.Name == "" || p.Version == "" {
				t.Fatalf("got package %+v without name or version", p)
			}
			return nil
		})
		ParseIndexTar(bytes.NewReader(data), func(Package) error { return nil })
	})
}
