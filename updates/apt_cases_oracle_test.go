package updates

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"patchward/store"
)

// TestFindAgreesWithAptCases checks hand-picked cases against apt in a multiarch (amd64 + i386)
// root: Debian multiarch foreign packages (libc6:i386 beside libc6:amd64, each upgraded within
// its arch), kernels (an ABI-named linux-image is never replaced by another ABI; the meta
// package carries the upgrade, GA and HWE metas stay apart), a backports kernel pinned at 100,
// and a held package: `apt list --upgradable` lists it (so Find does, and the host shows it as
// held), `apt-get -s upgrade` keeps it back.
func TestFindAgreesWithAptCases(t *testing.T) {
	requireTool(t, "apt-get")
	requireTool(t, "apt-ftparchive")
	root := t.TempDir()
	installed := []string{
		"libc6 amd64 2.36-9", "libc6 i386 2.36-9", "libfoo i386 1.0-1",
		"linux-image-6.1.0-40-amd64 amd64 6.1.150-1", "linux-image-amd64 amd64 6.1.150-1",
		"linux-image-6.8.0-49-generic amd64 6.8.0-49.50", "linux-image-generic amd64 6.8.0-49.50",
		"linux-image-generic-hwe-24.04 amd64 6.17.0-19.19~24.04.2", "linux-image-6.17.0-19-generic amd64 6.17.0-19.19~24.04.2",
		"held amd64 1.0-1", "tool all 1.0-1",
	}
	hold := []string{"held"}
	repos := []*aptRepo{
		{id: 1, dir: "main", priority: 500, release: []string{"Label=Main"}, stanzas: []string{
			"libc6 amd64 2.36-9+deb12u1", "libc6 i386 2.36-9+deb12u1", "libfoo amd64 1.1-1", "libfoo i386 1.0-1",
			"linux-image-6.1.0-40-amd64 amd64 6.1.150-1", "linux-image-6.1.0-44-amd64 amd64 6.1.160-1",
			"linux-image-amd64 amd64 6.1.160-1",
			"linux-image-6.8.0-53-generic amd64 6.8.0-53.54", "linux-image-generic amd64 6.8.0-53.54",
			"linux-image-6.17.0-21-generic amd64 6.17.0-21.21~24.04.1", "linux-image-generic-hwe-24.04 amd64 6.17.0-21.21~24.04.1",
			"held amd64 1.1-1", "tool amd64 1.1-1",
		}},
		{id: 3, dir: "backports", priority: 100, release: []string{"Label=Backports", "NotAutomatic=yes", "ButAutomaticUpgrades=yes"},
			stanzas: []string{"linux-image-amd64 amd64 6.12.73-1~bpo12+1", "linux-image-6.12.73+bpo-amd64 amd64 6.12.73-1~bpo12+1"}},
	}
	var status strings.Builder
	for _, s := range installed {
		f := strings.Fields(s)
		want := "install"
		if slices.Contains(hold, f[0]) {
			want = "hold"
		}
		fmt.Fprintf(&status, "Package: %s\nStatus: %s ok installed\nPriority: optional\nSection: misc\n"+
			"Maintainer: T <t@example.invalid>\nArchitecture: %s\nMulti-Arch: same\nVersion: %s\nDescription: x\n\n", f[0], want, f[1], f[2])
	}
	writeFile(t, filepath.Join(root, "status"), status.String())
	var sources strings.Builder
	for _, r := range repos {
		dir := filepath.Join(root, r.dir)
		var pk strings.Builder
		for _, s := range r.stanzas {
			f := strings.Fields(s)
			fmt.Fprintf(&pk, "Package: %s\nVersion: %s\nArchitecture: %s\nMulti-Arch: same\nMaintainer: T <t@example.invalid>\n"+
				"Filename: pool/%s_%s_%s.deb\nSize: 1\nSection: misc\nPriority: optional\nDescription: x\n\n",
				f[0], f[2], f[1], f[0], strings.ReplaceAll(f[2], ":", "%3a"), f[1])
		}
		writeFile(t, filepath.Join(dir, "Packages"), pk.String())
		args := []string{}
		for _, o := range append([]string{"Origin=Fixture", "Suite=" + r.dir, "Codename=" + r.dir}, r.release...) {
			args = append(args, "-o", "APT::FTPArchive::Release::"+o)
		}
		out := runOut(t, "apt-ftparchive", append(args, "release", dir)...)
		writeFile(t, filepath.Join(dir, "Release"), out)
		fmt.Fprintf(&sources, "deb [trusted=yes] file:%s ./\n", dir)
	}
	apt := newAptRoot(t, root, sources.String(), "")
	for i, o := range apt.opts {
		if o == "APT::Architectures=amd64" {
			apt.opts[i] = "APT::Architectures=amd64,i386"
		}
	}
	apt.run(t, "apt-get", "-qq", "update")
	upgrade := parseAptInstArch(apt.run(t, "apt-get", "-s", "upgrade"))
	upgradable := parseAptList(apt.run(t, "apt", "list", "--upgradable"))

	var p pkgs
	in := Input{}
	for _, s := range installed {
		in.Installed = append(in.Installed, p.get(debSpec(s)))
	}
	for _, r := range repos {
		repo := Repo{ID: r.id, Priority: r.priority, Enabled: true}
		for _, s := range r.stanzas {
			repo.Packages = append(repo.Packages, p.get(debSpec(s)))
		}
		SortByName(repo.Packages)
		in.Repos = append(in.Repos, repo)
	}
	byID := map[int64]store.PackageKey{}
	for k, id := range p.ids {
		byID[id] = k
	}
	var got, notHeld []string
	for _, u := range Find(in) {
		// apt list shows the installed package's arch (all, for an all -> amd64 switch),
		// apt-get's Inst line the candidate's.
		old, nw := byID[u.OldPackageID], byID[u.NewPackageID]
		got = append(got, nw.Name+":"+old.Arch+" "+nw.EVR())
		if !slices.Contains(hold, nw.Name) {
			notHeld = append(notHeld, nw.Name+":"+nw.Arch+" "+nw.EVR())
		}
	}
	slices.Sort(got)
	slices.Sort(notHeld)
	t.Logf("apt list --upgradable: %v", upgradable)
	if !slices.Equal(got, upgradable) {
		t.Errorf("Find and apt list --upgradable disagree.\nonly Find: %v\nonly apt:  %v", minus(got, upgradable), minus(upgradable, got))
	}
	if !slices.Equal(notHeld, upgrade) {
		t.Errorf("Find without held packages and apt-get -s upgrade disagree.\nonly Find: %v\nonly apt:  %v",
			minus(notHeld, upgrade), minus(upgrade, notHeld))
	}
}

// instArchLine matches "Inst libc6:i386 [2.36-9] (2.36-9+deb12u1 Fixture:main [i386])".
var instArchLine = regexp.MustCompile(`^Inst (\S+?)(?::\S+)? (?:\[\S+\] )?\((\S+) .*\[(\S+)\]\)`)

func parseAptInstArch(out string) []string {
	var res []string
	for _, l := range strings.Split(out, "\n") {
		if m := instArchLine.FindStringSubmatch(l); m != nil {
			res = append(res, m[1]+":"+m[3]+" "+m[2])
		}
	}
	slices.Sort(res)
	return res
}

// listLine matches "libc6/main 2.36-9+deb12u1 i386 [upgradable from: 2.36-9]".
var listLine = regexp.MustCompile(`^(\S+?)/\S+ (\S+) (\S+) \[upgradable from`)

func parseAptList(out string) []string {
	var res []string
	for _, l := range strings.Split(out, "\n") {
		if m := listLine.FindStringSubmatch(l); m != nil {
			res = append(res, m[1]+":"+m[3]+" "+m[2])
		}
	}
	slices.Sort(res)
	return res
}

func runOut(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return string(out)
}
