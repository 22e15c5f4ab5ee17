package deb

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func parseAll(t testing.TB, data string) ([]Package, error) {
	t.Helper()
	var out []Package
	err := ParsePackages(strings.NewReader(data), func(p Package) error {
		out = append(out, p)
		return nil
	})
	return out, err
}

func TestParsePackages(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	tests := []struct {
		name string
		in   string
		want []Package
	}{
		{"empty", "", nil},
		{"one no trailing newline", "Package: a\nVersion: 1.0\nArchitecture: all", []Package{{Name: "a", Version: "1.0", Arch: "all"}}},
		{"two with blank lines", "\n\nPackage: a\nVersion: 1\nArchitecture: amd64\n\n\n\nPackage: b\nVersion: 2\nArchitecture: amd64\nSource: bsrc (1.9)\n\n",
			[]Package{{Name: "a", Version: "1", Arch: "amd64"}, {Name: "b", Version: "2", Arch: "amd64", Source: "bsrc"}}},
		{"crlf and whitespace blank line", "Package: a\r\nVersion: 1\r\nArchitecture: all\r\n  \t\r\nPackage: b\r\nVersion: 2\r\n",
			[]Package{{Name: "a", Version: "1", Arch: "all"}, {Name: "b", Version: "2"}}},
		{"continuation lines ignored", "Package: a\nDescription: x\n Package: fake\n Version: 9\nVersion: 1\n", []Package{{Name: "a", Version: "1"}}},
		{"no version skipped", "Package: a\nArchitecture: all\n\nPackage: b\nVersion: 1\n", []Package{{Name: "b", Version: "1"}}},
		{"case-insensitive fields", "package: a\nVERSION: 1:2-3\n", []Package{{Name: "a", Version: "1:2-3"}}},
		{"long irrelevant line", "Package: a\nDescription: " + long + "\nVersion: 1\n", []Package{{Name: "a", Version: "1"}}},
		{"long wanted line", "Package: a" + long + "\nVersion: 1\n", []Package{{Name: "a" + long, Version: "1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseAll(t, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParsePackagesLineTooLong(t *testing.T) {
	in := "Package: a\nDescription: " + strings.Repeat("y", MaxLine+10) + "\n"
	_, err := parseAll(t, in)
	if !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("got %v, want ErrLineTooLong", err)
	}
	if !strings.Contains(err.Error(), "line 2") {
		t.Errorf("got %q, want the line number 2 in it", err)
	}
}

func TestParsePackagesCallbackError(t *testing.T) {
	stop := errors.New("stop")
	err := ParsePackages(strings.NewReader("Package: a\nVersion: 1\n\nPackage: b\nVersion: 1\n"), func(Package) error { return stop })
	if err != stop {
		t.Fatalf("got %v, want the callback's error", err)
	}
}

// TestParsePackagesFixture checks the dpkg-scanpackages output in testdata against the
// packages the build script made.
func TestParsePackagesFixture(t *testing.T) {
	data, err := os.ReadFile("../testdata/deb/repo/dists/bookworm/main/binary-amd64/Packages")
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseAll(t, string(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []Package{
		{Name: "epoch-fixture", Version: "1.0-1", Arch: "all"},
		{Name: "epoch-fixture", Version: "1:0.9-1", Arch: "all"},
		{Name: "hello-fixture", Version: "1.0-1", Arch: "all"},
		{Name: "hello-fixture", Version: "1.0-1+deb12u1", Arch: "all"},
		{Name: "other-fixture", Version: "2.0~rc1-1", Arch: "amd64"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}

func TestSplitVersion(t *testing.T) {
	tests := []struct{ in, epoch, version, release string }{
		{"1.0", "", "1.0", ""},
		{"1.0-1", "", "1.0", "1"},
		{"1:0.9-1", "1", "0.9", "1"},
		{"0:1.0-2", "", "1.0", "2"},
		{"2:1.2-3-4+deb12u1", "2", "1.2-3", "4+deb12u1"},
		{"1:2:3-4", "1", "2:3", "4"},
		{"2.0~rc1-1", "", "2.0~rc1", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, v, r := SplitVersion(tt.in)
			if e != tt.epoch || v != tt.version || r != tt.release {
				t.Errorf("got %q %q %q, want %q %q %q", e, v, r, tt.epoch, tt.version, tt.release)
			}
		})
	}
}

func FuzzDebPackages(f *testing.F) {
	if data, err := os.ReadFile("../testdata/deb/repo/dists/bookworm/main/binary-amd64/Packages"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("Package: a\nVersion: 1:2-3\nArchitecture: all\n\n\nPackage: b\r\n Version: x\n"))
	f.Add([]byte("Package:\nVersion:\n\n:\n#\n\t\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		err := ParsePackages(bytes.NewReader(data), func(p Package) error {
			n++
			if p.Name == "" || p.Version == "" {
				t.Fatalf("got package %+v without name or version", p)
			}
			e, v, r := SplitVersion(p.Version)
			if len(e)+len(v)+len(r) > len(p.Version) {
				t.Fatalf("split of %q longer than the version", p.Version)
			}
			return nil
		})
		if err != nil && !errors.Is(err, ErrLineTooLong) {
			t.Fatalf("unexpected error %v", err)
		}
		if n > bytes.Count(data, []byte(":"))+1 {
			t.Fatalf("got %d packages from %d bytes", n, len(data))
		}
	})
}

// BenchmarkParsePackages parses a real, uncompressed Packages file named by
// PATCHWARD_BENCH_PACKAGES_PLAIN (skipped when unset).
func BenchmarkParsePackages(b *testing.B) {
	path := os.Getenv("PATCHWARD_BENCH_PACKAGES_PLAIN")
	if path == "" {
		b.Skip("PATCHWARD_BENCH_PACKAGES_PLAIN not set")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		n := 0
		if err := ParsePackages(bytes.NewReader(data), func(Package) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
