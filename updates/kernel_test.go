package updates

import (
	"strings"
	"testing"

	"patchward/store"
)

// TestKernelScenarios are Patchman's kernel scenarios (hosts/tests/test_models.py, spec section
// 11) with the answers the package managers give: the update list is what dnf/apt/pacman would
// upgrade (for rpm installonly kernels, a kernel newer than the highest installed one; Patchman
// instead reports running -> newest, which dnf does not list once the newest is installed), and
// the reboot decision compares the running kernel with the installed ones.
func TestKernelScenarios(t *testing.T) {
	el := func(rels ...string) []string {
		var out []string
		for _, r := range rels {
			out = append(out, "rpm kernel-core x86_64 5.14.0-"+r+".el9")
		}
		return out
	}
	suse := func(rels ...string) []string {
		var out []string
		for _, r := range rels {
			out = append(out, "rpm kernel-default x86_64 6.12.0-160000."+r+".1")
		}
		return out
	}
	ubuntu := func(abis ...string) []string {
		var out []string
		for _, a := range abis {
			major, _, _ := strings.Cut(a, "-")
			n := strings.TrimPrefix(a, major+"-")
			out = append(out, "deb linux-image-"+a+"-generic amd64 "+major+"-"+n+"."+n)
		}
		return out
	}
	tests := []struct {
		name      string
		kernel    string
		installed []string
		repo      []string
		want      []string // "old -> new"
		reboot    bool
	}{
		// EL9 kernel-core, repo has 503.
		{"el latest installed not running", "5.14.0-362.el9", el("362", "427", "503"), el("503"), nil, true},
		{"el latest installed and running", "5.14.0-503.el9", el("362", "427", "503"), el("503"), nil, false},
		{"el latest not installed", "5.14.0-427.el9", el("362", "427"), el("503"),
			[]string{"5.14.0-427.el9 -> 5.14.0-503.el9"}, false},
		{"el running newer than repo", "5.14.0-600.el9", el("503", "600"), el("503"), nil, false},
		{"el uname with arch suffix", "5.14.0-503.el9.x86_64", el("362", "427", "503"), el("503"), nil, false},
		{"el running kernel removed", "5.14.0-300.el9.x86_64", el("427", "503"), el("503"), nil, true},
		{"el debug kernel running", "5.14.0-503.el9.x86_64+debug", append(el("503"),
			"rpm kernel-debug-core x86_64 5.14.0-503.el9", "rpm kernel-debug-core x86_64 5.14.0-570.el9"), el("503"), nil, true},
		// SUSE truncates the release in uname and appends the flavour.
		{"suse truncated release, newer installed", "6.12.0-160000.8-default", suse("8", "25"), suse("8", "25"), nil, true},
		{"suse running is highest", "6.12.0-160000.25-default", suse("25"), suse("25"), nil, false},
		// Ubuntu: ABI-named images are never replaced by another ABI (apt upgrades the meta).
		{"ubuntu latest installed not running", "6.8.0-49-generic", ubuntu("6.8.0-49", "6.8.0-51", "6.8.0-53"),
			ubuntu("6.8.0-49", "6.8.0-51", "6.8.0-53"), nil, true},
		{"ubuntu latest installed and running", "6.8.0-53-generic", ubuntu("6.8.0-49", "6.8.0-51", "6.8.0-53"),
			ubuntu("6.8.0-53"), nil, false},
		{"ubuntu latest not installed: the meta upgrades", "6.8.0-51-generic",
			append(ubuntu("6.8.0-49", "6.8.0-51"), "deb linux-image-generic amd64 6.8.0-51.52"),
			append(ubuntu("6.8.0-53"), "deb linux-image-generic amd64 6.8.0-53.54"),
			[]string{"6.8.0-51.52 -> 6.8.0-53.54"}, false},
		{"ubuntu GA running, HWE installed", "6.8.0-53-generic",
			append(ubuntu("6.8.0-53"), "deb linux-image-6.17.0-19-generic amd64 6.17.0-19.19~24.04.2"), nil, nil, true},
		{"ubuntu other flavour ignored", "6.8.0-53-generic",
			append(ubuntu("6.8.0-53"), "deb linux-image-6.8.0-60-lowlatency amd64 6.8.0-60.60"), nil, nil, false},
		{"ubuntu meta and unsigned ignored", "6.8.0-53-generic",
			append(ubuntu("6.8.0-53"), "deb linux-image-generic amd64 6.8.0-99.99", "deb linux-image-unsigned-6.8.0-53-generic amd64 6.8.0-53.54"),
			nil, nil, false},
		// Debian: backports kernel pinned at 100 is not offered over main (500); installed, it
		// is newer than the running one.
		{"debian backports installed not running", "6.1.0-43-amd64",
			[]string{"deb linux-image-6.1.0-43-amd64 amd64 6.1.162-1", "deb linux-image-6.12.73+deb13-amd64 amd64 6.12.73-1~bpo12+1"},
			nil, nil, true},
		{"debian running backports", "6.12.73+deb13-amd64",
			[]string{"deb linux-image-6.1.0-43-amd64 amd64 6.1.162-1", "deb linux-image-6.12.73+deb13-amd64 amd64 6.12.73-1~bpo12+1"},
			nil, nil, false},
		{"debian cloud flavour", "6.1.0-28-cloud-amd64",
			[]string{"deb linux-image-6.1.0-28-cloud-amd64 amd64 6.1.119-1", "deb linux-image-6.1.0-43-amd64 amd64 6.1.162-1"},
			nil, nil, false},
		// Arch replaces the kernel in place.
		{"arch update available", "6.12.8-arch1-1",
			[]string{"arch linux x86_64 6.12.8.arch1-1", "arch linux-headers x86_64 6.12.8.arch1-1"},
			[]string{"arch linux x86_64 6.12.10.arch1-1", "arch linux-headers x86_64 6.12.10.arch1-1"},
			[]string{"6.12.8.arch1-1 -> 6.12.10.arch1-1", "6.12.8.arch1-1 -> 6.12.10.arch1-1"}, false},
		{"arch no update", "6.12.10-arch1-1",
			[]string{"arch linux x86_64 6.12.10.arch1-1", "arch linux-headers x86_64 6.12.10.arch1-1"},
			[]string{"arch linux x86_64 6.12.10.arch1-1"}, nil, false},
		{"arch reboot required", "6.12.8-arch1-1", []string{"arch linux x86_64 6.12.10.arch1-1"}, nil, nil, true},
		{"arch lts running current", "6.6.69-1-lts",
			[]string{"arch linux-lts x86_64 6.6.69-1", "arch linux x86_64 6.12.10.arch1-1"}, nil, nil, false},
		{"arch zen newer installed", "6.12.8-zen1-1-zen", []string{"arch linux-zen x86_64 6.12.9.zen1-1"}, nil, nil, true},
		{"no kernel packages", "6.1.0-43-amd64", []string{"deb bash amd64 5.2.15-2"}, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p pkgs
			in := Input{Repos: []Repo{{ID: 1, Priority: 500, Enabled: true}}}
			for _, s := range tt.installed {
				in.Installed = append(in.Installed, p.get(s))
			}
			for _, s := range tt.repo {
				in.Repos[0].Packages = append(in.Repos[0].Packages, p.get(s))
			}
			SortByName(in.Repos[0].Packages)
			byID := map[int64]store.PackageKey{}
			for k, id := range p.ids {
				byID[id] = k
			}
			var got []string
			for _, u := range Find(in) {
				got = append(got, byID[u.OldPackageID].EVR()+" -> "+byID[u.NewPackageID].EVR())
			}
			if strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
				t.Errorf("updates: got %q, want %q", got, tt.want)
			}
			reboot, reason := RebootRequired(tt.kernel, in.Installed)
			if reboot != tt.reboot {
				t.Errorf("reboot: got %t (%q), want %t", reboot, reason, tt.reboot)
			}
			if reboot && reason == "" {
				t.Error("reboot without a reason")
			}
		})
	}
}
