package repo

import (
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// repomdSigner signs with a throwaway key made by the real gpg, and returns the public keyring.
func repomdSigner(t *testing.T) (keyring string, sign func(data []byte) []byte) {
	t.Helper()
	if _, err := exec.LookPath("gpg"); err != nil {
		if os.Getenv("PATCHWARD_REQUIRE_TOOLS") == "1" {
			t.Fatalf("gpg is required: %v", err)
		}
		t.Skipf("gpg not installed: %v", err)
	}
	home := t.TempDir()
	gpg := func(stdin []byte, args ...string) []byte {
		t.Helper()
		cmd := exec.Command("gpg", append([]string{"--homedir", home, "--batch", "--quiet", "--yes"}, args...)...)
		if stdin != nil {
			cmd.Stdin = strings.NewReader(string(stdin))
		}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("gpg %v: %v", args, err)
		}
		return out
	}
	gpg(nil, "--passphrase", "", "--quick-gen-key", "Repomd Fixture <repomd@example.invalid>", "ed25519", "sign", "never")
	keyring = filepath.Join(t.TempDir(), "repomd-keyring.gpg")
	if err := os.WriteFile(keyring, gpg(nil, "--export"), 0o644); err != nil {
		t.Fatal(err)
	}
	return keyring, func(data []byte) []byte { return gpg(data, "--armor", "--detach-sign") }
}

// With verify_repomd, repomd.xml must match repomd.xml.asc: a good signature refreshes, an
// altered repomd.xml or a signature by another key fails the mirror, and under a keyring rule a
// missing signature fails too.
func TestRefreshRepomdSignature(t *testing.T) {
	keyring, sign := repomdSigner(t)
	otherKeyring, signOther := repomdSigner(t)
	repomdPath := rpmDir + "/repodata/repomd.xml"
	repomd, err := os.ReadFile(filepath.Join("testdata", "rpm", "repo", "repodata", "repomd.xml"))
	if err != nil {
		t.Fatal(err)
	}
	altered := []byte(strings.Replace(string(repomd), "<revision>", "<revision>1", 1))
	tests := []struct {
		name  string
		opts  func(url string) Options
		serve map[string]http.HandlerFunc
		want  string // "" = refreshed
	}{
		{"good signature", func(string) Options { return Options{VerifyRepomd: true, KeyringFiles: []string{keyring}} },
			map[string]http.HandlerFunc{repomdPath + ".asc": serveBytes(sign(repomd))}, ""},
		{"altered repomd", func(string) Options { return Options{VerifyRepomd: true, KeyringFiles: []string{keyring}} },
			map[string]http.HandlerFunc{repomdPath: serveBytes(altered), repomdPath + ".asc": serveBytes(sign(repomd))}, "signature"},
		{"signed by another key under a rule", func(u string) Options {
			return Options{VerifyRepomd: true, Keyrings: []KeyringRule{{Prefix: u, Files: []string{keyring}}}}
		}, map[string]http.HandlerFunc{repomdPath + ".asc": serveBytes(signOther(repomd))}, "signature"},
		{"missing signature under a rule", func(u string) Options {
			return Options{VerifyRepomd: true, Keyrings: []KeyringRule{{Prefix: u, Files: []string{otherKeyring}}}}
		}, nil, "signature"},
		{"verification off", func(string) Options { return Options{KeyringFiles: []string{keyring}} },
			map[string]http.HandlerFunc{repomdPath + ".asc": serveBytes(signOther(altered))}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			for p, h := range tt.serve {
				ts.set(p, h)
			}
			f := newFixture(t, tt.opts(ts.URL))
			f.addMirror(t, "rpm", ts.URL+rpmDir)
			s := f.refresh(t, Request{})
			if len(s.Results) != 1 {
				t.Fatalf("got %+v, want one result", s)
			}
			res := s.Results[0]
			if tt.want == "" {
				if res.Status != StatusChanged || res.Packages != len(wantRPM) {
					t.Fatalf("got %s %v (%d packages), want changed with %d packages", res.Status, res.Err, res.Packages, len(wantRPM))
				}
				return
			}
			if res.Status != StatusFailed || res.Err == nil || !strings.Contains(strings.ToLower(res.Err.Error()), tt.want) {
				t.Fatalf("got %s %v, want failed mentioning %q", res.Status, res.Err, tt.want)
			}
			if !errors.Is(res.Err, ErrSignature) {
				t.Errorf("got %v, want an ErrSignature", res.Err)
			}
		})
	}
}
