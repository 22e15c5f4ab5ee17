package ingest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"patchward/ingest/wire"
	"patchward/store"
)

// checkParsed asserts what every successfully parsed report must satisfy, whatever the input.
func checkParsed(t *testing.T, hostname string, pkgs int, names func(i int) (name, arch, epoch string)) {
	t.Helper()
	if hostname == "" || hostname != strings.ToLower(hostname) {
		t.Fatalf("got hostname %q, want non-empty lower-case", hostname)
	}
	for i := range pkgs {
		name, arch, epoch := names(i)
		if name == "" || name == "gpg-pubkey" || arch == "" || epoch == "0" || name != strings.ToLower(name) {
			t.Fatalf("got package name %q arch %q epoch %q, want normalised", name, arch, epoch)
		}
	}
}

func FuzzProtocol1(f *testing.F) {
	for _, name := range []string{"patchman-protocol1-debian12", "patchman4-protocol1-debian12.http"} {
		hdr, _, body := fixtureRequest(f, name)
		f.Add(hdr.Get("Content-Type"), body)
	}
	f.Add("multipart/form-data; boundary=X", []byte("--X\r\nContent-Disposition: form-data; name=\"host\"\r\n\r\nA\r\n--X--\r\n"))
	f.Add("application/x-www-form-urlencoded", []byte("host=a&os=b&kernel=c&arch=d&packages=%27a%27+%27%27+%271%27+%27%27+%27all%27+%27deb%27&repos=%27rpm%27"))
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		fields, err := readForm(ctype, body)
		if err != nil {
			return
		}
		r, _, err := ParseProtocol1(fields)
		if err != nil {
			return
		}
		checkParsed(t, r.Hostname, len(r.Packages), func(i int) (string, string, string) {
			return r.Packages[i].Name, r.Packages[i].Arch, r.Packages[i].Epoch
		})
		for _, rr := range r.Repos {
			if len(rr.URLs) == 0 {
				t.Fatalf("got repo %+v without URLs", rr)
			}
		}
	})
}

func FuzzProtocol2(f *testing.F) {
	_, _, body := fixtureRequest(f, "patchman4-protocol2-debian12.http")
	f.Add(body)
	f.Add(p2(`"repos": [{"type":"arch","name":"a","id":"core","priority":"https://x/","urls":"https://x/core/os/"}]`, `"tags": "a,b"`))
	f.Add(p2(`"packages": [{"name":"libstdc%2b%2b","epoch":0,"version":"1","release":"1","arch":null,"type":"rpm"}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, _, err := ParseProtocol2(body)
		if err != nil {
			return
		}
		checkParsed(t, r.Hostname, len(r.Packages), func(i int) (string, string, string) {
			return r.Packages[i].Name, r.Packages[i].Arch, r.Packages[i].Epoch
		})
	})
}

func FuzzNative(f *testing.F) {
	seed, _ := json.Marshal(wire.Report{Version: 1, Hostname: "a.example.org", OS: "Debian 13", Kernel: "6.12", Arch: "x86_64",
		Packages: []wire.Package{{Type: "deb", Name: "bash", Arch: "amd64", Version: "5.2"}},
		Repos:    []wire.Repo{{Type: "deb", Name: "main", Priority: 500, URLs: []string{"http://deb.example.org/debian"}}}})
	f.Add(seed)
	f.Add([]byte(`{"version":1,"hostname":"X","os_release":{"pretty_name":"Y"},"kernel":"k","arch":"a","repos":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, _, err := ParseNative(body)
		if err != nil {
			return
		}
		checkParsed(t, r.Hostname, len(r.Packages), func(i int) (string, string, string) {
			return r.Packages[i].Name, r.Packages[i].Arch, r.Packages[i].Epoch
		})
	})
}

// FuzzIntake drives the intake's read path as the handler runs it: the body read (plain, a
// gzip stream of the input, or the input claimed to be gzip), then protocol 1's multipart or
// urlencoded form or the native JSON. Whatever the input, what parses has a DNS host name and no
// credentials in repository names or URLs. (The store is left out: modernc SQLite built with
// fuzzing instrumentation runs a few inputs a minute.)
func FuzzIntake(f *testing.F) {
	s := &server{opts: Options{MaxBodyBytes: 1 << 20}, inflight: &budget{max: 4 << 20}}
	// Small seeds: the minimiser, run on instrumented gzip, crawls over a 200 KB capture.
	p1 := []byte("--X\r\nContent-Disposition: form-data; name=\"host\"\r\n\r\nh.example.org\r\n" +
		"--X\r\nContent-Disposition: form-data; name=\"os\"\r\n\r\nDebian 12\r\n--X\r\nContent-Disposition: form-data; name=\"kernel\"\r\n\r\n6.1\r\n" +
		"--X\r\nContent-Disposition: form-data; name=\"arch\"\r\n\r\nx86_64\r\n--X\r\nContent-Disposition: form-data; name=\"packages\"\r\n\r\n" +
		"'bash' '' '5.2.15' '2' 'amd64' 'deb'\n\r\n--X--\r\n")
	for mode := range uint8(3) {
		f.Add(false, mode, "multipart/form-data; boundary=X", p1)
		f.Add(true, mode, "application/json", nativeBody("fuzz.example.org"))
	}
	f.Add(false, uint8(0), "multipart/form-data; boundary=X", []byte("--X\r\nContent-Disposition: form-data; name=\"host\"\r\n\r\nA\r\n"+
		"--X\r\nContent-Disposition: form-data; name=\"os\"\r\n\r\nB\r\n--X\r\nContent-Disposition: form-data; name=\"kernel\"\r\n\r\n1\r\n"+
		"--X\r\nContent-Disposition: form-data; name=\"arch\"\r\n\r\nx\r\n--X\r\nContent-Disposition: form-data; name=\"repos\"\r\n\r\n"+
		"'rpm' 'r' 'r' '1' 'https://u:p@r.example.org/'\r\n--X--\r\n"))
	f.Add(true, uint8(2), "application/json", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, native bool, mode uint8, ctype string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/reports/upload/", bytes.NewReader(gzipMode(mode, body)))
		req.Header.Set("Content-Type", ctype)
		if mode%3 != 0 {
			req.Header.Set("Content-Encoding", "gzip")
		}
		got, release, err := s.readBody(httptest.NewRecorder(), req)
		release()
		if s.inflight.used.Load() != 0 {
			t.Fatalf("budget holds %d bytes after release, want 0", s.inflight.used.Load())
		}
		if err != nil {
			return
		}
		var r store.HostReport
		if native {
			r, _, err = ParseNative(got)
		} else {
			var fields Protocol1Fields
			if fields, err = readForm(ctype, got); err == nil {
				r, _, err = ParseProtocol1(fields)
			}
		}
		if err != nil {
			return
		}
		if !isHostname(r.Hostname) {
			t.Fatalf("parsed host name %q is not a DNS name", r.Hostname)
		}
		for _, rr := range r.Repos {
			for _, u := range append([]string{rr.Name, rr.Ident}, rr.URLs...) {
				if stripUserinfo(u) != u {
					t.Fatalf("parsed repo %q keeps credentials", u)
				}
			}
		}
	})
}

// gzipMode returns body as FuzzIntake sends it: as is (modes 0 and 2) or gzip-compressed (1).
func gzipMode(mode uint8, body []byte) []byte {
	if mode%3 != 1 {
		return body
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(body)
	zw.Close()
	return b.Bytes()
}
