package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// buildLooseRPM builds name-ver-rel.noarch.rpm with rpmbuild into dir, its changelog naming cve.
func buildLooseRPM(t *testing.T, dir, name, ver, rel, cve string) {
	t.Helper()
	work := t.TempDir()
	spec := fmt.Sprintf("Name: %s\nVersion: %s\nRelease: %s\nSummary: fixture\nLicense: MIT\nBuildArch: noarch\n"+
		"%%description\nfixture\n%%install\nmkdir -p %%{buildroot}/usr/share/%s\necho x > %%{buildroot}/usr/share/%s/f\n"+
		"%%files\n/usr/share/%s/f\n%%changelog\n* Mon Dec 07 2026 T <t@example.invalid> - %s-%s\n- Fix %s\n",
		name, ver, rel, name, name, name, ver, rel, cve)
	must(t, os.WriteFile(filepath.Join(work, "p.spec"), []byte(spec), 0o644))
	runCmd(t, work, "rpmbuild", "--quiet", "-bb", "--define", "_topdir "+filepath.Join(work, "b"), "p.spec")
	rpms, _ := filepath.Glob(filepath.Join(work, "b/RPMS/noarch/*.rpm"))
	for _, r := range rpms {
		b, err := os.ReadFile(r)
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dir, filepath.Base(r)), b, 0o644))
	}
}

// buildLooseDeb builds name_version_arch.deb with dpkg-deb into dir.
func buildLooseDeb(t *testing.T, dir, name, version, arch string) {
	t.Helper()
	work := filepath.Join(t.TempDir(), name)
	must(t, os.MkdirAll(filepath.Join(work, "DEBIAN"), 0o755))
	must(t, os.WriteFile(filepath.Join(work, "DEBIAN/control"), []byte(fmt.Sprintf(
		"Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: T <t@example.invalid>\nDescription: fixture\n", name, version, arch)), 0o644))
	runCmd(t, dir, "dpkg-deb", "--root-owner-group", "-Zxz", "--build", work, filepath.Join(dir, name+"_"+version+"_"+arch+".deb"))
}

// TestLoosePackages: an air-gapped site's media carry directories of loose packages (no
// repodata/, no Packages index). `patchward repo import DIR` turns each into a repository read
// from the packages' own headers (a corrupt file skipped by name); a rewrite rule maps a host's
// reported repository onto such a directory, and the host gets its update, with the CVE its
// changelog names.
func TestLoosePackages(t *testing.T) {
	requireTools(t, "rpmbuild", "dpkg-deb")
	media := t.TempDir()
	rpmDir, debDir := filepath.Join(media, "vendor", "el9"), filepath.Join(media, "vendor", "debs")
	must(t, os.MkdirAll(rpmDir, 0o755))
	must(t, os.MkdirAll(debDir, 0o755))
	buildLooseRPM(t, rpmDir, "vendor-agent", "2.0", "1.el9", "CVE-2026-31337")
	buildLooseDeb(t, debDir, "vendor-tool", "1.5-1", "amd64")
	b, err := os.ReadFile(filepath.Join(rpmDir, "vendor-agent-2.0-1.el9.noarch.rpm"))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(rpmDir, "broken-1.0-1.noarch.rpm"), b[:len(b)/2], 0o644))

	data := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "patchward.toml")
	must(t, os.WriteFile(cfg, []byte(fmt.Sprintf("[[repo.rewrites]]\nfrom = \"http://vendor.example/el9\"\nto = \"file://%s\"\n", rpmDir)), 0o644))
	out := runCLI(t, data, "repo", "import", media, "--config", cfg)
	for _, want := range []string{"new repository", "(rpm): file://" + rpmDir, "(deb): file://" + debDir} {
		if !strings.Contains(out, want) {
			t.Errorf("repo import: want %q in\n%s", want, out)
		}
	}
	var repos []struct {
		Name, Type string
		Mirrors    []struct {
			URL       string
			Packages  int
			LastError string `json:"last_error"`
		}
	}
	must(t, json.Unmarshal([]byte(runCLI(t, data, "repos", "--json")), &repos))
	got := map[string]int{}
	for _, r := range repos {
		for _, m := range r.Mirrors {
			got[m.URL] = m.Packages
			if m.LastError != "" {
				t.Errorf("%s: %s", m.URL, m.LastError)
			}
		}
	}
	if got["file://"+rpmDir] != 1 || got["file://"+debDir] != 1 {
		t.Errorf("local repositories' packages: %v, want 1 readable package in each (the broken rpm skipped)", got)
	}
	if again := runCLI(t, data, "repo", "import", media, "--config", cfg); strings.Contains(again, "new repository") {
		t.Errorf("second import created repositories again:\n%s", again)
	}

	// A host whose reported repository is the vendor's URL, mapped onto the directory.
	base, _ := startServer(t, data)
	report := (`{"version":1,"hostname":"rocky.example.org","os":"Rocky Linux 9.4","kernel":"5.14.0-427.el9.x86_64",
		"arch":"x86_64","packages":[{"type":"rpm","name":"vendor-agent","arch":"noarch","version":"1.0","release":"1.el9"}],
		"repos":[{"type":"rpm","name":"Vendor EL9","id":"vendor","priority":0,"urls":["http://vendor.example/el9"]}]}`)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/reports", strings.NewReader(report))
	req.Header.Set("Content-Type", "application/json")
	if resp := do(t, req); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("native report: %d", resp.StatusCode)
	}
	waitFor(t, "the host", func() bool { return strings.Contains(runCLI(t, data, "hosts"), "rocky.example.org") })
	runCLI(t, data, "refresh", "--config", cfg)
	runCLI(t, data, "find-updates")
	h := hostJSONOf(t, data, "rocky.example.org")
	if len(h.Updates) != 1 || h.Updates[0].Available != "2.0-1.el9" || !h.Updates[0].Security {
		t.Fatalf("host updates: %+v, want vendor-agent 2.0-1.el9 as a security update (its changelog names a CVE)", h.Updates)
	}
	var detail struct {
		Updates []struct {
			Errata []struct{ CVEs []string }
		}
	}
	must(t, json.Unmarshal([]byte(runCLI(t, data, "host", "rocky.example.org", "--json")), &detail))
	if e := detail.Updates[0].Errata; len(e) != 1 || len(e[0].CVEs) != 1 || e[0].CVEs[0] != "CVE-2026-31337" {
		t.Errorf("update errata: %+v, want the changelog's CVE-2026-31337", e)
	}
}
