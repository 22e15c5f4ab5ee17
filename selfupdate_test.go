package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// buildVersion builds patchward stamped with version v (-X main.version) into dir.
func buildVersion(t *testing.T, dir, v string) string {
	t.Helper()
	p := filepath.Join(dir, "patchward")
	cmd := exec.Command("go", "build", "-ldflags", "-X main.version="+v, "-o", p, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", v, err, out)
	}
	return p
}

// agentProxy stands between the agents and the server: it counts the requests for the agent
// binary and, with tamper set, flips one byte of the binary on its way.
type agentProxy struct {
	*httptest.Server
	manifests, binaries atomic.Int64
	tamper              atomic.Bool
}

func newAgentProxy(t *testing.T, base string) *agentProxy {
	u, err := url.Parse(base)
	must(t, err)
	p := &agentProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		switch resp.Request.URL.Path {
		case "/api/v1/agent/update":
			p.manifests.Add(1)
		case "/api/v1/agent/binary":
			p.binaries.Add(1)
			if p.tamper.Load() && resp.StatusCode == http.StatusOK {
				b, err := io.ReadAll(resp.Body)
				if err != nil {
					return err
				}
				b[len(b)/2] ^= 0x01
				resp.Body = io.NopCloser(bytes.NewReader(b))
			}
		}
		return nil
	}
	p.Server = httptest.NewServer(rp)
	t.Cleanup(p.Close)
	return p
}

// agentHost is one monitored host: its copy of the agent binary, its config and state.
type agentHost struct {
	name, bin, config, state, root string
}

func newAgentHost(t *testing.T, name, bin, server, enroll string, autoUpdate bool) agentHost {
	t.Helper()
	dir := t.TempDir()
	h := agentHost{name: name, bin: filepath.Join(dir, "bin", "patchward"), config: filepath.Join(dir, "agent.toml"),
		state: filepath.Join(dir, "state"), root: filepath.Join(dir, "root")}
	must(t, os.MkdirAll(filepath.Dir(h.bin), 0o755))
	b, err := os.ReadFile(bin)
	must(t, err)
	must(t, os.WriteFile(h.bin, b, 0o755))
	must(t, os.MkdirAll(filepath.Join(h.root, "etc"), 0o755))
	must(t, os.MkdirAll(filepath.Join(h.root, "var/lib/dpkg"), 0o755))
	must(t, os.WriteFile(filepath.Join(h.root, "etc/os-release"), []byte("ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(h.root, "var/lib/dpkg/status"), nil, 0o644))
	cfg := fmt.Sprintf("server = %q\nhostname = %q\nstate_dir = %q\nroot = %q\nenroll_token = %q\nretries = 0\nauto_update = %v\n",
		server, name, h.state, h.root, enroll, autoUpdate)
	must(t, os.WriteFile(h.config, []byte(cfg), 0o600))
	return h
}

// report runs `patchward report` of the host's binary; it returns stderr.
func (h agentHost) report(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(h.bin, "report", "--config", h.config)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: report: %v\n%s", h.name, err, stderr.String())
	}
	return stderr.String()
}

func (h agentHost) version(t *testing.T) string {
	t.Helper()
	out, err := exec.Command(h.bin, "version").Output()
	if err != nil {
		t.Fatalf("%s: version: %v", h.name, err)
	}
	return strings.TrimSpace(string(out))
}

func fileSum(t *testing.T, p string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(p)
	must(t, err)
	return sha256.Sum256(b)
}

// hostClient is what the CLI says of a host's client and self-update.
func hostClient(t *testing.T, bin, data, name string) map[string]any {
	t.Helper()
	out, err := exec.Command(bin, "host", name, "--json", "--data", data).Output()
	if err != nil {
		t.Fatalf("host %s --json: %v", name, err)
	}
	var m map[string]any
	must(t, json.Unmarshal(out, &m))
	return m
}

// TestAgentSelfUpdate runs agents built as 1.0.0 against a server built as 1.1.0 on
// loopback: with auto_update the agent replaces its binary with the server's (checksum and
// signature by the key pinned at enrolment) and reports it; a binary tampered with on the way
// is refused, the old binary kept and the refusal reported; without auto_update nothing is
// downloaded.
func TestAgentSelfUpdate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two binaries")
	}
	old := buildVersion(t, t.TempDir(), "1.0.0")
	srvBin := buildVersion(t, t.TempDir(), "1.1.0")
	data := t.TempDir()
	srv := startProc(t, srvBin, data)
	proxy := newAgentProxy(t, srv.base)
	out, err := exec.Command(srvBin, "enroll-token", "add", "selfupdate", "--data", data).Output()
	must(t, err)
	enroll := strings.TrimSpace(lastLine(string(out)))

	t.Run("update", func(t *testing.T) {
		h := newAgentHost(t, "up.example.org", old, proxy.URL, enroll, true)
		if v := h.version(t); v != "patchward 1.0.0" {
			t.Fatalf("before: %q", v)
		}
		msg := h.report(t)
		if v := h.version(t); v != "patchward 1.1.0" {
			t.Fatalf("after the report: version %q, want patchward 1.1.0; agent said:\n%s", v, msg)
		}
		if got, want := fileSum(t, h.bin), fileSum(t, srvBin); got != want {
			t.Error("the new binary is not the server's")
		}
		if st, err := os.Stat(h.bin); err != nil || st.Mode().Perm() != 0o755 {
			t.Errorf("mode of the new binary: %v %v, want 0755", st.Mode(), err)
		}
		h.report(t) // the new agent reports the update, and its version
		c := hostClient(t, srvBin, data, h.name)
		if c["client"] != "patchward-agent" || c["client_version"] != "1.1.0" ||
			c["agent_update"] != "updated from 1.0.0 to 1.1.0" {
			t.Errorf("host after the update: client %v %v, agent_update %v", c["client"], c["client_version"], c["agent_update"])
		}
	})

	t.Run("tampered", func(t *testing.T) {
		proxy.tamper.Store(true)
		defer proxy.tamper.Store(false)
		h := newAgentHost(t, "tampered.example.org", old, proxy.URL, enroll, true)
		before := fileSum(t, h.bin)
		n := proxy.binaries.Load()
		msg := h.report(t)
		if proxy.binaries.Load() == n {
			t.Fatal("the agent did not download the binary")
		}
		if !strings.Contains(msg, "refused") || !strings.Contains(msg, "checksum mismatch") {
			t.Errorf("agent said %q, want a refusal for the checksum", msg)
		}
		if fileSum(t, h.bin) != before || h.version(t) != "patchward 1.0.0" {
			t.Fatal("a tampered binary replaced the agent")
		}
		h.report(t)
		c := hostClient(t, srvBin, data, h.name)
		if c["client_version"] != "1.0.0" || c["agent_update"] != "refused update from 1.0.0 to 1.1.0: checksum mismatch" {
			t.Errorf("host after the refusal: version %v, agent_update %v", c["client_version"], c["agent_update"])
		}
	})

	t.Run("wrong pinned key", func(t *testing.T) {
		h := newAgentHost(t, "wrongkey.example.org", old, proxy.URL, enroll, true)
		h.report(t) // enrolls and updates; now pin another key and offer again
		must(t, os.WriteFile(h.bin, mustRead(t, old), 0o755))
		must(t, os.WriteFile(filepath.Join(h.state, "server-update-key"), []byte("rrD5TcIBLkqkVTj8pXQnWfj5PPvi4tkZLJj+xAwKcNY=\n"), 0o600))
		msg := h.report(t)
		if !strings.Contains(msg, "signature does not verify") || h.version(t) != "patchward 1.0.0" {
			t.Errorf("with another pinned key: %q, version %q", msg, h.version(t))
		}
	})

	t.Run("off by default", func(t *testing.T) {
		h := newAgentHost(t, "off.example.org", old, proxy.URL, enroll, false)
		m, b := proxy.manifests.Load(), proxy.binaries.Load()
		h.report(t)
		h.report(t)
		if proxy.manifests.Load() != m || proxy.binaries.Load() != b {
			t.Errorf("auto_update = false asked the server %d times", proxy.manifests.Load()-m+proxy.binaries.Load()-b)
		}
		if h.version(t) != "patchward 1.0.0" {
			t.Error("the agent changed without auto_update")
		}
		c := hostClient(t, srvBin, data, h.name)
		if c["client_version"] != "1.0.0" {
			t.Errorf("client_version %v", c["client_version"])
		}
	})

	// The binary endpoints want a host token.
	for _, p := range []string{"/api/v1/agent/update", "/api/v1/agent/binary"} {
		resp, err := http.Get(srv.base + p)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without a token: %d, want 401", p, resp.StatusCode)
		}
	}
	if strings.Contains(srv.logs.String(), "PRIVATE") {
		t.Error("the server logged a private key")
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	must(t, err)
	return b
}
