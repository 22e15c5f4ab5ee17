package collect

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"patchward/ingest/wire"
	"patchward/updates/version"
)

// hostname is the FQDN as `hostname -f` finds it: the kernel's host name, qualified from
// /etc/hosts, else by a short DNS lookup.
func (c *collector) hostname() (string, error) {
	if h := strings.TrimSpace(c.o.Hostname); h != "" {
		return strings.ToLower(h), nil
	}
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "", errors.New("collect: no host name: set hostname in the agent config or --hostname")
	}
	h = strings.ToLower(h)
	if strings.Contains(h, ".") {
		return h, nil
	}
	if b, _ := c.readFile("/etc/hosts"); b != nil {
		for _, line := range strings.Split(string(b), "\n") {
			line, _, _ = strings.Cut(line, "#")
			f := strings.Fields(line)
			if len(f) < 2 || !containsFold(f[1:], h) {
				continue
			}
			for _, n := range f[1:] {
				if strings.HasPrefix(strings.ToLower(n), h+".") {
					return strings.ToLower(n), nil
				}
			}
		}
	}
	ctx, cancel := context.WithTimeout(c.ctx, 300*time.Millisecond)
	defer cancel()
	if cn, err := net.DefaultResolver.LookupCNAME(ctx, h); err == nil {
		cn = strings.ToLower(strings.TrimSuffix(cn, "."))
		if strings.HasPrefix(cn, h+".") {
			return cn, nil
		}
	}
	return h, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// uname returns the kernel release and machine (uname -r, uname -m).
func (c *collector) uname() (kernel, machine string) {
	kernel, machine = c.o.Kernel, c.o.Machine
	var u syscall.Utsname
	if (kernel == "" || machine == "") && syscall.Uname(&u) == nil {
		if kernel == "" {
			kernel = utsString(u.Release[:])
		}
		if machine == "" {
			machine = utsString(u.Machine[:])
		}
	}
	return kernel, machine
}

func utsString[T int8 | uint8](f []T) string {
	b := make([]byte, 0, len(f))
	for _, c := range f {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}

// osRelease reads /etc/os-release (falling back to /usr/lib/os-release), keys lower-cased.
func (c *collector) osRelease() map[string]string {
	b, _ := c.readFile("/etc/os-release")
	if b == nil {
		b, _ = c.readFile("/usr/lib/os-release")
	}
	if b == nil {
		return nil
	}
	m := map[string]string{}
	for k, v := range keyValues(b) {
		m[strings.ToLower(k)] = v
	}
	return m
}

func (c *collector) firstLine(p string) string {
	b, _ := c.readFile(p)
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line)
}

// osString is the OS name exactly as patchman-client builds it (its section 1.3), so that hosts
// reported by either agent group together on the server.
func (c *collector) osString(rel map[string]string) string {
	if rel == nil {
		return c.osStringLegacy()
	}
	id, like := rel["id"], rel["id_like"]
	var s string
	switch {
	case id == "debian":
		s = "Debian " + strings.ReplaceAll(c.firstLine("/etc/debian_version"), "/", "-")
	case id == "raspbian":
		s = "Raspbian " + c.firstLine("/etc/debian_version")
	case id == "ubuntu", id == "fedora":
		s = rel["pretty_name"]
	case id == "centos" && c.exists("/etc/centos-release"):
		s = c.firstLine("/etc/centos-release")
	case id == "rhel" && c.exists("/etc/redhat-release"):
		s = c.firstLine("/etc/redhat-release")
	case id == "arch":
		s = rel["name"]
	case id == "gentoo":
		s = rel["pretty_name"] + " " + rel["version_id"]
	case strings.Contains(like, "suse"):
		s = rel["pretty_name"]
	case id == "astra":
		s = rel["name"] + " " + c.firstLine("/etc/astra_version")
	default:
		s = rel["name"] + " " + rel["version"]
	}
	s = strings.TrimSpace(s)
	if cpe := rel["cpe_name"]; cpe != "" {
		s += " [" + cpe + "]"
	}
	return s
}

func (c *collector) osStringLegacy() string {
	if s := c.firstLine("/etc/SuSE-release"); s != "" {
		return s
	}
	if b, _ := c.readFile("/etc/lsb-release"); b != nil {
		if d := keyValues(b)["DISTRIB_DESCRIPTION"]; d != "" {
			return d
		}
	}
	for _, p := range []string{"/etc/debian_version", "/etc/fermi-release", "/etc/redhat-release",
		"/etc/fedora-release", "/etc/centos-release"} {
		if s := c.firstLine(p); s != "" {
			if p == "/etc/debian_version" {
				return "Debian " + s
			}
			return s
		}
	}
	return "unknown"
}

// rebootRequired is Debian's reboot-required flag file; on rpm hosts the running kernel against
// the newest installed one (and needs-restarting -r where installed); on pacman and apk hosts
// the running kernel's module directory having been removed by an upgrade.
func (c *collector) rebootRequired() bool {
	for _, dir := range []string{"/var/run", "/run"} {
		if c.exists(dir + "/reboot-required") {
			b, _ := c.readFile(dir + "/reboot-required.pkgs")
			for _, p := range strings.Fields(string(b)) {
				if !slices.Contains(c.r.RebootPackages, p) {
					c.r.RebootPackages = append(c.r.RebootPackages, p)
				}
			}
			return true
		}
	}
	var kernels []wire.Package
	for _, p := range c.r.Packages {
		switch {
		case p.Type == "rpm" && (p.Name == "kernel" || p.Name == "kernel-core" || p.Name == "kernel-default" ||
			p.Name == "kernel-uek" || p.Name == "kernel-rt-core"):
			kernels = append(kernels, p)
		case (p.Type == "arch" || p.Type == "apk") && strings.HasPrefix(p.Name, "linux"):
			if c.exists("/usr/lib/modules") && !c.exists(filepath.Join("/usr/lib/modules", c.r.Kernel)) &&
				!c.exists(filepath.Join("/lib/modules", c.r.Kernel)) {
				return true
			}
		}
	}
	if len(kernels) > 0 && newerKernelInstalled(kernels, c.r.Kernel) {
		return true
	}
	if len(kernels) > 0 && c.o.realRoot() {
		// needs-restarting -r exits 1 when a reboot is needed, 0 when not.
		if _, err := c.run("needs-restarting", "-r"); err != nil {
			var ee interface{ ExitCode() int }
			if errors.As(err, &ee) && ee.ExitCode() == 1 {
				return true
			}
		}
	}
	return false
}

// newerKernelInstalled reports whether an installed kernel package is newer than the running
// kernel (uname -r is "VERSION-RELEASE.ARCH" for rpm kernels, plus "+debug" style suffixes).
func newerKernelInstalled(kernels []wire.Package, running string) bool {
	var newest version.EVR
	found := false
	for _, k := range kernels {
		v := version.EVR{Version: k.Version, Release: k.Release}
		if !found || version.CompareRPM(v, newest) > 0 {
			newest, found = v, true
		}
	}
	run := running
	if i := strings.LastIndexByte(run, '.'); i > 0 {
		run = run[:i] // drop .x86_64
	}
	return found && version.CompareRPM(newest, version.ParseEVR(run)) > 0
}
