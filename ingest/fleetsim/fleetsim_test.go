package fleetsim

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"patchward/ingest/wire"
)

// writeIndex writes a Packages index with the given "name version [arch [priority]]" stanzas.
func writeIndex(t *testing.T, dir, name string, stanzas ...string) string {
	t.Helper()
	var b strings.Builder
	for _, s := range stanzas {
		f := strings.Fields(s)
		arch, prio := "amd64", "optional"
		if len(f) > 2 {
			arch = f[2]
		}
		if len(f) > 3 {
			prio = f[3]
		}
		fmt.Fprintf(&b, "Package: %s\nVersion: %s\nArchitecture: %s\nPriority: %s\nDescription: x\n continued\n\n", f[0], f[1], arch, prio)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// intake is a stand-in for the server's native intake: it decodes and keeps every report.
type intake struct {
	mu      sync.Mutex
	reports []wire.Report
}

func (in *intake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/reports" || r.Header.Get("Content-Encoding") != "gzip" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var rep wire.Report
	if err := json.NewDecoder(zr).Decode(&rep); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	in.mu.Lock()
	in.reports = append(in.reports, rep)
	in.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func TestSimulate(t *testing.T) {
	dir := t.TempDir()
	var main []string
	for i := range 300 {
		main = append(main, fmt.Sprintf("pkg%03d 1.%d-1", i, i))
	}
	main = append(main, "libc6 2.36-9 amd64 required", "base-files 12.4 amd64 required", "tzdata 2024a-0 all",
		"linux-image-6.1.0-40-amd64 6.1.150-1", "linux-image-amd64 6.1.150-1")
	mainIdx := writeIndex(t, dir, "Packages", main...)
	secIdx := writeIndex(t, dir, "security-Packages", "libc6 2.36-9+deb12u1", "pkg001 1.1-1+deb12u1",
		"linux-image-6.1.0-44-amd64 6.1.160-1", "linux-image-amd64 6.1.160-1")
	in := &intake{}
	srv := httptest.NewServer(in)
	defer srv.Close()
	var out bytes.Buffer
	err := Main(context.Background(), []string{"-server", srv.URL, "-index", "bookworm=" + mainIdx,
		"-index", "bookworm-security=" + secIdx, "-serve", "127.0.0.1:0", "-hosts", "40", "-images", "4",
		"-packages", "120", "-drift", "0.5", "-concurrency", "3", "-rounds", "2"}, &out, io.Discard)
	if err != nil {
		t.Fatalf("simulate: %v\n%s", err, out.String())
	}
	if len(in.reports) != 80 {
		t.Fatalf("got %d reports, want 40 hosts x 2 rounds", len(in.reports))
	}
	hosts := map[string]bool{}
	distinct := map[string]bool{}
	for _, r := range in.reports {
		hosts[r.Hostname] = true
		var key strings.Builder
		for _, p := range r.Packages {
			key.WriteString(p.Name + "=" + p.Version + "-" + p.Release + ";")
		}
		distinct[key.String()] = true
		if r.Version != 1 || r.Kernel != "6.1.0-40-amd64" || len(r.Packages) < 100 || len(r.Repos) == 0 {
			t.Fatalf("malformed report %+v", r)
		}
		for _, rp := range r.Repos {
			if strings.Contains(rp.Name, "security") != strings.Contains(rp.URLs[0], "/debian-security/dists/bookworm-security/") {
				t.Errorf("repo %q has URL %q", rp.Name, rp.URLs[0])
			}
		}
		if !hasPackage(r, "libc6") || !hasPackage(r, "base-files") {
			t.Errorf("%s lacks the required packages", r.Hostname)
		}
	}
	if len(hosts) != 40 {
		t.Errorf("got %d distinct hosts, want 40", len(hosts))
	}
	// 4 images, half the hosts drifting: many distinct package lists, but far fewer than hosts.
	if len(distinct) < 10 || len(distinct) >= 80 {
		t.Errorf("got %d distinct package lists over 80 reports, want drift but also sharing", len(distinct))
	}
	if !strings.Contains(out.String(), "sent 80 report(s) (0 failed") {
		t.Errorf("summary: %s", out.String())
	}
}

func hasPackage(r wire.Report, name string) bool {
	for _, p := range r.Packages {
		if p.Name == name {
			return true
		}
	}
	return false
}

func TestMirrorHandler(t *testing.T) {
	dir := t.TempDir()
	idx := writeIndex(t, dir, "Packages", "a 1.0-1")
	s, err := readSuite("bookworm-security", idx)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mirrorHandler([]suite{s}))
	defer srv.Close()
	for _, tt := range []struct {
		path string
		code int
	}{{"/debian-security/dists/bookworm-security/main/binary-amd64/Packages", 200}, {"/debian/dists/bookworm/main/binary-amd64/Packages", 404}} {
		resp, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.code || (tt.code == 200 && !bytes.Equal(body, s.Raw)) {
			t.Errorf("GET %s: got %d, want %d with the index", tt.path, resp.StatusCode, tt.code)
		}
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "-index SUITE=FILE is required"},
		{[]string{"-index", "x", "-serve", ":0"}, "want SUITE=FILE"},
		{[]string{"-index", "a=b"}, "give -mirror URL or -serve ADDR"},
		{[]string{"-index", "a=b", "-serve", ":0", "-hosts", "0"}, "must be positive"},
		{[]string{"-index", "a=b", "-serve", ":0", "-drift", "2"}, "between 0 and 1"},
	}
	for _, tt := range tests {
		err := Main(context.Background(), tt.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}
