package ingest

import (
	"encoding/json"
	"strings"
	"testing"

	"patchward/ingest/wire"
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
