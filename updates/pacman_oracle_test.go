package updates

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"patchward/store"
)

// TestFindAgreesWithPacman builds pacman sync databases (the tar of name-version/desc entries
// repo-add writes; Debian's repo-add lacks its makepkg libraries, so the test writes them), a
// local database in a private root, and
// checks Find against `pacman -Qu` after `pacman -Sy`: pkgrel bumps, epochs, alpha versions,
// any <-> x86_64 switches, the kernel packages (linux, linux-lts) and an IgnorePkg hold (listed
// by pacman as "[ignored]", so Find lists it and the host shows it held).
func TestFindAgreesWithPacman(t *testing.T) {
	for _, tool := range []string{"pacman", "bsdtar"} {
		requireTool(t, tool)
	}
	installed := []string{
		"plain x86_64 1.0-1", "rel x86_64 1.0-1", "epoch x86_64 2.0-1", "alpha x86_64 1.0rc1-1",
		"toany x86_64 1.0-1", "linux x86_64 6.12.8.arch1-1", "linux-lts x86_64 6.6.69-1",
		"ignored x86_64 1.0-1", "newer x86_64 2.0-1", "dotted x86_64 1.0-1",
	}
	repos := map[string][]string{
		"core": {"plain x86_64 1.1-1", "rel x86_64 1.0-2", "epoch x86_64 1:1.0-1", "alpha x86_64 1.0-1",
			"toany any 1.1-1", "linux x86_64 6.12.10.arch1-1", "linux-lts x86_64 6.6.69-1",
			"ignored x86_64 1.1-1", "newer x86_64 1.9-1", "dotted x86_64 1.0.a-1"},
		"extra": {"unrelated x86_64 1.0-1"},
	}
	order := []string{"core", "extra"}
	hold := []string{"ignored"}
	root := t.TempDir()
	db := filepath.Join(root, "db")
	writeFile(t, filepath.Join(db, "local", "ALPM_DB_VERSION"), "9\n")
	for _, s := range installed {
		k := (&pkgs{}).get("arch " + s).PackageKey
		writeFile(t, filepath.Join(db, "local", k.Name+"-"+k.EVR(), "desc"),
			fmt.Sprintf("%%NAME%%\n%s\n\n%%VERSION%%\n%s\n\n%%ARCH%%\n%s\n\n", k.Name, k.EVR(), k.Arch))
	}
	var conf strings.Builder
	fmt.Fprintf(&conf, "[options]\nArchitecture = x86_64\nSigLevel = Never\nIgnorePkg = %s\n", strings.Join(hold, " "))
	for _, r := range order {
		dir := filepath.Join(root, "repos", r)
		writeSyncDB(t, filepath.Join(dir, r+".db"), repos[r])
		fmt.Fprintf(&conf, "[%s]\nServer = file://%s\n", r, dir)
	}
	writeFile(t, filepath.Join(root, "pacman.conf"), conf.String())
	base := []string{"--root", root, "--dbpath", db, "--config", filepath.Join(root, "pacman.conf"),
		"--cachedir", filepath.Join(root, "cache"), "--logfile", filepath.Join(root, "pacman.log"), "--noconfirm"}
	runTool(t, "pacman", append(slices.Clone(base), "-Sy")...)
	out, err := exec.Command("pacman", append(slices.Clone(base), "-Qu")...).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1 || len(out) > 0) {
		t.Fatalf("pacman -Qu: %v\n%s", err, out)
	}
	var want []string
	for _, l := range strings.Split(string(out), "\n") {
		// "name old -> new" with an optional " [ignored]".
		if f := strings.Fields(l); len(f) >= 4 && f[2] == "->" {
			want = append(want, f[0]+" "+f[3])
		}
	}
	slices.Sort(want)

	var p pkgs
	in := Input{}
	for _, s := range installed {
		in.Installed = append(in.Installed, p.get("arch "+s))
	}
	for i, r := range order {
		repo := Repo{ID: int64(i + 1), Enabled: true}
		for _, s := range repos[r] {
			repo.Packages = append(repo.Packages, p.get("arch "+s))
		}
		SortByName(repo.Packages)
		in.Repos = append(in.Repos, repo)
	}
	byID := map[int64]store.PackageKey{}
	for k, id := range p.ids {
		byID[id] = k
	}
	var got []string
	for _, u := range Find(in) {
		k := byID[u.NewPackageID]
		got = append(got, k.Name+" "+k.EVR())
	}
	slices.Sort(got)
	t.Logf("pacman -Qu: %v", want)
	if !slices.Equal(got, want) {
		t.Errorf("Find and pacman disagree.\nonly Find: %v\nonly pacman: %v", minus(got, want), minus(want, got))
	}
}

// writeSyncDB writes a pacman sync database holding one desc entry per package.
func writeSyncDB(t *testing.T, file string, specs []string) {
	t.Helper()
	tree := file + ".d"
	args := []string{"-czf", file, "-C", tree}
	for _, s := range specs {
		k := (&pkgs{}).get("arch " + s).PackageKey
		entry := k.Name + "-" + k.EVR()
		writeFile(t, filepath.Join(tree, entry, "desc"), fmt.Sprintf("%%FILENAME%%\n%s-%s-%s.pkg.tar.zst\n\n%%NAME%%\n%s\n\n"+
			"%%BASE%%\n%s\n\n%%VERSION%%\n%s\n\n%%DESC%%\nfixture\n\n%%CSIZE%%\n1\n\n%%ISIZE%%\n1\n\n%%ARCH%%\n%s\n\n",
			k.Name, k.EVR(), k.Arch, k.Name, k.Name, k.EVR(), k.Arch))
		args = append(args, entry)
	}
	runTool(t, "bsdtar", args...)
}
