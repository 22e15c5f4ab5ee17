package repo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"patchward/store"
)

// testServer serves testdata/ like a plain web server (FileServer answers conditional
// requests with 304) and counts the full (200) responses per path, so tests can tell whether
// an index was downloaded.
type testServer struct {
	*httptest.Server
	mu       sync.Mutex
	hits     map[string]int
	override map[string]http.HandlerFunc
	noCond   bool // ignore conditional request headers, like a server without validators
	agents   map[string]bool
	// byHash maps a by-hash URL path to the path of the file it is a copy of: a request for it
	// is served, overridden and counted as that file, and also counted in byHashHits.
	byHash     map[string]string
	byHashHits map[string]int
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	ts := &testServer{hits: map[string]int{}, override: map[string]http.HandlerFunc{}, agents: map[string]bool{},
		byHash: byHashAliases(t), byHashHits: map[string]int{}}
	files := http.FileServer(http.Dir("testdata"))
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		ts.mu.Lock()
		alias, byHash := ts.byHash[path]
		if byHash {
			path = alias
		}
		h, ok := ts.override[path]
		noCond := ts.noCond
		ts.agents[r.UserAgent()] = true
		ts.mu.Unlock()
		if noCond {
			r.Header.Del("If-Modified-Since")
			r.Header.Del("If-None-Match")
		}
		rec := &statusWriter{ResponseWriter: w, status: 200}
		if ok {
			h(rec, r)
		} else {
			files.ServeHTTP(rec, r)
		}
		if rec.status == 200 {
			ts.mu.Lock()
			ts.hits[path]++
			if byHash {
				ts.byHashHits[path]++
			}
			ts.mu.Unlock()
		}
	}))
	t.Cleanup(ts.Close)
	return ts
}

// byHashAliases maps each by-hash file of the deb fixture to the index it copies.
func byHashAliases(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range debIndexes {
		b, err := os.ReadFile(filepath.Join("testdata", debDir, name))
		if err != nil {
			t.Fatal(err)
		}
		out[debDir+"/by-hash/SHA256/"+fmt.Sprintf("%x", sha256.Sum256(b))] = debDir + "/" + name
	}
	return out
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (ts *testServer) set(path string, h http.HandlerFunc) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if h == nil {
		delete(ts.override, path)
		return
	}
	ts.override[path] = h
}

func (ts *testServer) downloads(path string) int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.hits[path]
}

func notFound(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }

// noRelease hides the deb fixture's InRelease and Release.
func noRelease(ts *testServer) {
	ts.set("/deb/repo/dists/bookworm/InRelease", notFound)
	ts.set("/deb/repo/dists/bookworm/Release", notFound)
}

func serveBytes(b []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { w.Write(b) }
}

const (
	debDir = "/deb/repo/dists/bookworm/main/binary-amd64"
	rpmDir = "/rpm/repo"
	zstDir = "/rpm/repo-zst"
)

// wantDeb is what make-deb-repo.sh put in the Packages index (dpkg-scanpackages output).
var wantDeb = []store.PackageKey{
	{Type: "deb", Name: "epoch-fixture", Arch: "all", Version: "1.0", Release: "1"},
	{Type: "deb", Name: "epoch-fixture", Arch: "all", Epoch: "1", Version: "0.9", Release: "1"},
	{Type: "deb", Name: "hello-fixture", Arch: "all", Version: "1.0", Release: "1"},
	{Type: "deb", Name: "hello-fixture", Arch: "all", Version: "1.0", Release: "1+deb12u1"},
	{Type: "deb", Name: "other-fixture", Arch: "amd64", Version: "2.0~rc1", Release: "1"},
}

// wantRPM is what make-rpm-repo.sh built (rpm -qp --qf '%{EPOCH} %{VERSION} %{RELEASE}').
var wantRPM = []store.PackageKey{
	{Type: "rpm", Name: "hello-fixture", Arch: "noarch", Epoch: "2", Version: "0.9", Release: "3.el9"},
	{Type: "rpm", Name: "hello-fixture", Arch: "noarch", Version: "1.0", Release: "1.el9"},
	{Type: "rpm", Name: "hello-fixture", Arch: "noarch", Version: "1.1", Release: "1.el9"},
	{Type: "rpm", Name: "hello-fixture", Arch: "noarch", Version: "1.1", Release: "2.el9"},
	{Type: "rpm", Name: "other-fixture", Arch: "noarch", Version: "1.0^git20240101", Release: "1"},
}

type fixture struct {
	db   *store.DB
	ref  *Refresher
	path string
}

// loopback lets tests refresh from httptest servers on 127.0.0.1 (refused by default).
var loopback = []string{"127.0.0.0/8"}

// newFixture is a refresher over a fresh database that may read loopback test servers.
func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	if opts.AllowNetworks == nil {
		opts.AllowNetworks = loopback
	}
	return newPolicyFixture(t, opts)
}

// newPolicyFixture is newFixture with opts' network policy as given.
func newPolicyFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	if opts.RetryBackoff == 0 {
		opts.RetryBackoff = time.Millisecond // retries are tested, waiting is not
	}
	path := filepath.Join(t.TempDir(), "test.db")
	db := store.OpenTestFile(t, path)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return &fixture{db: db, ref: NewRefresher(db, opts, log), path: path}
}

// addMirror creates a repo with one mirror the way production does: a host reports it.
func (f *fixture) addMirror(t *testing.T, typ, url string) (repoID, mirrorID int64) {
	t.Helper()
	return f.addRepo(t, typ, "amd64", "", url)
}

func (f *fixture) mirror(t *testing.T, repoID, mirrorID int64) store.MirrorStatus {
	t.Helper()
	r, err := f.db.Repo(context.Background(), repoID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range r.Mirrors {
		if m.ID == mirrorID {
			return m
		}
	}
	t.Fatalf("mirror %d not found", mirrorID)
	return store.MirrorStatus{}
}

func (f *fixture) packages(t *testing.T, mirrorID int64) []store.PackageKey {
	t.Helper()
	got, err := f.db.MirrorPackages(context.Background(), mirrorID)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(a, b store.PackageKey) int { return strings.Compare(a.EVR()+a.Name, b.EVR()+b.Name) })
	return got
}

func sorted(keys []store.PackageKey) []store.PackageKey {
	out := slices.Clone(keys)
	slices.SortFunc(out, func(a, b store.PackageKey) int { return strings.Compare(a.EVR()+a.Name, b.EVR()+b.Name) })
	return out
}

func (f *fixture) refresh(t *testing.T, req Request) Summary {
	t.Helper()
	s, err := f.ref.Refresh(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRefreshDebCompressions(t *testing.T) {
	tests := []struct {
		name    string
		missing []string
		want    string // the index that must have been downloaded
	}{
		{"zst", nil, "Packages.zst"},
		{"xz", []string{"Packages.zst"}, "Packages.xz"},
		{"gz", []string{"Packages.zst", "Packages.xz"}, "Packages.gz"},
		{"bz2", []string{"Packages.zst", "Packages.xz", "Packages.gz"}, "Packages.bz2"},
		{"plain", []string{"Packages.zst", "Packages.xz", "Packages.gz", "Packages.bz2"}, "Packages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			for _, m := range tt.missing {
				ts.set(debDir+"/"+m, notFound)
			}
			f := newFixture(t, Options{})
			repoID, mirrorID := f.addMirror(t, "deb", ts.URL+debDir)
			s := f.refresh(t, Request{})
			if s.Mirrors != 1 || s.Changed != 1 || s.Packages != len(wantDeb) {
				t.Fatalf("got summary %+v, want 1 mirror changed with %d packages", s, len(wantDeb))
			}
			if diff := cmp.Diff(sorted(wantDeb), f.packages(t, mirrorID)); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			for _, name := range debIndexes {
				want := 0
				if name == tt.want {
					want = 1
				}
				if got := ts.downloads(debDir + "/" + name); got != want {
					t.Errorf("%s: got %d downloads, want %d", name, got, want)
				}
				// The Release offers by-hash: the index comes from there, not by name.
				if got := ts.byHashHits[debDir+"/"+name]; got != want {
					t.Errorf("%s: got %d by-hash requests, want %d", name, got, want)
				}
			}
			if want := "patchward/dev"; len(ts.agents) != 1 || !ts.agents[want] {
				t.Errorf("got user agents %v, want only %q", ts.agents, want)
			}
			m := f.mirror(t, repoID, mirrorID)
			if m.PackageCount != len(wantDeb) || m.FailCount != 0 || m.LastError != "" || m.LastSuccess.IsZero() {
				t.Errorf("got mirror %+v, want %d packages and a clean success", m, len(wantDeb))
			}
			if want := time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC); !m.Freshness.Equal(want) {
				t.Errorf("got freshness %v, want the Release Date %v", m.Freshness, want)
			}
		})
	}
}

func TestRefreshRPM(t *testing.T) {
	for _, dir := range []string{rpmDir, zstDir} {
		t.Run(dir, func(t *testing.T) {
			ts := newTestServer(t)
			f := newFixture(t, Options{})
			repoID, mirrorID := f.addMirror(t, "rpm", ts.URL+dir+"/")
			s := f.refresh(t, Request{})
			if s.Changed != 1 || s.Packages != len(wantRPM) {
				t.Fatalf("got summary %+v, want 1 mirror changed with %d packages", s, len(wantRPM))
			}
			if diff := cmp.Diff(sorted(wantRPM), f.packages(t, mirrorID)); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
			m := f.mirror(t, repoID, mirrorID)
			if m.Freshness.Unix() != 1700000000 {
				t.Errorf("got freshness %v, want the repomd revision 1700000000", m.Freshness)
			}
		})
	}
}

// primaryPath returns the URL path of the fixture's primary file under dir.
func primaryPath(t *testing.T, dir string) string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", dir, "repodata", "*-primary.xml.*"))
	if err != nil || len(names) != 1 {
		t.Fatalf("got %v %v, want one primary", names, err)
	}
	return dir + "/repodata/" + filepath.Base(names[0])
}

func TestRefreshUnchanged(t *testing.T) {
	tests := []struct {
		name   string
		typ    string
		dir    string
		index  func(t *testing.T) string
		noCond bool
		noRel  bool // serve no InRelease/Release, like a flat repo
		// downloads of the index after the second and the forced third refresh
		want2, want3 int
	}{
		{"deb 304", "deb", debDir, func(*testing.T) string { return debDir + "/Packages.zst" }, false, true, 1, 2},
		{"deb same checksum in Release", "deb", debDir, func(*testing.T) string { return debDir + "/Packages.zst" }, true, false, 1, 2},
		{"deb same checksum after download", "deb", debDir, func(*testing.T) string { return debDir + "/Packages.zst" }, true, true, 2, 3},
		{"rpm 304", "rpm", rpmDir, func(t *testing.T) string { return primaryPath(t, rpmDir) }, false, false, 1, 2},
		{"rpm same primary checksum", "rpm", rpmDir, func(t *testing.T) string { return primaryPath(t, rpmDir) }, true, false, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.noCond = tt.noCond
			if tt.noRel {
				noRelease(ts)
			}
			f := newFixture(t, Options{})
			_, mirrorID := f.addMirror(t, tt.typ, ts.URL+tt.dir)
			index := tt.index(t)
			if s := f.refresh(t, Request{}); s.Changed != 1 {
				t.Fatalf("first refresh: got %+v, want 1 changed", s)
			}
			before := f.packages(t, mirrorID)
			if s := f.refresh(t, Request{}); s.Unchanged != 1 || s.Changed != 0 || s.Packages != 0 {
				t.Errorf("second refresh: got %+v, want 1 unchanged", s)
			}
			if got := ts.downloads(index); got != tt.want2 {
				t.Errorf("after second refresh: got %d index downloads, want %d", got, tt.want2)
			}
			s := f.refresh(t, Request{Force: true})
			if s.Changed != 1 || len(s.Results) != 1 || s.Results[0].SetDiff {
				t.Errorf("forced refresh: got %+v, want 1 changed with the same package set", s)
			}
			if got := ts.downloads(index); got != tt.want3 {
				t.Errorf("after forced refresh: got %d index downloads, want %d", got, tt.want3)
			}
			if diff := cmp.Diff(before, f.packages(t, mirrorID)); diff != "" {
				t.Errorf("packages changed (-before +after):\n%s", diff)
			}
		})
	}
}

func TestRefreshFailures(t *testing.T) {
	html := []byte("<html><body>Welcome to our mirror</body></html>")
	primary, err := os.ReadFile(filepath.Join("testdata", primaryPath(t, rpmDir)))
	if err != nil {
		t.Fatal(err)
	}
	corrupt := bytes.Clone(primary)
	corrupt[len(corrupt)/2] ^= 0xff
	tests := []struct {
		name     string
		typ, dir string
		break_   func(t *testing.T, ts *testServer)
		opts     Options
		want     string
		wantErr  error
	}{
		{"deb all 404", "deb", debDir, func(t *testing.T, ts *testServer) {
			for _, n := range debIndexes {
				ts.set(debDir+"/"+n, notFound)
			}
		}, Options{}, "no Packages index", ErrNotFound},
		{"deb html as zst", "deb", debDir, func(t *testing.T, ts *testServer) { ts.set(debDir+"/Packages.zst", serveBytes(html)) },
			Options{}, "Release says", ErrChecksum},
		{"deb html as xz without Release", "deb", debDir, func(t *testing.T, ts *testServer) {
			noRelease(ts)
			ts.set(debDir+"/Packages.zst", notFound)
			ts.set(debDir+"/Packages.xz", serveBytes(html))
		}, Options{}, "xz", nil},
		{"deb index differs from Release", "deb", debDir, func(t *testing.T, ts *testServer) {
			for _, n := range debIndexes[:4] {
				ts.set(debDir+"/"+n, notFound)
			}
			ts.set(debDir+"/Packages", serveBytes(html))
		}, Options{}, "Release says", ErrChecksum},
		{"deb html as plain", "deb", debDir, func(t *testing.T, ts *testServer) {
			noRelease(ts)
			for _, n := range debIndexes[:4] {
				ts.set(debDir+"/"+n, notFound)
			}
			ts.set(debDir+"/Packages", serveBytes(html))
		}, Options{}, "no packages found", errNoPackages},
		{"deb server error", "deb", debDir, func(t *testing.T, ts *testServer) {
			ts.set(debDir+"/Packages.zst", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusServiceUnavailable) })
		}, Options{}, "503", nil},
		{"deb too large", "deb", debDir, nil, Options{MaxDecompressed: 200}, "size limit", ErrTooLarge},
		{"rpm no repomd", "rpm", rpmDir, func(t *testing.T, ts *testServer) { ts.set(rpmDir+"/repodata/repomd.xml", notFound) },
			Options{}, "404", ErrNotFound},
		{"rpm garbage repomd", "rpm", rpmDir, func(t *testing.T, ts *testServer) { ts.set(rpmDir+"/repodata/repomd.xml", serveBytes(html)) },
			Options{}, "root element is <html>", nil},
		{"rpm checksum mismatch", "rpm", rpmDir, func(t *testing.T, ts *testServer) { ts.set(primaryPath(t, rpmDir), serveBytes(corrupt)) },
			Options{}, "checksum mismatch", ErrChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			if tt.break_ != nil {
				tt.break_(t, ts)
			}
			f := newFixture(t, tt.opts)
			repoID, mirrorID := f.addMirror(t, tt.typ, ts.URL+tt.dir)
			for i := 1; i <= 2; i++ {
				s := f.refresh(t, Request{})
				if s.Failed != 1 || len(s.Results) != 1 {
					t.Fatalf("refresh %d: got %+v, want 1 failed", i, s)
				}
				res := s.Results[0]
				if !strings.Contains(res.Err.Error(), tt.want) || (tt.wantErr != nil && !errors.Is(res.Err, tt.wantErr)) {
					t.Errorf("got error %v, want one containing %q (is %v)", res.Err, tt.want, tt.wantErr)
				}
				m := f.mirror(t, repoID, mirrorID)
				if m.FailCount != i || m.LastError != res.Err.Error() || !m.Enabled {
					t.Errorf("refresh %d: got fail_count %d last_error %q enabled %v, want %d, the reason, enabled",
						i, m.FailCount, m.LastError, m.Enabled, i)
				}
			}
			if tt.break_ == nil {
				return
			}
			ts.mu.Lock()
			clear(ts.override)
			ts.mu.Unlock()
			if s := f.refresh(t, Request{}); s.Changed != 1 {
				t.Fatalf("after repair: got %+v, want 1 changed", s)
			}
			if m := f.mirror(t, repoID, mirrorID); m.FailCount != 0 || m.LastError != "" {
				t.Errorf("after repair: got fail_count %d last_error %q, want 0 and ''", m.FailCount, m.LastError)
			}
		})
	}
}

func TestRefreshDisablesAfterMaxFailures(t *testing.T) {
	ts := newTestServer(t)
	ts.set(rpmDir+"/repodata/repomd.xml", notFound)
	f := newFixture(t, Options{MaxFailures: 3})
	repoID, mirrorID := f.addMirror(t, "rpm", ts.URL+rpmDir)
	_, goodID := f.addMirror(t, "deb", ts.URL+debDir)
	for i := 1; i <= 3; i++ {
		s := f.refresh(t, Request{})
		if s.Mirrors != 2 || s.Failed != 1 || s.Changed+s.Unchanged != 1 {
			t.Fatalf("refresh %d: got %+v, want 2 mirrors, one failed, one fine", i, s)
		}
		for _, r := range s.Results {
			if r.MirrorID == mirrorID && r.Disabled != (i == 3) {
				t.Errorf("refresh %d: got disabled %v, want %v", i, r.Disabled, i == 3)
			}
		}
	}
	if m := f.mirror(t, repoID, mirrorID); m.Enabled || m.FailCount != 3 {
		t.Errorf("got enabled %v fail_count %d, want disabled after 3", m.Enabled, m.FailCount)
	}
	s := f.refresh(t, Request{})
	if s.Mirrors != 1 || s.Results[0].MirrorID != goodID {
		t.Errorf("got %+v, want only the good mirror refreshed", s)
	}
}

func TestRefreshFileURLAndProgress(t *testing.T) {
	abs, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, Options{Concurrency: 2, AllowFileURLs: true})
	f.addMirror(t, "deb", "file://"+abs+debDir)
	f.addMirror(t, "rpm", "file://"+abs+zstDir)
	f.addMirror(t, "gentoo", "file://"+abs+"/none")
	var calls []int
	progress := func(done, total int, url string) {
		if total != 3 || !strings.HasPrefix(url, "file://") {
			t.Errorf("got progress total %d url %q, want 3 and a file url", total, url)
		}
		calls = append(calls, done)
	}
	s := f.refresh(t, Request{Progress: progress})
	if s.Changed != 2 || s.Skipped != 1 || s.Packages != len(wantDeb)+len(wantRPM) {
		t.Errorf("got %+v, want 2 changed, 1 skipped", s)
	}
	if !slices.Equal(calls, []int{1, 2, 3}) {
		t.Errorf("got progress calls %v, want [1 2 3]", calls)
	}
	if s := f.refresh(t, Request{}); s.Unchanged != 2 {
		t.Errorf("second refresh: got %+v, want 2 unchanged", s)
	}
}

func TestRefreshCanceled(t *testing.T) {
	ts := newTestServer(t)
	f := newFixture(t, Options{})
	repoID, mirrorID := f.addMirror(t, "deb", ts.URL+debDir)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.ref.Refresh(ctx, Request{}); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if m := f.mirror(t, repoID, mirrorID); m.FailCount != 0 {
		t.Errorf("got fail_count %d, want 0: shutting down is not the mirror's fault", m.FailCount)
	}
}

func TestRefreshFileURLsOffByDefault(t *testing.T) {
	abs, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, Options{})
	f.addMirror(t, "deb", "file://"+abs+debDir)
	f.addMirror(t, "deb", "file:///dev/zero/dists/x/main/binary-amd64")
	s := f.refresh(t, Request{})
	if s.Failed != 2 {
		t.Fatalf("got %+v, want both file mirrors failed", s)
	}
	for _, r := range s.Results {
		if !errors.Is(r.Err, ErrFileURLsDisabled) {
			t.Errorf("%s: got %v, want ErrFileURLsDisabled", r.URL, r.Err)
		}
	}
}

// port is the test server's port.
func (ts *testServer) port() string {
	u, _ := url.Parse(ts.URL)
	return u.Port()
}
