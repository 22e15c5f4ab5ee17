package updates

import (
	"fmt"
	"regexp"
	"strings"

	"patchward/store"
	"patchward/updates/version"
)

// Kernels need no special case in Find: every kernel the package managers upgrade is an
// upgrade of the same name. rpm installs kernels side by side (installonly) and dnf offers a
// kernel newer than the highest installed one, which is what highestInstalled compares against;
// Debian and Ubuntu put the ABI and flavour in the name (linux-image-6.1.0-43-amd64), so a new
// ABI arrives through the meta package (linux-image-amd64, linux-image-generic-hwe-24.04), whose
// name keeps the flavour and the GA or HWE series apart; Arch's linux, linux-lts, ... are
// ordinary packages. Only the reboot decision looks at the running kernel, per host.

// rpmPrimaryKernels are the rpm names whose installed versions decide whether the running
// kernel is the newest (kernel-modules and the like follow them).
var rpmPrimaryKernels = []string{"kernel", "kernel-core", "kernel-default", "kernel-rt", "kernel-azure",
	"kernel-kvmsmall", "kernel-uek", "kernel-uki-virt", "kernel-64k", "kernel-debug-core", "kernel-debug-uki-virt"}

var (
	debUname   = regexp.MustCompile(`^(\d+\.\d+[^-]*(?:-\d+)?)-([a-z][a-z0-9-]*)$`)
	rpmArchSfx = regexp.MustCompile(`\.(x86_64|i686|aarch64|ppc64le|s390x|noarch|armv7hl)$`)
)

// RebootRequired is our own kernel check for a host running kernel (uname -r) with the given
// installed packages: it reports whether a newer kernel than the running one is installed (so
// only a reboot applies it), and why. It never looks at repos, so it is decided per host, beside
// the shared computation. The client's own flag is kept separately (store.SaveReboots).
func RebootRequired(kernel string, installed []store.Package) (bool, string) {
	kernel = strings.TrimSpace(kernel)
	if kernel == "" {
		return false, ""
	}
	var deb, rpm, arch bool
	for _, p := range installed {
		switch {
		case p.Type == "deb" && strings.HasPrefix(p.Name, "linux-image-"):
			deb = true
		case p.Type == "rpm" && strings.HasPrefix(p.Name, "kernel"):
			rpm = true
		case p.Type == "arch" && strings.HasPrefix(p.Name, "linux"):
			arch = true
		}
	}
	switch {
	case deb:
		return debReboot(kernel, installed)
	case rpm:
		return rpmReboot(kernel, installed)
	case arch:
		return archReboot(kernel, installed)
	}
	return false, ""
}

// debReboot: the running image is linux-image-<uname -r>; a reboot is due when another
// installed image of the same flavour (a versioned one, not a meta package) is newer. GA and
// HWE images share the flavour: a newer HWE image installed beside a running GA one is what the
// boot loader starts next, so it counts.
func debReboot(kernel string, installed []store.Package) (bool, string) {
	m := debUname.FindStringSubmatch(kernel)
	if m == nil {
		return false, ""
	}
	abi, flavour := m[1], m[2]
	var running *store.Package
	var newest *store.Package
	newestABI := ""
	for i, p := range installed {
		if p.Type != "deb" {
			continue
		}
		name := strings.TrimPrefix(strings.TrimPrefix(p.Name, "linux-image-"), "unsigned-")
		if name == p.Name || !strings.HasSuffix(name, "-"+flavour) {
			continue
		}
		pabi := strings.TrimSuffix(name, "-"+flavour)
		if pabi == "" || pabi[0] < '0' || pabi[0] > '9' || !debUname.MatchString(name) {
			continue
		}
		if pabi == abi {
			running = &installed[i]
			continue
		}
		if newest == nil || Compare(p.PackageKey, newest.PackageKey) > 0 {
			newest, newestABI = &installed[i], pabi
		}
	}
	if newest == nil {
		return false, ""
	}
	newer := false
	if running != nil {
		newer = Compare(newest.PackageKey, running.PackageKey) > 0
	} else {
		newer = version.CompareDeb(newestABI, abi) > 0
	}
	if !newer {
		return false, ""
	}
	return true, fmt.Sprintf("running kernel %s, newer %s %s installed", kernel, newest.Name, newest.EVR())
}

// rpmReboot: the running kernel is the installed primary kernel package whose version and
// release uname -r names (arch suffix stripped; SUSE truncates the release, so a release that
// extends it with ".N" matches); a reboot is due when a higher version of that name is installed.
func rpmReboot(kernel string, installed []store.Package) (bool, string) {
	uname := kernel
	debug := false
	if i := strings.IndexByte(uname, '+'); i >= 0 {
		debug = strings.Contains(uname[i:], "debug")
		uname = uname[:i]
	}
	uname = rpmArchSfx.ReplaceAllString(uname, "")
	ver, rel, ok := strings.Cut(uname, "-")
	if !ok {
		return false, ""
	}
	// SUSE appends the flavour: 6.12.0-160000.8-default.
	if i := strings.IndexByte(rel, '-'); i >= 0 {
		rel = rel[:i]
	}
	runKey := store.PackageKey{Type: "rpm", Version: ver, Release: rel}
	for _, name := range rpmPrimaryKernels {
		if strings.Contains(name, "debug") != debug {
			continue
		}
		var highest, running *store.Package
		for i, p := range installed {
			if p.Type != "rpm" || p.Name != name {
				continue
			}
			if p.Version == ver && (p.Release == rel || strings.HasPrefix(p.Release, rel+".")) {
				running = &installed[i]
			}
			if highest == nil || Compare(p.PackageKey, highest.PackageKey) > 0 {
				highest = &installed[i]
			}
		}
		if highest == nil {
			continue
		}
		var newer bool
		if running != nil {
			newer = Compare(highest.PackageKey, running.PackageKey) > 0
		} else {
			k := runKey
			k.Epoch, k.Name, k.Arch = highest.Epoch, highest.Name, highest.Arch
			newer = Compare(highest.PackageKey, k) > 0
		}
		if newer {
			return true, fmt.Sprintf("running kernel %s, newer %s %s installed", kernel, name, highest.EVR())
		}
	}
	return false, ""
}

// archKernelFlavours maps a uname -r suffix to the Arch package that installed that kernel.
var archKernelFlavours = []struct{ suffix, pkg string }{
	{"-rt-lts", "linux-rt-lts"}, {"-lts", "linux-lts"}, {"-zen", "linux-zen"},
	{"-hardened", "linux-hardened"}, {"-rt", "linux-rt"},
}

// archReboot: Arch replaces the kernel in place, so a reboot is due when the installed kernel
// package's version is not the running one (uname 6.12.8-arch1-1 is linux 6.12.8.arch1-1).
func archReboot(kernel string, installed []store.Package) (bool, string) {
	pkg, rest := "linux", kernel
	for _, f := range archKernelFlavours {
		if strings.HasSuffix(kernel, f.suffix) {
			pkg, rest = f.pkg, strings.TrimSuffix(kernel, f.suffix)
			break
		}
	}
	i := strings.LastIndexByte(rest, '-')
	if i < 0 {
		return false, ""
	}
	want := strings.ReplaceAll(rest[:i], "-", ".") + "-" + rest[i+1:]
	for _, p := range installed {
		if p.Type != "arch" || p.Name != pkg {
			continue
		}
		if have := p.EVR(); have != want && version.CompareArch(have, want) != 0 {
			return true, fmt.Sprintf("running kernel %s, %s %s installed", kernel, pkg, have)
		}
		return false, ""
	}
	return false, ""
}
