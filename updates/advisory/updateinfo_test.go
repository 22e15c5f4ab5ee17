package advisory

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"patchward/repo/xmlwalk"
)

// fixtureUpdateinfo is the updateinfo.xml of repo's rpm fixture repository (built with
// createrepo_c and modifyrepo_c), gunzipped.
func fixtureUpdateinfo(t testing.TB) []byte {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join("..", "..", "repo", "testdata", "rpm", "repo", "repodata", "*updateinfo*"))
	if len(names) == 0 {
		t.Fatal("no updateinfo in repo/testdata/rpm/repo/repodata")
	}
	b, err := os.ReadFile(names[0])
	if err != nil {
		t.Fatal(err)
	}
	if zr, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func TestUpdateinfoFixture(t *testing.T) {
	var got []Advisory
	err := Updateinfo.Parse(context.Background(), bytes.NewReader(fixtureUpdateinfo(t)), func(a Advisory) error {
		got = append(got, a)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		t.Fatal("got no advisory from the fixture's updateinfo")
	}
	for _, a := range got {
		if a.ID == "" || a.Type == "" || len(a.Packages) == 0 {
			t.Errorf("advisory %+v: want an id, a type and packages", a)
		}
	}
}

func TestUpdateinfoFields(t *testing.T) {
	doc := `<?xml version="1.0"?><updates>
<update type="security" status="final"><id>RHSA-2024:0001</id><title>openssl fix</title><severity>Important</severity>
<issued date="2024-01-15 00:00:00"/><updated date="1705363200"/>
<references><reference type="CVE" id="CVE-2024-0001" href="https://example.org/c" title="c"/><reference type="bugzilla" id="42"/></references>
<pkglist><collection><package name="openssl" arch="x86_64" epoch="0" version="3.0.7" release="2.el9"/><package name="" version="1"/></collection></pkglist></update>
<update type="bugfix"><title>no id: skipped</title></update>
</updates>`
	var got []Advisory
	if err := Updateinfo.Parse(context.Background(), strings.NewReader(doc), func(a Advisory) error { got = append(got, a); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d advisories, want 1 (the one without an id is skipped)", len(got))
	}
	a := got[0]
	want := Advisory{ID: "RHSA-2024:0001", Type: "security", Severity: "Important", Title: "openssl fix",
		Issued: time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), Updated: time.Unix(1705363200, 0).UTC(),
		Refs:     []Reference{{Type: "cve", ID: "CVE-2024-0001", URL: "https://example.org/c", Title: "c"}, {Type: "bugzilla", ID: "42"}},
		Packages: []Package{{Name: "openssl", Arch: "x86_64", Version: "3.0.7", Release: "2.el9"}}}
	if a.ID != want.ID || a.Type != want.Type || a.Severity != want.Severity || a.Title != want.Title ||
		!a.Issued.Equal(want.Issued) || !a.Updated.Equal(want.Updated) || len(a.Refs) != 2 || a.Refs[0] != want.Refs[0] ||
		a.Refs[1] != want.Refs[1] || len(a.Packages) != 1 || a.Packages[0] != want.Packages[0] {
		t.Errorf("got %+v, want %+v", a, want)
	}
	if cves := a.CVEs(); len(cves) != 1 || cves[0] != "CVE-2024-0001" {
		t.Errorf("CVEs: got %v, want [CVE-2024-0001]", cves)
	}
}

func TestUpdateinfoErrors(t *testing.T) {
	deep := "<updates>" + strings.Repeat("<a>", xmlwalk.MaxDepth+1)
	for _, tc := range []struct{ name, doc, want string }{
		{"root", "<repomd/>", "root element is <repomd>"},
		{"deep", deep, xmlwalk.ErrTooDeep.Error()},
	} {
		err := Updateinfo.Parse(context.Background(), strings.NewReader(tc.doc), func(Advisory) error { return nil })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	stop := errors.New("stop")
	doc := "<updates><update><id>A</id></update><update><id>B</id></update></updates>"
	n := 0
	err := Updateinfo.Parse(context.Background(), strings.NewReader(doc), func(Advisory) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("emit error: got %v after %d advisories, want stop after 1", err, n)
	}
}

func TestSourcesRegistered(t *testing.T) {
	for name, s := range Sources {
		if s.Name() != name {
			t.Errorf("Sources[%q].Name() = %q", name, s.Name())
		}
	}
	if Sources["updateinfo"] == nil {
		t.Error("updateinfo is not in Sources")
	}
}

func FuzzUpdateinfo(f *testing.F) {
	f.Add(fixtureUpdateinfo(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		Updateinfo.Parse(context.Background(), bytes.NewReader(data), func(a Advisory) error {
			if a.ID == "" {
				t.Fatal("got an advisory without id")
			}
			return nil
		})
	})
}
