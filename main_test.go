package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// requireTools skips the test when a tool is missing, or fails it when CI demands every tool.
func requireTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("PATCHWARD_REQUIRE_TOOLS") == "1" {
				t.Fatalf("%s is required (PATCHWARD_REQUIRE_TOOLS=1) but missing: %v", tool, err)
			}
			t.Skipf("%s not installed: %v", tool, err)
		}
	}
}

func runCmd(t *testing.T, dir string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// debPkg is one package of a fixture Debian repository.
type debPkg struct{ name, version, arch string }

// buildDebSuite builds real .deb files with dpkg-deb and indexes them with dpkg-scanpackages
// into root/dists/SUITE/main/binary-amd64/Packages.xz (plus .gz and plain).
func buildDebSuite(t *testing.T, root, suite string, pkgs []debPkg) {
	t.Helper()
	work := t.TempDir()
	for _, p := range pkgs {
		d := filepath.Join(work, p.name+"_"+p.version)
		must(t, os.MkdirAll(filepath.Join(d, "DEBIAN"), 0o755))
		must(t, os.MkdirAll(filepath.Join(d, "usr/share", p.name), 0o755))
		must(t, os.WriteFile(filepath.Join(d, "usr/share", p.name, "VERSION"), []byte(p.version+"\n"), 0o644))
		control := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: Fixture <fixture@example.invalid>\n"+
			"Section: misc\nPriority: optional\nDescription: fixture package\n Used as a test fixture.\n", p.name, p.version, p.arch)
		must(t, os.WriteFile(filepath.Join(d, "DEBIAN/control"), []byte(control), 0o644))
		pool := filepath.Join(root, "pool/main", p.name[:1], p.name)
		must(t, os.MkdirAll(pool, 0o755))
		file := fmt.Sprintf("%s_%s_%s.deb", p.name, strings.TrimPrefix(p.version[strings.Index(p.version, ":")+1:], ":"), p.arch)
		runCmd(t, work, "dpkg-deb", "--root-owner-group", "-Zxz", "--build", d, filepath.Join(pool, file))
	}
	dir := filepath.Join(root, "dists", suite, "main/binary-amd64")
	must(t, os.MkdirAll(dir, 0o755))
	cmd := exec.Command("dpkg-scanpackages", "--multiversion", "--arch", "amd64", "pool", "/dev/null")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dpkg-scanpackages: %v", err)
	}
	must(t, os.WriteFile(filepath.Join(dir, "Packages"), out, 0o644))
	runCmd(t, dir, "xz", "-9kf", "Packages")
	runCmd(t, dir, "gzip", "-9nkf", "Packages")
	// Each suite has its own pool so that the index lists only that suite's packages.
}

// buildRPMRepo builds noarch rpms with rpmbuild and indexes them with createrepo_c.
func buildRPMRepo(t *testing.T, root string, versions [][2]string) {
	t.Helper()
	work := t.TempDir()
	spec := `Name: hello-fixture
Version: %{ver}
Release: %{rel}
Summary: fixture
License: MIT
BuildArch: noarch
%description
fixture
%install
mkdir -p %{buildroot}/usr/share/hello-fixture
echo %{version} > %{buildroot}/usr/share/hello-fixture/VERSION
%files
/usr/share/hello-fixture/VERSION
`
	must(t, os.WriteFile(filepath.Join(work, "hello.spec"), []byte(spec), 0o644))
	for _, v := range versions {
		runCmd(t, work, "rpmbuild", "--quiet", "-bb", "--define", "_topdir "+filepath.Join(work, "build"),
			"--define", "ver "+v[0], "--define", "rel "+v[1], "hello.spec")
	}
	must(t, os.MkdirAll(root, 0o755))
	rpms, _ := filepath.Glob(filepath.Join(work, "build/RPMS/noarch/*.rpm"))
	for _, r := range rpms {
		b, err := os.ReadFile(r)
		must(t, err)
		must(t, os.WriteFile(filepath.Join(root, filepath.Base(r)), b, 0o644))
	}
	runCmd(t, root, "createrepo_c", "--quiet", "--no-database", ".")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is an io.Writer safe to read while the server writes logs to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startServer runs `patchward serve` through run() on a loopback port and returns its base URL;
// the server must shut down cleanly when the test ends.
func startServer(t *testing.T, data string) (string, *syncBuffer) {
	t.Helper()
	base, logs, stop := serveInProcess(t, data)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return base, logs
}

// testEnviron lets the server read the tests' loopback mirrors (refused by default).
func testEnviron() []string { return []string{"PATCHWARD_REPO__ALLOW_NETWORKS=127.0.0.0/8"} }

// runCLI runs one CLI command against the data directory and returns its standard output.
func runCLI(t *testing.T, data string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(args, "--data", data)
	if err := run(context.Background(), args, testEnviron(), strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("patchward %v: %v\n%s", args, err, errOut.String())
	}
	return out.String()
}

// hostJSON is the stable shape of `host NAME --json` as the README documents it, decoded here
// by field name so that a renamed or dropped field fails the end-to-end tests.
type hostJSON struct {
	Hostname        string       `json:"hostname"`
	Domain          string       `json:"domain"`
	OS              string       `json:"os"`
	Kernel          string       `json:"kernel"`
	Arch            string       `json:"arch"`
	Tags            []string     `json:"tags"`
	LastReport      *time.Time   `json:"last_report"`
	RebootRequired  bool         `json:"reboot_required"`
	RebootReason    string       `json:"reboot_reason"`
	Packages        int          `json:"packages"`
	SecurityUpdates int          `json:"security_updates"`
	BugfixUpdates   int          `json:"bugfix_updates"`
	Updates         []updateJSON `json:"updates"`
}

// updateJSON is one update of a host in `host NAME --json`.
type updateJSON struct {
	Name      string `json:"name"`
	Arch      string `json:"arch"`
	Installed string `json:"installed"`
	Available string `json:"available"`
	Security  bool   `json:"security"`
	Repo      string `json:"repo"`
	Held      bool   `json:"held"`
}

func hostJSONOf(t *testing.T, data, name string) hostJSON {
	t.Helper()
	var h hostJSON
	if err := json.Unmarshal([]byte(runCLI(t, data, "host", name, "--json")), &h); err != nil {
		t.Fatalf("host --json: %v", err)
	}
	return h
}

// TestEndToEnd drives the whole slice through run(): a real patchman-client upload (protocol 1,
// captured from a Debian 12 host) and a protocol 2 rpm host, real repositories built with
// Debian's and RPM's own tools served on loopback, refresh, update finding and the CLI.
func TestEndToEnd(t *testing.T) {
	requireTools(t, "dpkg-deb", "dpkg-scanpackages", "xz", "gzip", "rpmbuild", "createrepo_c")
	mirror := t.TempDir()
	buildDebSuite(t, filepath.Join(mirror, "debian"), "bookworm", []debPkg{
		{"adduser", "3.134", "all"}, {"bash", "5.2.15-2+b8", "amd64"}, {"curl", "7.88.1-10+deb12u15", "amd64"},
		{"libssl3", "3.0.17-1~deb12u1", "amd64"}, {"tzdata", "2025b-0+deb12u1", "all"},
	})
	// Suites share no pool: build updates and security into their own trees, then merge dists.
	updatesTree := t.TempDir()
	buildDebSuite(t, updatesTree, "bookworm-updates", []debPkg{
		{"base-files", "12.4+deb12u12", "amd64"}, {"tzdata", "2025b-0+deb12u3", "all"},
		{"dpkg", "1.21.22~rc1", "amd64"}, // tilde: older than the installed 1.21.22, not an update
	})
	must(t, os.CopyFS(filepath.Join(mirror, "debian"), os.DirFS(updatesTree)))
	buildDebSuite(t, filepath.Join(mirror, "debian-security"), "bookworm-security", []debPkg{
		{"libssl3", "3.0.19-1~deb12u3", "amd64"}, {"openssl", "3.0.19-1~deb12u3", "amd64"},
		{"curl", "7.88.1-10+deb12u15", "amd64"},
	})
	buildRPMRepo(t, filepath.Join(mirror, "el9"), [][2]string{{"1.0", "1.el9"}, {"1.1", "2.el9"}})
	repoSrv := httptest.NewServer(http.FileServer(http.Dir(mirror)))
	defer repoSrv.Close()

	data := t.TempDir()
	base, logs := startServer(t, data)
	if !strings.Contains(logs.String(), `created user "admin" with password`) {
		t.Errorf("first start did not print the admin password; logs:\n%s", logs.String())
	}
	get(t, base+"/healthz", http.StatusOK)

	// Protocol 1: the captured request, with the mirror host pointed at our loopback server.
	body, err := os.ReadFile("ingest/testdata/patchman-protocol1-debian12.body")
	must(t, err)
	body = bytes.ReplaceAll(body, []byte("http://mirror.example.org"), []byte(repoSrv.URL))
	hdr := readHeaders(t, "ingest/testdata/patchman-protocol1-debian12.headers")
	req, _ := http.NewRequest(http.MethodPost, base+"/reports/upload/", bytes.NewReader(body))
	req.Header.Set("Content-Type", hdr.Get("Content-Type"))
	req.Header.Set("User-Agent", hdr.Get("User-Agent"))
	resp := do(t, req)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("protocol 1 upload: got %d, want 204", resp.StatusCode)
	}

	// Protocol 2 with an API key, for an rpm host.
	key := strings.TrimSpace(lastLine(runCLI(t, data, "apikey", "add", "e2e", "--kind", "patchman")))
	p2 := map[string]any{"protocol": 2, "hostname": "rpmhost.example.org", "arch": "x86_64",
		"kernel": "5.14.0-427.13.1.el9_4.x86_64", "os": "Rocky Linux 9.4 (Blue Onyx)", "tags": []string{"web", "prod"},
		"reboot_required": true,
		"packages": []map[string]string{{"name": "hello-fixture", "epoch": "", "version": "1.0", "release": "1.el9",
			"arch": "noarch", "type": "rpm", "category": "", "repo": ""}},
		"repos": []map[string]any{{"type": "rpm", "name": "Fixture 9 - x86_64", "id": "fixture", "priority": 99,
			"urls": []string{repoSrv.URL + "/el9"}}},
		"modules": []any{}, "sec_updates": []any{}, "bug_updates": []any{}}
	j, _ := json.Marshal(p2)
	req, _ = http.NewRequest(http.MethodPost, base+"/api/report/", bytes.NewReader(j))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Api-Key "+key)
	resp = do(t, req)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("protocol 2 upload: got %d, want 202", resp.StatusCode)
	}

	// Both reports are processed by the server without any further step.
	waitFor(t, "reports to be processed", func() bool {
		out := runCLI(t, data, "hosts", "--json")
		return strings.Contains(out, "testhost.example.org") && strings.Contains(out, "rpmhost.example.org")
	})
	h := hostJSONOf(t, data, "testhost.example.org")
	if h.OS != "Debian 12.11" || h.Kernel != "6.18.44-fc-v669" || h.Arch != "x86_64" || h.LastReport == nil {
		t.Errorf("host fields: got %+v", h)
	}
	if diff := cmp.Diff([]string{"bench"}, h.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	wantPkgs := countPackageLines(t, body)
	if h.Packages != wantPkgs {
		t.Errorf("packages: got %d, want %d", h.Packages, wantPkgs)
	}
	repos := runCLI(t, data, "repos")
	for _, s := range []string{"/debian/dists/bookworm/main/binary-amd64", "/debian/dists/bookworm-updates/main/binary-amd64",
		"/debian-security/dists/bookworm-security/main/binary-amd64", "/el9"} {
		if !strings.Contains(repos, s) {
			t.Errorf("repos output lacks %s:\n%s", s, repos)
		}
	}

	runCLI(t, data, "refresh")
	runCLI(t, data, "find-updates")

	h = hostJSONOf(t, data, "testhost.example.org")
	repoName := func(path string) string {
		return "Debian 12.11 x86_64 repo at " + repoSrv.URL + path + "/main/binary-amd64"
	}
	sec, upd := repoName("/debian-security/dists/bookworm-security"), repoName("/debian/dists/bookworm-updates")
	want := []updateJSON{
		{Name: "libssl3", Arch: "amd64", Installed: "3.0.19-1~deb12u2", Available: "3.0.19-1~deb12u3", Security: true, Repo: sec},
		{Name: "openssl", Arch: "amd64", Installed: "3.0.19-1~deb12u2", Available: "3.0.19-1~deb12u3", Security: true, Repo: sec},
		{Name: "base-files", Arch: "amd64", Installed: "12.4+deb12u11", Available: "12.4+deb12u12", Repo: upd},
		{Name: "tzdata", Arch: "all", Installed: "2025b-0+deb12u2", Available: "2025b-0+deb12u3", Repo: upd},
	}
	if diff := cmp.Diff(want, h.Updates); diff != "" {
		t.Errorf("debian host updates (-want +got):\n%s", diff)
	}
	r := hostJSONOf(t, data, "rpmhost.example.org")
	wantRPM := []updateJSON{{Name: "hello-fixture", Arch: "noarch", Installed: "1.0-1.el9", Available: "1.1-2.el9", Repo: "Fixture 9 - x86_64"}}
	if diff := cmp.Diff(wantRPM, r.Updates); diff != "" {
		t.Errorf("rpm host updates (-want +got):\n%s", diff)
	}
	if !r.RebootRequired {
		t.Error("rpm host: the client's reboot_required=true was lost")
	}

	// The CLI's --json and the API are written by one encoder from the same rows: they agree
	// field for field (a field added to the API appears on the command line too).
	viewerKey := strings.TrimSpace(lastLine(runCLI(t, data, "apikey", "add", "cli-vs-api", "--kind", "api", "--role", "viewer")))
	apiGet := func(path string) map[string]any {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+viewerKey)
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		var v map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		return v
	}
	var cliHosts []any
	must(t, json.Unmarshal([]byte(runCLI(t, data, "hosts", "--json")), &cliHosts))
	if diff := cmp.Diff(apiGet("/api/v1/hosts")["items"], any(cliHosts)); diff != "" {
		t.Errorf("hosts --json differs from /api/v1/hosts items (-api +cli):\n%s", diff)
	}
	var cliHost map[string]any
	must(t, json.Unmarshal([]byte(runCLI(t, data, "host", "testhost.example.org", "--json")), &cliHost))
	apiHost := apiGet("/api/v1/hosts/testhost.example.org")
	flat := apiHost["host"].(map[string]any)
	flat["updates"] = apiHost["updates"]
	if diff := cmp.Diff(flat, cliHost); diff != "" {
		t.Errorf("host --json differs from /api/v1/hosts/NAME (-api +cli):\n%s", diff)
	}
	if cliHost["last_report"] == nil {
		t.Error("host --json: last_report is null for a host that reported")
	}
	var cliRepos []any
	must(t, json.Unmarshal([]byte(runCLI(t, data, "repos", "--json")), &cliRepos))
	if diff := cmp.Diff(apiGet("/api/v1/repos")["items"], any(cliRepos)); diff != "" {
		t.Errorf("repos --json differs from /api/v1/repos items (-api +cli):\n%s", diff)
	}

	// A second host reaches the same mirror by another name: after a refresh the CLI suggests
	// linking the identical repos, and --apply links them.
	other := bytes.ReplaceAll(body, []byte("testhost.example.org"), []byte("twin.example.org"))
	other = bytes.ReplaceAll(other, []byte(repoSrv.URL), []byte(strings.Replace(repoSrv.URL, "127.0.0.1", "localhost", 1)))
	req, _ = http.NewRequest(http.MethodPost, base+"/reports/upload/", bytes.NewReader(other))
	req.Header.Set("Content-Type", hdr.Get("Content-Type"))
	if resp := do(t, req); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("second upload: got %d, want 204", resp.StatusCode)
	}
	waitFor(t, "the twin host", func() bool { return strings.Contains(runCLI(t, data, "hosts"), "twin.example.org") })
	runCLI(t, data, "refresh")
	if out := runCLI(t, data, "repo", "link"); strings.Count(out, "localhost") != 3 {
		t.Errorf("repo link: want 3 suggested pairs, got:\n%s", out)
	}
	runCLI(t, data, "repo", "link", "--apply")
	if out := runCLI(t, data, "repo", "link"); !strings.Contains(out, "no mirrors to link") {
		t.Errorf("repo link after --apply: got\n%s", out)
	}
	twin := hostJSONOf(t, data, "twin.example.org")
	if len(twin.Updates) != len(want) {
		t.Errorf("twin host after linking: got %d updates, want %d", len(twin.Updates), len(want))
	}

	// The agent, as on a monitored host: it enrolls with a site token, then reports this
	// machine's own package database.
	if _, err := os.Stat("/var/lib/dpkg/status"); err == nil {
		tok := strings.TrimSpace(lastLine(runCLI(t, data, "enroll-token", "add", "e2e-site")))
		state := t.TempDir()
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"report", "--server", base, "--enroll-token", tok,
			"--state-dir", state, "--token-file", filepath.Join(state, "token"), "--hostname", "agent.example.org"}, nil, strings.NewReader(""), &out, &errOut)
		if err != nil {
			t.Fatalf("report: %v\n%s", err, errOut.String())
		}
		waitFor(t, "the agent's report", func() bool { return strings.Contains(runCLI(t, data, "hosts"), "agent.example.org") })
		if a := hostJSONOf(t, data, "agent.example.org"); a.Packages < 10 || a.OS == "" || a.Kernel == "" {
			t.Errorf("agent host: got %+v", a)
		}
	}

	// The UI needs a login; the dashboard is not readable anonymously.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noRedirect.Get(base + "/")
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		t.Errorf("GET / without session: got %d, want a redirect to the login page", resp.StatusCode)
	}
}

func get(t *testing.T, url string, want int) {
	t.Helper()
	resp, err := http.Get(url)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("GET %s: got %d, want %d", url, resp.StatusCode, want)
	}
}

func do(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Logf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	return resp
}

func readHeaders(t *testing.T, path string) http.Header {
	t.Helper()
	f, err := os.Open(path)
	must(t, err)
	defer f.Close()
	h := http.Header{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ": "); ok {
			h.Add(k, v)
		}
	}
	return h
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// countPackageLines counts the package lines of the multipart body, leaving out what the
// server drops by rule (gpg-pubkey pseudo packages).
func countPackageLines(t *testing.T, body []byte) int {
	t.Helper()
	n := 0
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasSuffix(strings.TrimSpace(line), "'deb'") && !strings.HasPrefix(line, "'gpg-pubkey'") {
			n++
		}
	}
	if n < 700 {
		t.Fatalf("fixture has %d package lines, expected ~750", n)
	}
	return n
}
