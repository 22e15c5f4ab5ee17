package deb

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseReleaseFixture(t *testing.T) {
	for _, name := range []string{"Release", "InRelease"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile("../testdata/deb/repo/dists/bookworm/" + name)
			if err != nil {
				t.Fatal(err)
			}
			rel, err := ParseRelease(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if want := time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC); !rel.Date.Equal(want) {
				t.Errorf("got date %v, want %v", rel.Date, want)
			}
			for _, f := range []string{"Packages", "Packages.gz", "Packages.xz", "Packages.bz2"} {
				file, err := os.ReadFile("../testdata/deb/repo/dists/bookworm/main/binary-amd64/" + f)
				if err != nil {
					t.Fatal(err)
				}
				got, ok := rel.Files["main/binary-amd64/"+f]
				if !ok || got.Size != int64(len(file)) || len(got.SHA256) != 64 {
					t.Errorf("%s: got %+v (listed %v), want size %d and a sha256", f, got, ok, len(file))
				}
			}
		})
	}
}

func TestParseReleaseCases(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	tests := []struct {
		name, in string
		files    int
		wantErr  bool
	}{
		{"plain", "Date: Sat, 10 May 2025 09:02:29 UTC\nSHA256:\n " + sum + " 12 main/binary-amd64/Packages.xz\n", 1, false},
		{"dash escaped", "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nSHA256:\n " + sum + " 1 a\n- -X-Field: y\n-----BEGIN PGP SIGNATURE-----\nxx\n", 1, false},
		{"md5 only", "MD5Sum:\n " + strings.Repeat("a", 32) + " 1 a\n", 0, true},
		{"garbage", "<html>\n", 0, true},
		{"bad sizes skipped", "SHA256:\n " + sum + " x a\n " + sum + " 3 b\n", 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rel, err := ParseRelease(strings.NewReader(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err == nil && len(rel.Files) != tt.files {
				t.Errorf("got %d files, want %d", len(rel.Files), tt.files)
			}
		})
	}
}

func FuzzDebRelease(f *testing.F) {
	for _, name := range []string{"Release", "InRelease"} {
		if data, err := os.ReadFile("../testdata/deb/repo/dists/bookworm/" + name); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rel, err := ParseRelease(bytes.NewReader(data))
		if err == nil && len(rel.Files) == 0 {
			t.Fatal("got a release without files and no error")
		}
	})
}
