package collect

import (
	"context"
	"os"
	"strings"
	"testing"

	"patchward/ingest/wire"
)

func TestOSString(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"debian", map[string]string{"/etc/os-release": debianOSRelease, "/etc/debian_version": "12.11\n"}, "Debian 12.11"},
		{"debian testing", map[string]string{"/etc/os-release": "NAME=\"Debian GNU/Linux\"\nID=debian\n", "/etc/debian_version": "trixie/sid\n"}, "Debian trixie-sid"},
		{"ubuntu", map[string]string{"/etc/os-release": "PRETTY_NAME=\"Ubuntu 24.04.1 LTS\"\nNAME=\"Ubuntu\"\nID=ubuntu\nID_LIKE=debian\n"}, "Ubuntu 24.04.1 LTS"},
		{"rocky with cpe", map[string]string{"/etc/os-release": "NAME=\"Rocky Linux\"\nVERSION=\"9.3 (Blue Onyx)\"\nID=\"rocky\"\nCPE_NAME=\"cpe:/o:rocky:rocky:9::baseos\"\n"},
			"Rocky Linux 9.3 (Blue Onyx) [cpe:/o:rocky:rocky:9::baseos]"},
		{"rhel", map[string]string{"/etc/os-release": "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\n",
			"/etc/redhat-release": "Red Hat Enterprise Linux release 9.4 (Plow)\n"}, "Red Hat Enterprise Linux release 9.4 (Plow)"},
		{"arch", map[string]string{"/etc/os-release": "NAME=\"Arch Linux\"\nPRETTY_NAME=\"Arch Linux\"\nID=arch\n"}, "Arch Linux"},
		{"opensuse", map[string]string{"/etc/os-release": "NAME=\"openSUSE Leap\"\nVERSION=\"15.6\"\nID=\"opensuse-leap\"\nID_LIKE=\"suse opensuse\"\nPRETTY_NAME=\"openSUSE Leap 15.6\"\n"},
			"openSUSE Leap 15.6"},
		{"alpine", map[string]string{"/etc/os-release": "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n"}, "Alpine Linux"},
		{"no os-release, lsb", map[string]string{"/etc/lsb-release": "DISTRIB_ID=Ubuntu\nDISTRIB_DESCRIPTION=\"Ubuntu 14.04.6 LTS\"\n"}, "Ubuntu 14.04.6 LTS"},
		{"nothing", map[string]string{}, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tt.files)
			if got := collectRoot(t, root, false).OS; got != tt.want {
				t.Errorf("got OS %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRebootRequired(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  bool
	}{
		{"debian flag file", map[string]string{"/var/run/reboot-required": "*** System restart required ***\n",
			"/var/run/reboot-required.pkgs": "linux-image-6.1.0-2-amd64\nlibc6\nlibc6\n"}, true},
		{"debian, no flag", map[string]string{"/var/lib/dpkg/status": ""}, false},
		{"arch, running kernel's modules removed", map[string]string{"/var/lib/pacman/local/linux-6.9.1.arch1-1/desc": "%NAME%\nlinux\n\n%VERSION%\n6.9.1.arch1-1\n\n%ARCH%\nx86_64\n",
			"/usr/lib/modules/6.9.1-arch1-1/modules.dep": ""}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tt.files)
			r := collectRoot(t, root, false)
			if r.RebootRequired != tt.want {
				t.Errorf("got reboot_required %t, want %t", r.RebootRequired, tt.want)
			}
			if pkgs := tt.files["/var/run/reboot-required.pkgs"]; pkgs != "" && len(r.RebootPackages) != 2 {
				t.Errorf("got reboot packages %q, want the two listed", r.RebootPackages)
			}
		})
	}
}

func TestHostnameOverride(t *testing.T) {
	r := collectRoot(t, t.TempDir(), false)
	if r.Hostname != "test.example.org" || r.Kernel != "6.1.0-1-amd64" || r.Arch != "x86_64" || r.Version != 1 {
		t.Errorf("got host %q kernel %q arch %q version %d, want the overrides", r.Hostname, r.Kernel, r.Arch, r.Version)
	}
	if r.Packages == nil || r.Repos == nil {
		t.Errorf("empty host: got nil packages or repos, want [] (reported empty)")
	}
}

// BenchmarkCollect collects this machine as the agent does (packages, repos, OS), commands
// allowed.
func BenchmarkCollect(b *testing.B) {
	for b.Loop() {
		r, err := Collect(b.Context(), Options{Root: "/", Commands: true})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(r.Packages)), "packages")
	}
}

// TestUnreadableListsAreNotSent: a package database or repo file that cannot be read makes
// that list null (the server keeps the host's), never a partial list.
func TestUnreadableListsAreNotSent(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"/var/lib/dpkg/status/x":                "a directory where the status file should be",
		"/etc/apt/sources.list":                 "deb http://deb.debian.org/debian bookworm main\n",
		"/etc/apt/sources.list.d/broken.list/x": "a directory named like a list",
	})
	r := collectRoot(t, root, false)
	if r.Packages != nil || r.Repos != nil || len(r.Warnings) != 2 {
		t.Errorf("got packages %v repos %v warnings %q; want both null and two warnings", r.Packages, r.Repos, r.Warnings)
	}
}

// TestHostnameFromHosts qualifies the kernel's short host name from /etc/hosts, as hostname -f
// does on a Debian install (127.0.1.1 host.example.org host).
func TestHostnameFromHosts(t *testing.T) {
	short, err := os.Hostname()
	if err != nil || strings.Contains(short, ".") {
		t.Skipf("host name %q is already qualified", short)
	}
	root := t.TempDir()
	writeTree(t, root, map[string]string{"/etc/hosts": "127.0.0.1 localhost\n# 10.0.0.1 wrong." + short + "\n" +
		"127.0.1.1\t" + short + ".fleet.example.org " + short + "\n"})
	c := &collector{o: Options{Root: root}, ctx: context.Background(), r: &wire.Report{}}
	got, err := c.hostname()
	if want := strings.ToLower(short) + ".fleet.example.org"; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}
