package collect

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"patchward/ingest/wire"
)

// needTool skips a test when a tool is missing, unless PATCHWARD_REQUIRE_TOOLS=1.
func needTool(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("PATCHWARD_REQUIRE_TOOLS") == "1" {
				t.Fatalf("%s is required: %v", n, err)
			}
			t.Skipf("%s not installed: %v", n, err)
		}
	}
}

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

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func collectRoot(t testing.TB, root string, commands bool) wire.Report {
	t.Helper()
	r, err := Collect(context.Background(), Options{Root: root, Hostname: "test.example.org", Kernel: "6.1.0-1-amd64",
		Machine: "x86_64", Commands: commands, Now: func() time.Time { return time.Unix(1700000000, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func packageLines(r wire.Report, typ string) []string {
	var out []string
	for _, p := range r.Packages {
		if p.Type == typ {
			evr := p.Version
			if p.Epoch != "" {
				evr = p.Epoch + ":" + evr
			}
			if p.Release != "" {
				evr += "-" + p.Release
			}
			out = append(out, p.Name+" "+evr+" "+p.Arch)
		}
	}
	slices.Sort(out)
	return out
}

// TestDpkgMatchesDpkgQuery compares this machine's dpkg status, as collected, with dpkg-query.
func TestDpkgMatchesDpkgQuery(t *testing.T) {
	needTool(t, "dpkg-query")
	if _, err := os.Stat("/var/lib/dpkg/status"); err != nil {
		t.Skip("no dpkg database on this machine")
	}
	out := run(t, "dpkg-query", "-W", "-f", `${db:Status-Abbrev}|${Package} ${Version} ${Architecture}\n`)
	var want []string
	for _, line := range strings.Split(out, "\n") {
		st, pkg, ok := strings.Cut(line, "|")
		// ii installed, hi held: what patchman-client sends ("install|hold ok installed").
		if ok && (strings.TrimSpace(st) == "ii" || strings.TrimSpace(st) == "hi") {
			want = append(want, pkg)
		}
	}
	slices.Sort(want)
	got := packageLines(collectRoot(t, "/", false), "deb")
	if len(want) < 10 {
		t.Fatalf("dpkg-query listed only %d packages", len(want))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("collected packages differ from dpkg-query (-want +got):\n%s", diff)
	}
}

func TestDpkgHoldAndMultiarch(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"/var/lib/dpkg/status": "Package: vim\nStatus: hold ok installed\nArchitecture: amd64\n" +
		"Version: 2:9.0.1378-2\nDescription: editor\n continuation: not a field\n\n" +
		"Package: libc6\nStatus: install ok installed\nArchitecture: i386\nVersion: 2.36-9\n\n" +
		"Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9\n\n" +
		"Package: gone\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1\n\n" +
		"Package: half\nStatus: install ok half-configured\nArchitecture: amd64\nVersion: 1\n"})
	r := collectRoot(t, root, false)
	want := []wire.Package{
		{Type: "deb", Name: "vim", Arch: "amd64", Epoch: "2", Version: "9.0.1378", Release: "2", Held: true},
		{Type: "deb", Name: "libc6", Arch: "i386", Version: "2.36", Release: "9"},
		{Type: "deb", Name: "libc6", Arch: "amd64", Version: "2.36", Release: "9"},
	}
	if diff := cmp.Diff(want, r.Packages); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}

// buildRPMs builds tiny noarch rpms with rpmbuild: name, [epoch:]version, release each.
func buildRPMs(t testing.TB, pkgs [][3]string) []string {
	t.Helper()
	w := t.TempDir()
	spec := filepath.Join(w, "p.spec")
	writeTree(t, "/", map[string]string{spec: "Name: %{n}\nVersion: %{ver}\nRelease: %{rel}\nSummary: fixture\nLicense: MIT\n" +
		"BuildArch: noarch\n%if \"%{?ep}\" != \"\"\nEpoch: %{ep}\n%endif\n%description\nfixture\n%files\n"})
	for _, p := range pkgs {
		args := []string{"--quiet", "-bb", "--define", "_topdir " + filepath.Join(w, "b"), "--define", "n " + p[0],
			"--define", "rel " + p[2]}
		ver := p[1]
		if ep, v, ok := strings.Cut(ver, ":"); ok {
			args, ver = append(args, "--define", "ep "+ep), v
		}
		run(t, "rpmbuild", append(args, "--define", "ver "+ver, spec)...)
	}
	files, _ := filepath.Glob(filepath.Join(w, "b/RPMS/noarch/*.rpm"))
	return files
}

// TestRPMDatabase builds an rpmdb with Debian's rpm --root and compares with rpm -qa; the newer
// installed kernel makes a reboot required.
func TestRPMDatabase(t *testing.T) {
	needTool(t, "rpm", "rpmbuild")
	rpms := buildRPMs(t, [][3]string{{"kernel-core", "5.14.0", "427.el9"}, {"kernel-core", "5.14.0", "503.el9"},
		{"openssl-libs", "1:3.0.7", "27.el9"}, {"libstdc++", "11.4.1", "3.el9"}, {"other", "1.0^git20240101", "1"}})
	root := t.TempDir()
	run(t, "rpm", "--root", root, "--dbpath", "/var/lib/rpm", "--initdb")
	run(t, "rpm", append([]string{"--root", root, "--dbpath", "/var/lib/rpm", "-i", "--nodeps", "--justdb", "--noscripts"}, rpms...)...)
	out := run(t, "rpm", "--root", root, "--dbpath", "/var/lib/rpm", "-qa", "--qf", `%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE} %{ARCH}\n`)
	var want []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		want = append(want, strings.Replace(line, " 0:", " ", 1))
	}
	slices.Sort(want)
	r, err := Collect(context.Background(), Options{Root: root, Hostname: "el9.example.org", Kernel: "5.14.0-427.el9.x86_64",
		Machine: "x86_64", Commands: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, packageLines(r, "rpm")); diff != "" {
		t.Errorf("collected rpms differ from rpm -qa (-want +got):\n%s", diff)
	}
	if len(want) != 5 {
		t.Errorf("rpm -qa listed %d packages, want 5", len(want))
	}
	if !r.RebootRequired {
		t.Errorf("running 427 with 503 installed: got reboot_required false, want true")
	}
	r.Kernel = "5.14.0-503.el9.x86_64"
	if newerKernelInstalled(r.Packages[:0:0], r.Kernel) {
		t.Errorf("no kernels: got newer installed")
	}
	var kernels []wire.Package
	for _, p := range r.Packages {
		if p.Name == "kernel-core" {
			kernels = append(kernels, p)
		}
	}
	if newerKernelInstalled(kernels, r.Kernel) {
		t.Errorf("running the newest kernel: got a newer one installed")
	}
}

// TestPacmanLocalDB installs packages into a root with pacman --dbonly and reads its local db.
func TestPacmanLocalDB(t *testing.T) {
	needTool(t, "pacman", "bsdtar", "zstd")
	w := t.TempDir()
	mk := func(name, ver, arch string) string {
		d := filepath.Join(w, name)
		writeTree(t, d, map[string]string{"/usr/share/" + name + "/VERSION": ver, "/.PKGINFO": "pkgname = " + name +
			"\npkgbase = " + name + "\npkgver = " + ver + "\npkgdesc = fixture\nbuilddate = 1700000000\nsize = 4\narch = " + arch + "\n"})
		out := filepath.Join(w, name+"-"+ver+"-"+arch+".pkg.tar.zst")
		run(t, "sh", "-c", "cd '"+d+"' && bsdtar --uid 0 --gid 0 -cf - .PKGINFO usr | zstd -q -o '"+out+"'")
		return out
	}
	pkgs := []string{mk("hello", "1.0-1", "any"), mk("other", "1:2.0-3", "x86_64")}
	root := filepath.Join(w, "root")
	writeTree(t, w, map[string]string{"/pacman.conf": "[options]\nArchitecture = auto\nSigLevel = Never\n"})
	if err := os.MkdirAll(filepath.Join(root, "var/lib/pacman"), 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, "pacman", append([]string{"--root", root, "--dbpath", filepath.Join(root, "var/lib/pacman"), "--config",
		filepath.Join(w, "pacman.conf"), "-U", "--dbonly", "--noconfirm", "--nodeps"}, pkgs...)...)
	out := run(t, "pacman", "--root", root, "--dbpath", filepath.Join(root, "var/lib/pacman"), "-Q")
	var want []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		arch := "any"
		if strings.HasPrefix(line, "other ") {
			arch = "x86_64"
		}
		want = append(want, line+" "+arch)
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, packageLines(collectRoot(t, root, false), "arch")); diff != "" {
		t.Errorf("collected pacman packages differ from pacman -Q (-want +got):\n%s", diff)
	}
}

func TestAPKInstalled(t *testing.T) {
	root := t.TempDir()
	// The shape of Alpine's /lib/apk/db/installed (trimmed).
	writeTree(t, root, map[string]string{"/lib/apk/db/installed": "C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\nS:383152\n" +
		"T:the musl c library\nF:lib\nR:ld-musl-x86_64.so.1\n\nC:Q1def=\nP:busybox\nV:1.36.1-r29\nA:x86_64\no:busybox\n"})
	want := []wire.Package{{Type: "apk", Name: "musl", Arch: "x86_64", Version: "1.2.5", Release: "r0"},
		{Type: "apk", Name: "busybox", Arch: "x86_64", Version: "1.36.1", Release: "r29"}}
	if diff := cmp.Diff(want, collectRoot(t, root, false).Packages); diff != "" {
		t.Errorf("apk packages (-want +got):\n%s", diff)
	}
}
