package agent_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"patchward/ingest"
	"patchward/ingest/agent"
	"patchward/store"
)

// writeTree writes files (host path -> content) under root.
func writeTree(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// debianRoot is a small Debian host: three packages (one held, one multiarch pair), one
// deb822 source with a backports suite, and the Release files apt would have downloaded.
func debianRoot(t testing.TB) string {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"/etc/os-release":     "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nID=debian\n",
		"/etc/debian_version": "12.11\n",
		"/var/lib/dpkg/status": "Package: dpkg\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.21.22\n\n" +
			"Package: openssl\nStatus: hold ok installed\nArchitecture: amd64\nVersion: 3.0.16-1~deb12u1\n\n" +
			"Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\nVersion: 2.36-9+deb12u10\n\n" +
			"Package: libc6\nStatus: install ok installed\nArchitecture: i386\nMulti-Arch: same\nVersion: 2.36-9+deb12u10\n\n" +
			"Package: removed\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1.0-1\n",
		"/etc/apt/sources.list.d/debian.sources":                                      "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-backports\nComponents: main\nArchitectures: amd64\n",
		"/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease":           "Origin: Debian\nSuite: oldstable\nCodename: bookworm\n",
		"/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm-backports_InRelease": "Origin: Debian Backports\nSuite: oldstable-backports\nCodename: bookworm-backports\nNotAutomatic: yes\nButAutomaticUpgrades: yes\n",
	})
	return root
}

type server struct {
	db   *store.DB
	h    http.Handler
	srv  *httptest.Server
	addr string
}

func newServer(t *testing.T, allowed []string) *server {
	t.Helper()
	db := store.OpenTest(t)
	s := &server{db: db, h: ingest.Handler(db, ingest.Options{AllowedNetworks: allowed}, nil, nil)}
	s.start(t)
	return s
}

// start serves on a fresh loopback port, or on the previous one after a stop.
func (s *server) start(t *testing.T) {
	t.Helper()
	s.srv = httptest.NewUnstartedServer(s.h)
	if s.addr != "" {
		l, err := net.Listen("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		s.srv.Listener.Close()
		s.srv.Listener = l
	}
	s.srv.Start()
	s.addr = s.srv.Listener.Addr().String()
	t.Cleanup(s.srv.Close)
}

func (s *server) url() string { return "http://" + s.addr }

func (s *server) reports(t *testing.T) []store.HostReport {
	t.Helper()
	rs, err := s.db.Reports(context.Background(), store.ReportFilter{Status: store.ReportPending})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.HostReport
	for _, r := range slices.Backward(rs) { // oldest first
		hr, err := s.db.ReportPayload(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, hr)
	}
	return out
}

// runAgent runs the agent command with args; stderr is returned for messages.
func runAgent(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr strings.Builder
	err := agent.Run(context.Background(), "", args, nil, strings.NewReader(""), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func reportArgs(s *server, root, state, host string, extra ...string) []string {
	cfg := filepath.Join(state, "empty.toml")
	if _, err := os.Stat(cfg); err != nil {
		os.WriteFile(cfg, nil, 0o644) // a failure shows as a config error in the run
	}
	return append([]string{"report", "--config", cfg, "--root", root,
		"--hostname", host, "--state-dir", state, "--server", s.url(), "--retries", "0"}, extra...)
}

func TestEnrollThenHostToken(t *testing.T) {
	s := newServer(t, []string{}) // nothing trusted by network
	root := debianRoot(t)
	enroll, err := ingest.CreateEnrollToken(context.Background(), s.db, "site")
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	cfg := filepath.Join(state, "agent.toml")
	writeTree(t, "/", map[string]string{cfg: `server = "` + s.url() + `"
tags = ["web", "dmz"]
enroll_token = "` + enroll + `"
retries = 0
`})
	base := []string{"report", "--config", cfg, "--root", root, "--hostname", "web1.example.org", "--state-dir", state}
	if _, stderr, err := runAgent(t, base...); err != nil {
		t.Fatalf("first run: %v (%s)", err, stderr)
	}
	fi, err := os.Stat(filepath.Join(state, "token"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("token file mode: got %v, want 0600", fi.Mode().Perm())
	}
	tok, _ := os.ReadFile(filepath.Join(state, "token"))
	if !strings.HasPrefix(string(tok), store.HostTokenPrefix) {
		t.Errorf("token file: got %q, want a host token", tok)
	}
	// The second run uses the stored host token: no second enrollment.
	if _, stderr, err := runAgent(t, base...); err != nil {
		t.Fatalf("second run: %v (%s)", err, stderr)
	}
	ets, _ := s.db.EnrollTokens(context.Background())
	if len(ets) != 1 || ets[0].Uses != 1 {
		t.Errorf("enrollment uses: got %+v, want one enrollment", ets)
	}
	reps := s.reports(t)
	if len(reps) != 2 {
		t.Fatalf("got %d reports, want 2", len(reps))
	}
	hr := reps[1]
	if hr.Hostname != "web1.example.org" || hr.OS != "Debian 12.11" || !slices.Equal(hr.Tags, []string{"web", "dmz"}) {
		t.Errorf("got host %q os %q tags %v, want web1.example.org, Debian 12.11, [web dmz]", hr.Hostname, hr.OS, hr.Tags)
	}
	if len(hr.Packages) != 4 {
		t.Errorf("got %d packages, want 4 (installed, held, multiarch pair)", len(hr.Packages))
	}
	wantRepos := map[string]int{
		"http://deb.debian.org/debian/dists/bookworm/main/binary-amd64":           500,
		"http://deb.debian.org/debian/dists/bookworm-backports/main/binary-amd64": 100,
	}
	if len(hr.Repos) != len(wantRepos) {
		t.Fatalf("got repos %+v, want %v", hr.Repos, wantRepos)
	}
	for _, r := range hr.Repos {
		if p, ok := wantRepos[r.URLs[0]]; !ok || p != r.Priority {
			t.Errorf("got repo %s priority %d, want %v", r.URLs[0], r.Priority, wantRepos)
		}
	}

	// Another host's token cannot report for web1.
	state2 := t.TempDir()
	if _, stderr, err := runAgent(t, reportArgs(s, root, state2, "web2.example.org", "--enroll-token", enroll)...); err != nil {
		t.Fatalf("web2: %v (%s)", err, stderr)
	}
	tok2, _ := os.ReadFile(filepath.Join(state2, "token"))
	state3 := t.TempDir()
	writeTree(t, "/", map[string]string{filepath.Join(state3, "token"): string(tok2)})
	_, _, err = runAgent(t, reportArgs(s, root, state3, "web1.example.org")...)
	var he *agent.HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusForbidden {
		t.Errorf("web2's token for web1: got %v, want 403", err)
	}
	if _, err := os.Stat(filepath.Join(state3, "spool.json.gz")); err == nil {
		t.Errorf("a refused report was spooled")
	}
	// A second enrollment of an enrolled name is refused too.
	_, _, err = runAgent(t, reportArgs(s, root, t.TempDir(), "web1.example.org", "--enroll-token", enroll)...)
	if !errors.As(err, &he) || he.Status != http.StatusForbidden {
		t.Errorf("re-enrolling web1: got %v, want 403", err)
	}
	// Revoking the host token lets the agent enroll again on its next run.
	if err := s.db.RevokeHostToken(context.Background(), "web1.example.org"); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := runAgent(t, base...); err != nil {
		t.Fatalf("run after revocation: %v (%s)", err, stderr)
	}
	if tok3, _ := os.ReadFile(filepath.Join(state, "token")); string(tok3) == string(tok) {
		t.Errorf("host token not renewed after revocation")
	}
}

func TestKeylessAndAPIKeyPaths(t *testing.T) {
	s := newServer(t, nil) // default networks: loopback is trusted
	root := debianRoot(t)
	ctx := context.Background()
	if _, stderr, err := runAgent(t, reportArgs(s, root, t.TempDir(), "plain.example.org")...); err != nil {
		t.Fatalf("keyless from loopback: %v (%s)", err, stderr)
	}
	key, _, err := s.db.CreateAPIKey(ctx, "fleet", "patchman", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := runAgent(t, reportArgs(s, root, t.TempDir(), "keyed.example.org", "--api-key", key)...); err != nil {
		t.Fatalf("api key: %v (%s)", err, stderr)
	}
	enroll, _ := ingest.CreateEnrollToken(ctx, s.db, "site")
	if _, stderr, err := runAgent(t, reportArgs(s, root, t.TempDir(), "enrolled.example.org", "--enroll-token", enroll)...); err != nil {
		t.Fatalf("enroll: %v (%s)", err, stderr)
	}
	// An enrolled name is no longer accepted on network trust alone.
	_, _, err = runAgent(t, reportArgs(s, root, t.TempDir(), "enrolled.example.org")...)
	var he *agent.HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusForbidden {
		t.Errorf("keyless report for an enrolled host: got %v, want 403", err)
	}
	var hosts []string
	for _, hr := range s.reports(t) {
		hosts = append(hosts, hr.Hostname)
	}
	want := []string{"plain.example.org", "keyed.example.org", "enrolled.example.org"}
	if !slices.Equal(hosts, want) {
		t.Errorf("got reports for %v, want %v", hosts, want)
	}
}

func TestSpoolAndResend(t *testing.T) {
	s := newServer(t, nil)
	root := debianRoot(t)
	state := t.TempDir()
	s.srv.Close() // the server is down
	_, _, err := runAgent(t, reportArgs(s, root, state, "web1.example.org", "--tags", "while-down")...)
	if err == nil || !strings.Contains(err.Error(), "spooled") {
		t.Fatalf("run while down: got %v, want a spooled error", err)
	}
	// A hook run while down spools too (newest wins) but never fails the package manager.
	if _, _, err := runAgent(t, reportArgs(s, root, state, "web1.example.org", "--tags", "hook-while-down", "--hook")...); err != nil {
		t.Fatalf("hook run while down: got %v, want nil", err)
	}
	if _, err := os.Stat(filepath.Join(state, "spool.json.gz")); err != nil {
		t.Fatalf("no spooled report: %v", err)
	}
	s.start(t) // back on the same address
	if _, stderr, err := runAgent(t, reportArgs(s, root, state, "web1.example.org", "--tags", "back")...); err != nil {
		t.Fatalf("run after restart: %v (%s)", err, stderr)
	}
	if _, err := os.Stat(filepath.Join(state, "spool.json.gz")); err == nil {
		t.Errorf("spool not removed after it was sent")
	}
	var tags []string
	for _, hr := range s.reports(t) {
		tags = append(tags, strings.Join(hr.Tags, ","))
		if hr.Repos == nil || hr.Packages == nil {
			t.Errorf("report tagged %v lacks repos or packages", hr.Tags)
		}
	}
	if want := []string{"hook-while-down", "back"}; !slices.Equal(tags, want) {
		t.Errorf("got reports tagged %v, want %v (spooled newest, then the new one)", tags, want)
	}
}

func TestDryRunOutputAndImport(t *testing.T) {
	s := newServer(t, nil)
	root := debianRoot(t)
	state := t.TempDir()
	stdout, _, err := runAgent(t, reportArgs(s, root, state, "gap.example.org", "--dry-run")...)
	if err != nil {
		t.Fatal(err)
	}
	hr, _, err := ingest.ParseNative([]byte(stdout))
	if err != nil || hr.Hostname != "gap.example.org" || len(hr.Packages) != 4 {
		t.Fatalf("dry run output: got %+v, %v; want a valid native report of 4 packages", hr, err)
	}
	if len(s.reports(t)) != 0 {
		t.Errorf("dry run sent a report")
	}
	ctx := context.Background()
	for _, name := range []string{"gap.json", "gap.json.gz"} {
		out := filepath.Join(t.TempDir(), name)
		if _, _, err := runAgent(t, reportArgs(s, root, state, "gap.example.org", "--output", out)...); err != nil {
			t.Fatal(err)
		}
		// Importing the same file twice is harmless.
		n, err := ingest.ImportFiles(ctx, s.db, nil, []string{out, out})
		if err != nil || n != 2 {
			t.Fatalf("import %s: got %d, %v; want 2", name, n, err)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	writeTree(t, "/", map[string]string{bad: `{"version": 1, "hostname": ""}`})
	if n, err := ingest.ImportFiles(ctx, s.db, nil, []string{bad}); n != 0 || err == nil || !strings.Contains(err.Error(), "hostname") {
		t.Errorf("import of a bad file: got %d, %v; want 0 and a hostname error", n, err)
	}
	if rs, _ := s.db.Reports(ctx, store.ReportFilter{Status: store.ReportRejected}); len(rs) != 1 {
		t.Errorf("got %d rejected reports, want 1", len(rs))
	}
	p := ingest.NewProcessor(s.db, nil, nil)
	if n, err := p.ProcessPending(ctx); err != nil || n != 4 {
		t.Fatalf("process: got %d, %v; want 4", n, err)
	}
	h, err := s.db.HostByName(ctx, "gap.example.org")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(h)
	if !strings.Contains(string(raw), "Debian 12.11") {
		t.Errorf("host after import: got %s, want OS Debian 12.11", raw)
	}
}

func TestTLSWithCAFile(t *testing.T) {
	s := newServer(t, nil)
	tlsSrv := httptest.NewTLSServer(s.h)
	defer tlsSrv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw})
	writeTree(t, "/", map[string]string{ca: string(pemBytes)})
	root := debianRoot(t)
	args := func(state string, extra ...string) []string {
		a := reportArgs(s, root, state, "tls.example.org", extra...)
		for i := range a {
			if a[i] == s.url() {
				a[i] = tlsSrv.URL
			}
		}
		return a
	}
	_, _, err := runAgent(t, args(t.TempDir())...)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the CA: got %v, want a certificate error", err)
	}
	if _, stderr, err := runAgent(t, args(t.TempDir(), "--ca-file", ca)...); err != nil {
		t.Fatalf("with the CA file: %v (%s)", err, stderr)
	}
	if n := len(s.reports(t)); n != 1 {
		t.Errorf("got %d reports, want 1", n)
	}
}
