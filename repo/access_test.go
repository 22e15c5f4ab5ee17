package repo

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"patchward/store"
)

var wantArch = []store.PackageKey{
	{Type: "arch", Name: "hello-fixture", Arch: "any", Version: "1.1", Release: "1"},
	{Type: "arch", Name: "other-fixture", Arch: "any", Epoch: "1", Version: "2.0", Release: "1"},
}

var wantAPK = []store.PackageKey{
	{Type: "apk", Name: "hello-fixture", Arch: "x86_64", Version: "1.0", Release: "r0"},
	{Type: "apk", Name: "hello-fixture", Arch: "x86_64", Version: "1.1", Release: "r2"},
	{Type: "apk", Name: "other-fixture", Arch: "noarch", Version: "2.0_rc1", Release: "r0"},
}

func TestRefreshArch(t *testing.T) {
	const db = "/arch/fixture/os/x86_64/fixture.db"
	tests := []struct {
		name  string
		serve string // testdata file served as the database; "" the gzip one repo-add wrote
	}{{"gzip", ""}, {"xz", "arch/fixture-db.tar.xz"}, {"zstd", "arch/fixture-db.tar.zst"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			if tt.serve != "" {
				b, err := os.ReadFile(filepath.Join("testdata", tt.serve))
				if err != nil {
					t.Fatal(err)
				}
				ts.set(db, serveBytes(b))
			}
			f := newFixture(t, Options{})
			// As pacman clients report it: $arch expanded to nothing.
			_, mirrorID := f.addRepo(t, "arch", "x86_64", "fixture", ts.URL+"/arch/fixture/os/")
			if s := f.refresh(t, Request{}); s.Changed != 1 || s.Packages != len(wantArch) {
				t.Fatalf("got %+v, want 1 changed with %d packages", s, len(wantArch))
			}
			if diff := cmp.Diff(sorted(wantArch), f.packages(t, mirrorID)); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			if s := f.refresh(t, Request{}); s.Unchanged != 1 {
				t.Errorf("second refresh: got %+v, want unchanged", s)
			}
		})
	}
}

func TestRefreshAPK(t *testing.T) {
	ts := newTestServer(t)
	f := newFixture(t, Options{})
	_, mirrorID := f.addRepo(t, "apk", "x86_64", "", ts.URL+"/apk/v3.19/main")
	if s := f.refresh(t, Request{}); s.Changed != 1 || s.Packages != len(wantAPK) {
		t.Fatalf("got %+v, want 1 changed with %d packages", s, len(wantAPK))
	}
	if diff := cmp.Diff(sorted(wantAPK), f.packages(t, mirrorID)); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if got := ts.downloads("/apk/v3.19/main/x86_64/APKINDEX.tar.gz"); got != 1 {
		t.Errorf("got %d index downloads, want 1", got)
	}
}

func TestRefreshMirrorListAndMetalink(t *testing.T) {
	ts := newTestServer(t)
	var listed atomic.Int64
	// The first listed mirror is broken: refresh must go on to the next.
	ts.set("/mirrorlist", func(w http.ResponseWriter, r *http.Request) {
		listed.Add(1)
		if r.URL.Query().Get("arch") != "x86_64" || r.URL.Query().Get("release") != "1" {
			http.Error(w, "arch not expanded: "+r.URL.RawQuery, 400)
			return
		}
		w.Write([]byte("# mirrors\n" + ts.URL + "/broken/$basearch/\n" + ts.URL + rpmDir + "/\n" + ts.URL + "/third\n" + ts.URL + "/fourth\n"))
	})
	ts.set("/metalink", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<?xml version="1.0" encoding="utf-8"?>
<metalink version="3.0" xmlns="http://www.metalinker.org/">
 <files><file name="repomd.xml"><resources maxconnections="1">
  <url protocol="https" type="https" location="XX" preference="100">` + ts.URL + zstDir + `/repodata/repomd.xml</url>
  <url protocol="rsync" type="rsync" location="XX" preference="99">rsync://mirror.example.org/repo/repodata/repomd.xml</url>
 </resources></file></files></metalink>`))
	})
	f := newFixture(t, Options{MaxMirrorsPerRepo: 2})
	_, listID := f.addRepo(t, "rpm", "x86_64", "base", ts.URL+"/mirrorlist?repo=base&arch=$basearch&release=$releasever")
	_, linkID := f.addRepo(t, "rpm", "x86_64", "updates", ts.URL+"/metalink?repo=updates&arch=$basearch")
	s := f.refresh(t, Request{})
	if s.Changed != 2 {
		t.Fatalf("got %+v, want both changed", s)
	}
	for _, id := range []int64{listID, linkID} {
		if diff := cmp.Diff(sorted(wantRPM), f.packages(t, id)); diff != "" {
			t.Errorf("mirror %d packages (-want +got):\n%s", id, diff)
		}
	}
	// Only two mirrors of the list are tried: with both broken the refresh fails.
	ts.set(rpmDir+"/repodata/repomd.xml", notFound)
	s = f.refresh(t, Request{Force: true})
	for _, r := range s.Results {
		if r.MirrorID == listID && (r.Status != StatusFailed || !strings.Contains(r.Err.Error(), "every mirror")) {
			t.Errorf("got %s %v, want failed after trying the bounded mirrors", r.Status, r.Err)
		}
	}
	if ts.downloads("/third/repodata/repomd.xml") != 0 {
		t.Errorf("a third mirror was tried, want at most 2")
	}
}

func TestRefreshRewriteToFile(t *testing.T) {
	abs := absTestdata(t)
	f := newFixture(t, Options{Rewrites: []Rewrite{{From: "http://mirror.example.org/debian", To: "file://" + abs + "/deb/repo"}}})
	_, mirrorID := f.addMirror(t, "deb", "http://mirror.example.org/debian/dists/bookworm/main/binary-amd64")
	// Not covered by a rule and file URLs off: refused.
	_, fileID := f.addMirror(t, "deb", "file://"+abs+debDir)
	s := f.refresh(t, Request{})
	for _, r := range s.Results {
		switch r.MirrorID {
		case mirrorID:
			if r.Status != StatusChanged {
				t.Errorf("rewritten mirror: got %s %v, want changed", r.Status, r.Err)
			}
		case fileID:
			if !errors.Is(r.Err, ErrFileURLsDisabled) {
				t.Errorf("client file url: got %v, want ErrFileURLsDisabled", r.Err)
			}
		}
	}
	if diff := cmp.Diff(sorted(wantDeb), f.packages(t, mirrorID)); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	rules := []Rewrite{{From: "http://a/debian", To: "file:///srv/mirror/debian"}, {From: "http://a/debian/dists/x", To: "http://b/x"}}
	for _, tt := range []struct{ in, want string }{
		{"http://a/debian-security/x", "http://a/debian-security/x"}, // not past a path boundary
		{"http://a/debian/dists/y/main", "file:///srv/mirror/debian/dists/y/main"},
		{"http://a/debian/dists/x/main", "http://b/x/main"}, // longest prefix wins
		{"http://a/debian/../../etc/passwd", "http://a/debian/../../etc/passwd"},
	} {
		if got, _ := applyRewrites(sortRewrites(rules), tt.in); got != tt.want {
			t.Errorf("rewrite %s: got %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestRefreshSUSELayout(t *testing.T) {
	abs := absTestdata(t)
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(abs, "rpm", "repo"), filepath.Join(dir, "suse")); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, Options{AllowFileURLs: true})
	_, mirrorID := f.addMirror(t, "rpm", "file://"+dir)
	if s := f.refresh(t, Request{}); s.Changed != 1 {
		t.Fatalf("got %+v, want the suse/repodata metadata read", s)
	}
	if diff := cmp.Diff(sorted(wantRPM), f.packages(t, mirrorID)); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}

func TestRefreshNetworkPolicy(t *testing.T) {
	tests := []struct {
		name    string
		url     func(ts *testServer) string
		opts    Options
		wantErr bool
	}{
		// Was "loopback allowed by default": a loopback URL a host reports names the host.
		{"loopback refused by default", func(ts *testServer) string { return ts.URL + debDir }, Options{}, true},
		{"loopback in allow_networks", func(ts *testServer) string { return ts.URL + debDir }, Options{AllowNetworks: loopback}, false},
		{"own listen address", func(ts *testServer) string { return ts.URL + debDir },
			Options{AllowNetworks: loopback, SelfAddrs: []string{"127.0.0.1:PORT"}}, true},
		{"own wildcard listen address", func(ts *testServer) string { return ts.URL + debDir },
			Options{AllowNetworks: loopback, SelfAddrs: []string{":PORT"}}, true},
		{"loopback named by a rewrite", func(*testServer) string { return "http://mirror.example" + debDir }, Options{}, false},
		{"denied network", func(ts *testServer) string { return ts.URL + debDir }, Options{AllowNetworks: loopback, DenyNetworks: loopback}, true},
		{"not in allow list", func(ts *testServer) string { return ts.URL + debDir }, Options{AllowNetworks: []string{"10.0.0.0/8"}}, true},
		{"metadata address", func(*testServer) string { return "http://169.254.169.254/latest/dists/x/main/binary-amd64" }, Options{}, true},
		{"metadata name via redirect", func(ts *testServer) string { return ts.URL + "/redirect/dists/x/main/binary-amd64" }, Options{AllowNetworks: loopback}, true},
		{"loopback through a proxy", func(ts *testServer) string { return ts.URL + debDir }, Options{Proxy: "http://192.0.2.1:3128"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			for _, n := range []string{"InRelease", "Release"} {
				ts.set("/redirect/dists/x/"+n, notFound)
			}
			ts.set("/redirect/dists/x/main/binary-amd64/Packages.zst", func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://169.254.169.254/latest/meta-data", http.StatusFound)
			})
			for i, a := range tt.opts.SelfAddrs {
				tt.opts.SelfAddrs[i] = strings.Replace(a, "PORT", ts.port(), 1)
			}
			if tt.name == "loopback named by a rewrite" {
				tt.opts.Rewrites = []Rewrite{{From: "http://mirror.example/", To: ts.URL + "/"}}
			}
			f := newPolicyFixture(t, tt.opts)
			f.addMirror(t, "deb", tt.url(ts))
			s := f.refresh(t, Request{})
			if len(s.Results) != 1 {
				t.Fatalf("got %+v, want one result", s)
			}
			if got := errors.Is(s.Results[0].Err, ErrDenied); got != tt.wantErr {
				t.Errorf("got error %v, want denied %v", s.Results[0].Err, tt.wantErr)
			}
			if tt.wantErr && !strings.Contains(s.Results[0].Err.Error(), "refused by policy") {
				t.Errorf("got error %q, want it to say refused by policy", s.Results[0].Err)
			}
		})
	}
}

func TestRefreshCredentialsAndRetries(t *testing.T) {
	ts := newTestServer(t)
	var fails atomic.Int64
	files := http.FileServer(http.Dir("testdata"))
	ts.set(rpmDir+"/repodata/repomd.xml", func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "user" || p != "secret" {
			http.Error(w, "auth", http.StatusUnauthorized)
			return
		}
		if fails.Add(1) <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		files.ServeHTTP(w, r)
	})
	f := newFixture(t, Options{Retries: 2, Credentials: []Credential{{Prefix: ts.URL + "/rpm/", Username: "user", Password: "secret"}}})
	f.addMirror(t, "rpm", ts.URL+rpmDir)
	if s := f.refresh(t, Request{}); s.Changed != 1 {
		t.Fatalf("got %+v, want changed after two retried 503s", s)
	}
	if got := fails.Load(); got != 3 {
		t.Errorf("got %d repomd requests, want 3 (two 503s retried)", got)
	}
	// Without the credential: 401 is not retried, and fails the mirror.
	g := newFixture(t, Options{Retries: 2})
	g.addMirror(t, "rpm", ts.URL+rpmDir)
	s := g.refresh(t, Request{})
	if s.Failed != 1 || !strings.Contains(s.Results[0].Err.Error(), "401") {
		t.Errorf("got %+v, want failed with 401", s)
	}
}

// TestRewriteConnectionNotReused checks that a connection dialled for a rewrite target (which
// may be loopback) is not kept for a URL a host reports by the same name: that URL is still
// refused at its own dial.
func TestRewriteConnectionNotReused(t *testing.T) {
	ts := newTestServer(t)
	byName := "http://localhost:" + ts.port()
	f := newPolicyFixture(t, Options{Rewrites: []Rewrite{{From: "http://mirror.example/", To: byName + "/"}}})
	_, trusted := f.addMirror(t, "deb", "http://mirror.example"+debDir)
	if s := f.refresh(t, Request{Mirrors: []int64{trusted}}); len(s.Results) != 1 || s.Results[0].Err != nil {
		t.Fatalf("rewritten mirror: got %+v, want it refreshed", s)
	}
	_, reported := f.addMirror(t, "deb", byName+debDir)
	s := f.refresh(t, Request{Mirrors: []int64{reported}})
	if len(s.Results) != 1 || !errors.Is(s.Results[0].Err, ErrDenied) {
		t.Fatalf("reported loopback URL after the rewrite target was fetched: got %+v, want it refused by policy", s)
	}
}

// TestSelfAddrKnownAfterListen checks that an address added once the server listens (port 0
// in the configuration) is refused like a configured one.
func TestSelfAddrKnownAfterListen(t *testing.T) {
	ts := newTestServer(t)
	f := newPolicyFixture(t, Options{AllowNetworks: loopback, SelfAddrs: []string{"127.0.0.1:0"}})
	_, id := f.addMirror(t, "deb", ts.URL+debDir)
	if s := f.refresh(t, Request{Mirrors: []int64{id}}); s.Results[0].Err != nil {
		t.Fatalf("before the address is known: %v", s.Results[0].Err)
	}
	if err := f.ref.AddSelfAddrs("[::]:" + ts.port()); err != nil {
		t.Fatal(err)
	}
	if s := f.refresh(t, Request{Mirrors: []int64{id}, Force: true}); !errors.Is(s.Results[0].Err, ErrDenied) {
		t.Errorf("after AddSelfAddrs: got %v, want refused by policy", s.Results[0].Err)
	}
}
