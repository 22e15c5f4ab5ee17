package rpm

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// seeds adds the fixture repo's files whose names contain part (gunzipped) to f.
func seeds(f *testing.F, part string) {
	names, _ := filepath.Glob(filepath.Join("..", "testdata", "rpm", "repo", "repodata", "*"+part+"*"))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			continue
		}
		if zr, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
			if d, err := io.ReadAll(zr); err == nil {
				b = d
			}
		}
		f.Add(b)
	}
}

func FuzzParseModules(f *testing.F) {
	seeds(f, "modules")
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseModules(bytes.NewReader(data), func(m Module) error {
			if m.Name == "" || m.Stream == "" {
				t.Fatalf("got module %+v without name or stream", m)
			}
			for _, p := range m.Artifacts {
				if p.Name == "" || p.Version == "" || p.Release == "" || p.Arch == "" {
					t.Fatalf("got artifact %+v with an empty field", p)
				}
			}
			return nil
		})
	})
}
