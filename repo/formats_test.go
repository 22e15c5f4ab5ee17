package repo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"patchward/store"
)

// addRepo creates a repo with one mirror as a host of arch reports it, with a client repo id;
// each URL gets a host of its own.
func (f *fixture) addRepo(t *testing.T, typ, arch, ident, url string) (repoID, mirrorID int64) {
	t.Helper()
	ctx := context.Background()
	host := "host-" + strings.NewReplacer("/", "-", ":", "-").Replace(url)
	_, err := f.db.ApplyHostReport(ctx, 0, store.HostReport{Hostname: host, OS: "Test 1", Arch: arch,
		Packages: []store.PackageKey{}, Repos: []store.ReportedRepo{{Type: typ, Name: "r " + url, Ident: ident, URLs: []string{url}}}})
	if err != nil {
		t.Fatal(err)
	}
	repos, err := f.db.Repos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range repos {
		for _, m := range r.Mirrors {
			if m.URL == strings.TrimRight(url, "/") {
				return r.ID, m.ID
			}
		}
	}
	t.Fatalf("mirror %s not created", url)
	return 0, 0
}

// sqlDB opens the fixture's database file read-only for assertions the store API does not offer.
func (f *fixture) sqlDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+f.path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func absTestdata(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func TestRefreshDebSignatures(t *testing.T) {
	abs := absTestdata(t)
	good := []string{filepath.Join(abs, "deb", "fixture-keyring.gpg")}
	other := []string{filepath.Join(abs, "deb", "other-keyring.gpg")}
	armoured := []string{filepath.Join(abs, "deb", "fixture-key.asc")}
	inRel := "/deb/repo/dists/bookworm/InRelease"
	rel := "/deb/repo/dists/bookworm/Release"
	relGPG := "/deb/repo/dists/bookworm/Release.gpg"
	read := func(p string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", p))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// The signed text altered: the signature no longer matches.
	tamperedText := []byte(strings.Replace(string(read(inRel)), "Codename: bookworm", "Codename: bookwurm", 1))
	// Release altered under an intact Release.gpg.
	tamperedRelease := []byte(strings.Replace(string(read(rel)), "Label: Fixture", "Label: Fixturf", 1))
	// Text added after the signature is not signed, and must not be parsed either.
	appended := append(read(inRel), []byte("\nSHA256:\n 0000000000000000000000000000000000000000000000000000000000000000 1 main/binary-amd64/Packages.zst\n")...)
	unsigned := read(rel)
	tests := []struct {
		name    string
		opts    func(url string) Options
		serve   map[string]http.HandlerFunc
		wantErr error
		want    string
	}{
		{"inrelease good key (rule)", func(u string) Options {
			return Options{KeyringFiles: []string{}, Keyrings: []KeyringRule{{Prefix: u, Files: good}}}
		}, nil, nil, ""},
		{"inrelease armoured key (global, required)", func(string) Options {
			return Options{KeyringFiles: armoured, Signatures: "required"}
		}, nil, nil, ""},
		{"release.gpg good key", func(u string) Options {
			return Options{Keyrings: []KeyringRule{{Prefix: u, Files: good}}}
		}, map[string]http.HandlerFunc{inRel: notFound}, nil, ""},
		{"unknown signer under a rule", func(u string) Options {
			return Options{Keyrings: []KeyringRule{{Prefix: u, Files: other}}}
		}, nil, ErrSignature, "not in the configured keyring"},
		{"unknown signer, auto, global keyring", func(string) Options {
			return Options{KeyringFiles: other}
		}, nil, nil, ""},
		{"tampered inrelease, auto", func(string) Options { return Options{KeyringFiles: good} },
			map[string]http.HandlerFunc{inRel: serveBytes(tamperedText)}, ErrSignature, "InRelease"},
		{"tampered release, auto", func(string) Options { return Options{KeyringFiles: good} },
			map[string]http.HandlerFunc{inRel: notFound, rel: serveBytes(tamperedRelease)}, ErrSignature, "Release.gpg"},
		{"unsigned release, required", func(string) Options { return Options{KeyringFiles: good, Signatures: "required"} },
			map[string]http.HandlerFunc{inRel: notFound, relGPG: notFound}, ErrSignature, "no InRelease and no Release.gpg"},
		{"unsigned inrelease, required", func(string) Options { return Options{KeyringFiles: good, Signatures: "required"} },
			map[string]http.HandlerFunc{inRel: serveBytes(unsigned)}, ErrSignature, "not clearsigned"},
		{"unsigned text appended, verified", func(string) Options { return Options{KeyringFiles: good} },
			map[string]http.HandlerFunc{inRel: serveBytes(appended)}, nil, ""},
		{"off ignores a bad signature", func(string) Options { return Options{KeyringFiles: good, Signatures: "off"} },
			map[string]http.HandlerFunc{inRel: serveBytes(tamperedText)}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			for p, h := range tt.serve {
				ts.set(p, h)
			}
			f := newFixture(t, tt.opts(ts.URL))
			repoID, mirrorID := f.addMirror(t, "deb", ts.URL+debDir)
			s := f.refresh(t, Request{})
			if len(s.Results) != 1 {
				t.Fatalf("got %+v, want one result", s)
			}
			res := s.Results[0]
			if tt.wantErr == nil {
				if res.Status != StatusChanged || res.Packages != len(wantDeb) {
					t.Fatalf("got %+v, want changed with %d packages", res, len(wantDeb))
				}
				return
			}
			if res.Status != StatusFailed || !errors.Is(res.Err, tt.wantErr) || !strings.Contains(res.Err.Error(), tt.want) {
				t.Fatalf("got %s %v, want failed with %v containing %q", res.Status, res.Err, tt.wantErr, tt.want)
			}
			if m := f.mirror(t, repoID, mirrorID); m.LastError != res.Err.Error() || m.PackageCount != 0 {
				t.Errorf("got mirror %+v, want the reason recorded and no packages", m)
			}
			for _, name := range debIndexes {
				if n := ts.downloads(debDir + "/" + name); n != 0 {
					t.Errorf("got %d downloads of %s, want none after a failed signature", n, name)
				}
			}
		})
	}
}

func TestRefreshDebFlat(t *testing.T) {
	ts := newTestServer(t)
	abs := absTestdata(t)
	f := newFixture(t, Options{Keyrings: []KeyringRule{{Prefix: ts.URL, Files: []string{filepath.Join(abs, "deb", "fixture-keyring.gpg")}}}})
	repoID, mirrorID := f.addMirror(t, "deb", ts.URL+"/deb/repo/flat/")
	s := f.refresh(t, Request{})
	if s.Changed != 1 {
		t.Fatalf("got %+v, want 1 changed", s)
	}
	// The fixture's Release is dated 2023: older than the default 14 days.
	if !s.Results[0].Stale || s.Results[0].Freshness.Year() != 2023 {
		t.Errorf("got stale %v freshness %v, want a stale 2023 mirror", s.Results[0].Stale, s.Results[0].Freshness)
	}
	if diff := cmp.Diff(sorted(wantDeb), f.packages(t, mirrorID)); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if got := ts.downloads("/deb/repo/flat/Packages.xz"); got != 1 {
		t.Errorf("got %d downloads of the flat Packages.xz, want 1", got)
	}
	if m := f.mirror(t, repoID, mirrorID); m.Freshness.IsZero() {
		t.Errorf("got no freshness, want the flat Release's Date")
	}
	if s := f.refresh(t, Request{}); s.Unchanged != 1 || ts.downloads("/deb/repo/flat/Packages.xz") != 1 {
		t.Errorf("second refresh: got %+v, want unchanged by the Release checksum without a download", s)
	}
}

func TestRefreshRPMErrataAndModules(t *testing.T) {
	for _, dir := range []string{rpmDir, zstDir} {
		t.Run(dir, func(t *testing.T) {
			ts := newTestServer(t)
			f := newFixture(t, Options{})
			_, mirrorID := f.addMirror(t, "rpm", ts.URL+dir)
			if s := f.refresh(t, Request{}); s.Changed != 1 {
				t.Fatalf("got %+v, want 1 changed", s)
			}
			db := f.sqlDB(t)
			type erratum struct{ Name, Type, Severity, Title, Issued, Updated, CVEs, Pkgs string }
			rows, err := db.Query(`SELECT e.name, e.type, e.severity, e.title,
					ifnull(strftime('%Y-%m-%d', e.issued), ''), ifnull(strftime('%Y-%m-%d', e.updated), ''),
					ifnull((SELECT group_concat(type || '=' || ref_id, ' ') FROM (SELECT * FROM erratum_refs r WHERE r.erratum_id = e.id ORDER BY type)), ''),
					(SELECT group_concat(p.name || '-' || p.version || '-' || p.release, ' ') FROM erratum_packages ep JOIN packages p ON p.id = ep.package_id WHERE ep.erratum_id = e.id)
				FROM errata e JOIN mirror_errata me ON me.erratum_id = e.id AND me.mirror_id = ? ORDER BY e.name`, mirrorID)
			if err != nil {
				t.Fatal(err)
			}
			var got []erratum
			for rows.Next() {
				var e erratum
				if err := rows.Scan(&e.Name, &e.Type, &e.Severity, &e.Title, &e.Issued, &e.Updated, &e.CVEs, &e.Pkgs); err != nil {
					t.Fatal(err)
				}
				got = append(got, e)
			}
			rows.Close()
			want := []erratum{
				{"FIXTURE-2024:0001", "security", "Important", "Important: hello-fixture security update", "2024-01-15", "2024-01-16",
					"bugzilla=1 cve=CVE-2024-0001", "hello-fixture-1.1-2.el9"},
				{"FIXTURE-2024:0002", "bugfix", "None", "hello-fixture bug fix update", "2024-01-10", "", "", "hello-fixture-1.1-1.el9"},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("errata (-want +got):\n%s", diff)
			}
			var name, stream, version, ctxt, arch string
			var blob []byte
			if err := db.QueryRow(`SELECT name, stream, version, context, arch, members FROM mirror_modules WHERE mirror_id = ?`, mirrorID).
				Scan(&name, &stream, &version, &ctxt, &arch, &blob); err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(name, stream, version, ctxt, arch); got != fmt.Sprint("hello-fixture", "1.1", "9040020240115000000", "9edba152", "noarch") {
				t.Errorf("got module %s, want hello-fixture:1.1", got)
			}
			ids, err := store.DecodeIDSet(blob)
			if err != nil {
				t.Fatal(err)
			}
			pkgs, err := f.db.PackagesByID(context.Background(), ids)
			if err != nil {
				t.Fatal(err)
			}
			wantPkg := store.PackageKey{Type: "rpm", Name: "hello-fixture", Arch: "noarch", Version: "1.1", Release: "2.el9"}
			if len(pkgs) != 1 || pkgs[ids[0]] != wantPkg {
				t.Errorf("got module artifacts %v, want only %v (the src rpm left out)", pkgs, wantPkg)
			}
			// Unchanged repomd: neither updateinfo nor modules is downloaded again.
			ts.noCond = true
			before := len(ts.hits)
			total := func() int {
				n := 0
				for p, c := range ts.hits {
					if strings.Contains(p, "updateinfo") || strings.Contains(p, "modules") {
						n += c
					}
				}
				return n
			}
			was := total()
			if s := f.refresh(t, Request{}); s.Unchanged != 1 {
				t.Errorf("second refresh: got %+v, want unchanged", s)
			}
			if got := total(); got != was || len(ts.hits) != before {
				t.Errorf("got %d updateinfo/modules downloads after an unchanged refresh, want %d", got, was)
			}
		})
	}
}
