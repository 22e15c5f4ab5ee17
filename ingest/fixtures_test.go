package ingest

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"patchward/store"
)

// fixtureRequest loads a captured client request: a whole .http file, or a .headers + .body pair.
// It returns the request headers and the body bytes.
func fixtureRequest(t testing.TB, name string) (http.Header, string, []byte) {
	t.Helper()
	if strings.HasSuffix(name, ".http") {
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			t.Fatalf("read %s body: %v", name, err)
		}
		return req.Header, req.URL.Path, body
	}
	head, err := os.ReadFile(filepath.Join("testdata", name+".headers"))
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(filepath.Join("testdata", name+".body"))
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(append(bytes.TrimRight(head, "\r\n"), "\r\n\r\n"...))))
	if err != nil {
		t.Fatalf("read %s headers: %v", name, err)
	}
	return req.Header, req.URL.Path, body
}

// fixtureFields parses a protocol 1 fixture into its form fields.
func fixtureFields(t testing.TB, name string) Protocol1Fields {
	t.Helper()
	h, _, body := fixtureRequest(t, name)
	f, err := readForm(h.Get("Content-Type"), body)
	if err != nil {
		t.Fatalf("read form %s: %v", name, err)
	}
	return f
}

func countLines(s string) int {
	n := 0
	for line := range strings.Lines(s) {
		if strings.TrimSpace(line) != "" {
			n++
		}
	}
	return n
}

// checkDebian12 asserts what every capture of the Debian 12 test host must parse to.
func checkDebian12(t *testing.T, r store.HostReport, wantPackages int, wantRepoName string) {
	t.Helper()
	if r.Hostname != "testhost.example.org" || r.OS != "Debian 12.11" || r.Kernel != "6.18.44-fc-v669" || r.Arch != "x86_64" {
		t.Errorf("got host %q os %q kernel %q arch %q, want testhost.example.org, Debian 12.11, 6.18.44-fc-v669, x86_64",
			r.Hostname, r.OS, r.Kernel, r.Arch)
	}
	if len(r.Tags) != 1 || r.Tags[0] != "bench" {
		t.Errorf("got tags %q, want [bench]", r.Tags)
	}
	if r.Reboot {
		t.Errorf("got reboot true, want false (ServerCheck)")
	}
	if len(r.Packages) != wantPackages {
		t.Errorf("got %d packages, want %d", len(r.Packages), wantPackages)
	}
	want := map[string]store.PackageKey{
		"adduser":  {Type: "deb", Name: "adduser", Arch: "all", Version: "3.134"},
		"bsdutils": {Type: "deb", Name: "bsdutils", Arch: "amd64", Epoch: "1", Version: "2.38.1", Release: "5+deb12u3"},
		"zlib1g":   {Type: "deb", Name: "zlib1g", Arch: "amd64", Epoch: "1", Version: "1.2.13.dfsg", Release: "1"},
		"zstd":     {Type: "deb", Name: "zstd", Arch: "amd64", Version: "1.5.4+dfsg2", Release: "5"},
	}
	for _, p := range r.Packages {
		if w, ok := want[p.Name]; ok {
			if p != w {
				t.Errorf("got package %+v, want %+v", p, w)
			}
			delete(want, p.Name)
		}
	}
	for name := range want {
		t.Errorf("package %s missing", name)
	}
	if len(r.Repos) != 3 {
		t.Fatalf("got %d repos, want 3", len(r.Repos))
	}
	for _, rr := range r.Repos {
		if rr.Type != "deb" || rr.Priority != 500 || len(rr.URLs) != 1 || !strings.HasPrefix(rr.URLs[0], "http://mirror.example.org/debian") {
			t.Errorf("got repo %+v, want deb priority 500 with one mirror.example.org URL", rr)
		}
	}
	if got := r.Repos[0].Name; got != wantRepoName {
		t.Errorf("got first repo name %q, want %q", got, wantRepoName)
	}
	if r.Modules != nil {
		t.Errorf("got modules %v, want nil (none reported)", r.Modules)
	}
	if r.Updates == nil || len(r.Updates) != 0 {
		t.Errorf("got updates %v, want empty non-nil (full run reported none)", r.Updates)
	}
}

func TestFixtures(t *testing.T) {
	const sec = "http://mirror.example.org/debian-security/dists/bookworm-security/main/binary-amd64"
	t.Run("protocol1 client 3.x", func(t *testing.T) {
		f := fixtureFields(t, "patchman-protocol1-debian12")
		r, warn, err := ParseProtocol1(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(warn) != 0 {
			t.Errorf("got warnings %q, want none", warn)
		}
		checkDebian12(t, r, countLines(f["packages"]), "Debian 12.11 x86_64 repo at "+sec)
		if len(r.Packages) != 741 {
			t.Errorf("got %d packages, want 741", len(r.Packages))
		}
	})
	t.Run("protocol1 client 4.x", func(t *testing.T) {
		f := fixtureFields(t, "patchman4-protocol1-debian12.http")
		r, _, err := ParseProtocol1(f)
		if err != nil {
			t.Fatal(err)
		}
		checkDebian12(t, r, countLines(f["packages"]), "Debian 12 x86_64 repo at "+sec)
	})
	t.Run("protocol2 client 4.x", func(t *testing.T) {
		h, path, body := fixtureRequest(t, "patchman4-protocol2-debian12.http")
		if path != "/api/report/" || h.Get("Authorization") != "Api-Key benchkey.placeholder" {
			t.Fatalf("got path %q auth %q", path, h.Get("Authorization"))
		}
		r, _, err := ParseProtocol2(body)
		if err != nil {
			t.Fatal(err)
		}
		// The same host's protocol 1 capture lists the same packages.
		f := fixtureFields(t, "patchman4-protocol1-debian12.http")
		checkDebian12(t, r, countLines(f["packages"]), "Debian 12 x86_64 repo at "+sec)
		if n := bytes.Count(body, []byte(`"type": "deb",      "category"`)); n != len(r.Packages) {
			t.Errorf("got %d packages, body has %d package objects", len(r.Packages), n)
		}
	})
}
