package loose

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func requireTool(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("PATCHWARD_REQUIRE_TOOLS") != "" {
				t.Fatalf("%s is required (PATCHWARD_REQUIRE_TOOLS is set)", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
}

func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// buildRPM builds name-ver-rel.arch.rpm with rpmbuild (an epoch when epoch != "", and a
// changelog naming cves) into dir.
func buildRPM(t *testing.T, dir, name, epoch, ver, rel, arch string, cves ...string) {
	t.Helper()
	work := t.TempDir()
	var spec strings.Builder
	fmt.Fprintf(&spec, "Name: %s\nVersion: %s\nRelease: %s\nSummary: fixture\nLicense: MIT\nBuildArch: %s\n", name, ver, rel, arch)
	if epoch != "" {
		fmt.Fprintf(&spec, "Epoch: %s\n", epoch)
	}
	fmt.Fprintf(&spec, "%%description\nfixture\n%%install\nmkdir -p %%{buildroot}/usr/share/%s\necho x > %%{buildroot}/usr/share/%s/f\n"+
		"%%files\n/usr/share/%s/f\n%%changelog\n* Mon Dec 07 2026 T <t@example.invalid> - %s-%s\n- Fix %s\n- Older: CVE-2020-0001\n",
		name, name, name, ver, rel, strings.Join(cves, " and "))
	if err := os.WriteFile(filepath.Join(work, "p.spec"), []byte(spec.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, work, "rpmbuild", "--quiet", "-bb", "--define", "_topdir "+filepath.Join(work, "b"), "p.spec")
	rpms, _ := filepath.Glob(filepath.Join(work, "b/RPMS/*/*.rpm"))
	for _, r := range rpms {
		b, err := os.ReadFile(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(r)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// buildDeb builds a .deb with dpkg-deb, compressed with comp, into dir.
func buildDeb(t *testing.T, dir, name, version, arch, source, comp string) {
	t.Helper()
	work := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(filepath.Join(work, "DEBIAN"), 0o755); err != nil {
		t.Fatal(err)
	}
	control := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: T <t@example.invalid>\nDescription: fixture\n long\n", name, version, arch)
	if source != "" {
		control += "Source: " + source + "\n"
	}
	if err := os.WriteFile(filepath.Join(work, "DEBIAN/control"), []byte(control), 0o644); err != nil {
		t.Fatal(err)
	}
	v := version[strings.Index(version, ":")+1:]
	run(t, dir, "dpkg-deb", "--root-owner-group", "-Z"+comp, "--build", work, filepath.Join(dir, name+"_"+v+"_"+arch+".deb"))
}

// TestReadDirectory builds real packages with rpmbuild and dpkg-deb, adds broken ones, and
// checks every field against rpm -qp and dpkg-deb -f themselves.
func TestReadDirectory(t *testing.T) {
	requireTool(t, "rpmbuild", "rpm", "dpkg-deb")
	dir := t.TempDir()
	buildRPM(t, dir, "vendor-tool", "", "2.1", "3.el9", "noarch", "CVE-2026-1234", "CVE-2026-20001")
	buildRPM(t, dir, "vendor-lib", "2", "1.0", "1.el9", "x86_64")
	buildDeb(t, dir, "gadget", "1:2.0-1+deb12u1", "amd64", "gadget-src (2.0-1)", "xz")
	buildDeb(t, dir, "gizmo", "0.9", "all", "", "gzip")
	buildDeb(t, dir, "widget", "3.1-2", "amd64", "", "zstd")
	if n, _ := filepath.Glob(filepath.Join(dir, "*")); len(n) != 5 {
		t.Fatalf("built %d packages, want 5: %v", len(n), n)
	}
	// Broken files: truncated copies of a real rpm and deb, and random bytes.
	for _, src := range []string{"vendor-tool-2.1-3.el9.noarch.rpm", "widget_3.1-2_amd64.deb"} {
		b, err := os.ReadFile(filepath.Join(dir, src))
		if err != nil {
			t.Fatal(err)
		}
		ext := filepath.Ext(src)
		if err := os.WriteFile(filepath.Join(dir, "truncated"+ext), b[:len(b)/3], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "noise.rpm"), []byte("not an rpm at all, just text that is long enough to have a lead"+strings.Repeat("x", 200)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.txt"), []byte("ignored"), 0o644); err != nil {
		t.Fatal(err)
	}

	d, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	for _, p := range d.Problems {
		problems = append(problems, p.File)
		if p.Error() == "" || !strings.Contains(p.Error(), p.File) {
			t.Errorf("problem %q does not name its file", p.Error())
		}
	}
	slices.Sort(problems)
	if want := []string{"noise.rpm", "truncated.deb", "truncated.rpm"}; !slices.Equal(problems, want) {
		t.Errorf("problems: %v, want %v", problems, want)
	}
	if len(d.Packages) != 5 {
		t.Fatalf("packages: got %d %+v, want 5", len(d.Packages), d.Packages)
	}
	for _, p := range d.Packages {
		path := filepath.Join(dir, p.File)
		var want Package
		switch p.Type {
		case "rpm":
			f := strings.Split(run(t, dir, "rpm", "-qp", "--nosignature", "--qf", "%{NAME}|%{EPOCH}|%{VERSION}|%{RELEASE}|%{ARCH}|%{SOURCERPM}", path), "|")
			want = Package{Type: "rpm", Name: f[0], Epoch: strings.ReplaceAll(f[1], "(none)", ""), Version: f[2], Release: f[3], Arch: f[4],
				Source: f[5], File: p.File}
			log := run(t, dir, "rpm", "-qp", "--nosignature", "--changelog", path)
			want.CVEs = CVEsIn(log)
		case "deb":
			f := strings.Split(strings.TrimSpace(run(t, dir, "dpkg-deb", "--showformat=${Package}|${Version}|${Architecture}|${source:Package}", "--show", path)), "|")
			want = Package{Type: "deb", Name: f[0], Arch: f[2], Source: f[3], File: p.File}
			v := f[1]
			if i := strings.IndexByte(v, ':'); i >= 0 {
				want.Epoch, v = v[:i], v[i+1:]
			}
			if i := strings.LastIndexByte(v, '-'); i >= 0 {
				want.Version, want.Release = v[:i], v[i+1:]
			} else {
				want.Version = v
			}
		}
		if fmt.Sprint(p) != fmt.Sprint(want) {
			t.Errorf("%s:\n got  %+v\n want %+v", p.File, p, want)
		}
	}
	tool := d.Packages[slices.IndexFunc(d.Packages, func(p Package) bool { return p.Name == "vendor-tool" })]
	if !slices.Equal(tool.CVEs, []string{"CVE-2020-0001", "CVE-2026-1234", "CVE-2026-20001"}) {
		t.Errorf("vendor-tool CVEs: %v", tool.CVEs)
	}
	if lib := d.Packages[slices.IndexFunc(d.Packages, func(p Package) bool { return p.Name == "vendor-lib" })]; lib.Epoch != "2" {
		t.Errorf("vendor-lib epoch: %q, want 2", lib.Epoch)
	}
	// The digest follows the contents.
	again, _ := Read(dir)
	if again.Digest != d.Digest {
		t.Error("digest changed without a change")
	}
	os.Remove(filepath.Join(dir, "gizmo_0.9_all.deb"))
	if again, _ = Read(dir); again.Digest == d.Digest {
		t.Error("digest unchanged after removing a package")
	}
	if rpm, deb := Types(dir); !rpm || !deb {
		t.Errorf("Types: rpm %v deb %v, want both", rpm, deb)
	}
}

// FuzzReadRPM checks that no byte string makes the rpm reader panic or allocate without bound.
func FuzzReadRPM(f *testing.F) {
	if paths, _ := filepath.Glob("testdata/*.rpm"); len(paths) > 0 {
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte{0xed, 0xab, 0xee, 0xdb})
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "f.rpm")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		ReadRPM(path)
		path = filepath.Join(t.TempDir(), "f.deb")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		ReadDeb(path)
	})
}
