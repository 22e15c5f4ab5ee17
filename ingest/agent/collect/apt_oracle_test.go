package collect

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// aptListsRoot is a root with three sources whose Release and Packages files are in apt's
// lists directory, as after "apt update".
func aptListsRoot(t *testing.T, prefs map[string]string) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"/etc/os-release":      debianOSRelease,
		"/var/lib/dpkg/status": "Package: dpkg\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.21.22\n",
		"/etc/apt/sources.list": "deb http://deb.debian.org/debian bookworm main contrib\n" +
			"deb http://deb.debian.org/debian bookworm-backports main\n" +
			"deb http://deb.debian.org/debian experimental main\n" +
			"deb http://apt.vendor.example/repo stable main\n",
	}
	releases := map[string]string{
		"deb.debian.org_debian_dists_bookworm":           "Origin: Debian\nLabel: Debian\nSuite: oldstable\nCodename: bookworm\nVersion: 12.11\n",
		"deb.debian.org_debian_dists_bookworm-backports": "Origin: Debian Backports\nLabel: Debian Backports\nSuite: oldstable-backports\nCodename: bookworm-backports\nNotAutomatic: yes\nButAutomaticUpgrades: yes\n",
		"deb.debian.org_debian_dists_experimental":       "Origin: Debian\nLabel: Debian\nSuite: experimental\nCodename: rc-buggy\nNotAutomatic: yes\n",
		"apt.vendor.example_repo_dists_stable":           "Origin: Vendor\nLabel: Vendor Repo\nSuite: stable\nCodename: stable\n",
	}
	for base, rel := range releases {
		files["/var/lib/apt/lists/"+base+"_Release"] = rel + "Architectures: amd64\nComponents: main contrib\n"
		for _, comp := range []string{"main", "contrib"} {
			files["/var/lib/apt/lists/"+base+"_"+comp+"_binary-amd64_Packages"] = "Package: x\nVersion: 1\nArchitecture: amd64\n"
		}
	}
	for p, c := range prefs {
		files[p] = c
	}
	writeTree(t, root, files)
	return root
}

// aptCachePolicy runs the real apt-cache policy against the root.
func aptCachePolicy(t *testing.T, root string) map[string]int {
	t.Helper()
	e := func(p string) string { return filepath.Join(root, p) }
	args := []string{"-o", "Dir=" + root, "-o", "Dir::State::status=" + e("/var/lib/dpkg/status"),
		"-o", "Dir::Etc::sourcelist=" + e("/etc/apt/sources.list"), "-o", "Dir::Etc::sourceparts=" + e("/etc/apt/sources.list.d"),
		"-o", "Dir::Etc::preferences=" + e("/etc/apt/preferences"), "-o", "Dir::Etc::preferencesparts=" + e("/etc/apt/preferences.d"),
		"-o", "Dir::Etc::trusted=/dev/null", "-o", "Dir::Etc::trustedparts=/dev/null", "-o", "APT::Architecture=amd64",
		"-o", "Debug::NoLocking=1", "-o", "Dir::Cache=" + e("/var/cache/apt"), "policy"}
	out, err := exec.Command("apt-cache", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("apt-cache policy: %v\n%s", err, out)
	}
	return parseAptPolicy(out)
}

// TestAptPinsMatchAptCachePolicy compares the priorities the agent computes from preferences
// and Release files with what apt itself says.
func TestAptPinsMatchAptCachePolicy(t *testing.T) {
	needTool(t, "apt-cache")
	tests := []struct {
		name  string
		prefs map[string]string
	}{
		{"defaults: 500, backports 100, NotAutomatic 1", nil},
		{"o= and origin pins", map[string]string{"/etc/apt/preferences.d/vendor.pref": "Package: *\nPin: release o=Vendor\nPin-Priority: 700\n\n" +
			"Package: *\nPin: origin deb.debian.org\nPin-Priority: 400\n"}},
		{"a= glob, n=, l= and c= pins", map[string]string{"/etc/apt/preferences": "Package: *\nPin: release a=*-backports\nPin-Priority: 550\n\n" +
			"Package: *\nPin: release n=rc-buggy\nPin-Priority: 50\n\nPackage: *\nPin: release l=Debian, c=contrib\nPin-Priority: 300\n"}},
		{"first match wins, file before directory, specific pins ignored", map[string]string{
			"/etc/apt/preferences":          "Package: *\nPin: release o=Debian\nPin-Priority: 600\n",
			"/etc/apt/preferences.d/a.pref": "Package: *\nPin: release a=oldstable\nPin-Priority: 900\n\nPackage: nodejs\nPin: release o=Vendor\nPin-Priority: 1001\n",
			"/etc/apt/preferences.d/b":      "Package: *\nPin: release o=Vendor\nPin-Priority: -10\n\nPackage: *\nPin: release o=Vendor\nPin-Priority: 990\n",
			"/etc/apt/preferences.d/c.bak":  "Package: *\nPin: release o=Debian Backports\nPin-Priority: 1\n",
		}},
		{"regex and version pins", map[string]string{"/etc/apt/preferences.d/r.pref": "Package: *\nPin: release n=/^bookworm-/\nPin-Priority: 450\n\n" +
			"Package: *\nPin: release 12.11\nPin-Priority: 800\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := aptListsRoot(t, tt.prefs)
			want := aptCachePolicy(t, root)
			r := collectRoot(t, root, false)
			if len(r.Repos) != 5 || len(want) != 5 {
				t.Fatalf("got %d repos, apt-cache %d sources (%v), want 5", len(r.Repos), len(want), want)
			}
			for _, repo := range r.Repos {
				u := repo.URLs[0]
				base, rest, _ := strings.Cut(u, "/dists/")
				parts := strings.Split(rest, "/") // suite, component, binary-arch
				key := base + " " + parts[0] + "/" + parts[1] + " " + strings.TrimPrefix(parts[2], "binary-")
				if p, ok := want[key]; !ok || p != repo.Priority {
					t.Errorf("%s: got priority %d, apt-cache policy says %d (found %t)", u, repo.Priority, p, ok)
				}
			}
		})
	}
}

// TestAptMatchesThisMachine compares this machine's apt repos and priorities with apt-cache
// policy: every index apt lists is reported, with its priority.
func TestAptMatchesThisMachine(t *testing.T) {
	needTool(t, "apt-cache")
	out, err := exec.Command("apt-cache", "policy").Output()
	if err != nil {
		t.Fatalf("apt-cache policy: %v", err)
	}
	want := parseAptPolicy(out)
	if len(want) == 0 {
		t.Skip("apt-cache policy lists no sources on this machine")
	}
	got := map[string]int{}
	for _, repo := range collectRoot(t, "/", false).Repos {
		if repo.Type != "deb" {
			continue
		}
		base, rest, ok := strings.Cut(repo.URLs[0], "/dists/")
		if !ok {
			continue
		}
		parts := strings.Split(rest, "/")
		got[base+" "+parts[0]+"/"+parts[1]+" "+strings.TrimPrefix(parts[2], "binary-")] = repo.Priority
	}
	for k, p := range want {
		if g, ok := got[k]; !ok || g != p {
			t.Errorf("%s: got priority %d (reported %t), apt-cache policy says %d", k, g, ok, p)
		}
	}
}
