package rpm

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

const fixture = "../testdata/rpm/"

func readFixture(t testing.TB, dir, glob string) []byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(fixture, dir, "repodata", glob))
	if err != nil || len(names) != 1 {
		t.Fatalf("glob %s: got %v %v, want one file", glob, names, err)
	}
	data, err := os.ReadFile(names[0])
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// wantFixture is what make-rpm-repo.sh built (compare: rpm -qp --qf on the .rpm files).
var wantFixture = []Package{
	{Name: "hello-fixture", Arch: "noarch", Epoch: "2", Version: "0.9", Release: "3.el9"},
	{Name: "hello-fixture", Arch: "noarch", Version: "1.0", Release: "1.el9"},
	{Name: "hello-fixture", Arch: "noarch", Version: "1.1", Release: "1.el9"},
	{Name: "hello-fixture", Arch: "noarch", Version: "1.1", Release: "2.el9"},
	{Name: "other-fixture", Arch: "noarch", Version: "1.0^git20240101", Release: "1"},
}

func TestParseRepomd(t *testing.T) {
	for _, dir := range []string{"repo", "repo-zst"} {
		t.Run(dir, func(t *testing.T) {
			m, err := ParseRepomd(bytes.NewReader(readFixture(t, dir, "repomd.xml")))
			if err != nil {
				t.Fatal(err)
			}
			if m.Revision != "1700000000" {
				t.Errorf("got revision %q, want 1700000000", m.Revision)
			}
			if got, want := m.Freshness(), time.Unix(1700000000, 0).UTC(); !got.Equal(want) {
				t.Errorf("got freshness %v, want %v", got, want)
			}
			p, ok := m.Find("primary")
			if !ok {
				t.Fatal("no primary")
			}
			suffix := map[string]string{"repo": "-primary.xml.gz", "repo-zst": "-primary.xml.zst"}[dir]
			if !strings.HasPrefix(p.Href, "repodata/") || !strings.HasSuffix(p.Href, suffix) {
				t.Errorf("got href %q, want repodata/...%s", p.Href, suffix)
			}
			if p.Checksum.Type != "sha256" || len(p.Checksum.Value) != 64 {
				t.Errorf("got checksum %+v, want a sha256", p.Checksum)
			}
			if _, ok := m.Find("updateinfo"); !ok {
				t.Error("no updateinfo")
			}
		})
	}
}

func TestParseRepomdErrors(t *testing.T) {
	deep := "<repomd>" + strings.Repeat("<a>", MaxDepth+1) + strings.Repeat("</a>", MaxDepth+1) + "</repomd>"
	tests := []struct {
		name, in, want string
	}{
		{"not xml", "garbage", "no data"},
		{"html", "<html><body>404</body></html>", "root element is <html>"},
		{"no data", "<repomd><revision>1</revision></repomd>", "no data"},
		{"truncated", "<repomd><data type='primary'><checksum>", "unexpected EOF"},
		{"deep", deep, ErrTooDeep.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRepomd(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestRepomdXMLBaseAndSha(t *testing.T) {
	in := `<repomd xmlns="http://linux.duke.edu/metadata/repo"><revision>abc</revision>
		<data type="primary"><checksum type="sha">ABC</checksum>
		<location xml:base="http://other/base/" href="repodata/p.xml.gz"/><timestamp>1600000000</timestamp></data></repomd>`
	m, err := ParseRepomd(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := Data{Type: "primary", Href: "repodata/p.xml.gz", Base: "http://other/base/",
		Checksum: Checksum{Type: "sha1", Value: "abc"}, Timestamp: 1600000000}
	if diff := cmp.Diff([]Data{want}, m.Data); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
	if got, want := m.Freshness(), time.Unix(1600000000, 0).UTC(); !got.Equal(want) {
		t.Errorf("got freshness %v, want %v (newest timestamp for a non-numeric revision)", got, want)
	}
}

func parsePrimary(t testing.TB, data []byte) ([]Package, error) {
	t.Helper()
	var out []Package
	err := ParsePrimary(bytes.NewReader(data), func(p Package) error {
		out = append(out, p)
		return nil
	})
	return out, err
}

func TestParsePrimaryFixture(t *testing.T) {
	gz, err := gzip.NewReader(bytes.NewReader(readFixture(t, "repo", "*-primary.xml.gz")))
	if err != nil {
		t.Fatal(err)
	}
	var plain bytes.Buffer
	if _, err := plain.ReadFrom(gz); err != nil {
		t.Fatal(err)
	}
	zr, err := zstd.NewReader(bytes.NewReader(readFixture(t, "repo-zst", "*-primary.xml.zst")))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var fromZst bytes.Buffer
	if _, err := fromZst.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"gz": plain.Bytes(), "zst": fromZst.Bytes()} {
		t.Run(name, func(t *testing.T) {
			got, err := parsePrimary(t, data)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantFixture, got); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParsePrimaryCases(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Package
		err  string
	}{
		{"skips non-rpm and versionless", `<metadata><package type="srpm"><name>s</name><version ver="1"/></package>
			<package type="rpm"><name>n</name><arch>x86_64</arch></package>
			<package><name>ok</name><arch>i686</arch><version epoch="0" ver="1" rel="2"/><format><name>no</name></format></package></metadata>`,
			[]Package{{Name: "ok", Arch: "i686", Version: "1", Release: "2"}}, ""},
		{"wrong root", `<html/>`, nil, "root element is <html>"},
		{"truncated", `<metadata><package type="rpm"><name>a`, nil, "unexpected EOF"},
		{"deep", strings.Repeat("<metadata>", MaxDepth+2), nil, ErrTooDeep.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePrimary(t, []byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzRPMPrimary(f *testing.F) {
	gz, err := gzip.NewReader(bytes.NewReader(readFixture(f, "repo", "*-primary.xml.gz")))
	if err == nil {
		var b bytes.Buffer
		b.ReadFrom(gz)
		f.Add(b.Bytes())
	}
	f.Add([]byte(`<metadata><package type="rpm"><name>a</name><version epoch="1" ver="2" rel="3"/></package></metadata>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := ParsePrimary(bytes.NewReader(data), func(p Package) error {
			if p.Name == "" || p.Version == "" || p.Epoch == "0" {
				t.Fatalf("got incomplete package %+v", p)
			}
			return nil
		})
		_ = err // any error is fine; a panic or a hang is not
	})
}

func FuzzRepomd(f *testing.F) {
	f.Add(readFixture(f, "repo", "repomd.xml"))
	f.Add(readFixture(f, "repo-zst", "repomd.xml"))
	f.Add([]byte(`<repomd><data type="primary"><location xml:base="x" href="y"/></data></repomd>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseRepomd(bytes.NewReader(data))
		if err != nil {
			if m != nil {
				t.Fatal("got a repomd with an error")
			}
			return
		}
		if len(m.Data) == 0 {
			t.Fatal("got a repomd without data and no error")
		}
		_ = m.Freshness()
	})
}
