package updates

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"patchward/store"
)

// dnfCase is an rpm database and repos, each package written "name arch [epoch:]version-release".
type dnfCase struct {
	installed []string
	repos     map[string][]string // repo id -> packages
}

// dnfRepos are the test's repos with their dnf priorities (lower wins) and, negated as intake
// stores them, the priorities Find sees.
var dnfRepos = []struct {
	id       string
	priority int
}{{"prio10", 10}, {"base", 99}, {"extra", 99}}

// TestFindAgreesWithDnf builds real rpms, an rpm database in an installroot and three
// createrepo_c repos with dnf priorities, and checks that Find proposes exactly what
// `dnf check-update` lists: priority masking, noarch switches, multilib, installonly kernels,
// caret, tilde and epoch.
func TestFindAgreesWithDnf(t *testing.T) {
	for _, tool := range []string{"rpmbuild", "rpm", "createrepo_c", "dnf"} {
		requireTool(t, tool)
	}
	c := dnfCase{
		installed: []string{
			"plain x86_64 1.0-1", "masked x86_64 1.0-1", "maskedold x86_64 1.0-1", "tier x86_64 1.0-1",
			"toarch noarch 1.0-1", "tonoarch x86_64 1.0-1", "multi i686 1.0-1", "multi x86_64 1.0-1",
			"kernel x86_64 5.0-1", "kernel x86_64 5.1-1", "caret x86_64 1.0-1", "tilde x86_64 1.0-1",
			"epoch x86_64 2.0-1", "local x86_64 1.0-1",
		},
		repos: map[string][]string{
			"prio10": {"masked x86_64 1.0-1", "maskedold x86_64 0.9-1"},
			"base": {"plain x86_64 1.1-1", "masked x86_64 2.0-1", "maskedold x86_64 2.0-1", "tier x86_64 1.1-1",
				"toarch x86_64 1.1-1", "tonoarch noarch 1.1-1", "multi x86_64 1.1-1", "kernel x86_64 5.2-1",
				"caret x86_64 1.0^git1-1", "tilde x86_64 1.0~rc1-1", "epoch x86_64 1:1.0-1"},
			"extra": {"tier x86_64 1.2-1"},
		},
	}
	root := t.TempDir()
	rpms := buildRPMs(t, filepath.Join(root, "build"), c)
	inst := filepath.Join(root, "installroot")
	rpmArgs := []string{"--root", inst, "-i", "--justdb", "--nodeps", "--noscripts", "--ignorearch", "--ignoreos"}
	for _, s := range c.installed {
		rpmArgs = append(rpmArgs, rpms[s])
	}
	if err := os.MkdirAll(inst, 0o755); err != nil {
		t.Fatal(err)
	}
	runTool(t, "rpm", "--root", inst, "--initdb")
	runTool(t, "rpm", rpmArgs...)
	var conf strings.Builder
	fmt.Fprintf(&conf, "[main]\ngpgcheck=0\ninstallonlypkgs=kernel\ncachedir=%s\nreposdir=/nonexistent\n", filepath.Join(root, "cache"))
	for _, r := range dnfRepos {
		dir := filepath.Join(root, "repos", r.id)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, s := range c.repos[r.id] {
			if err := os.Link(rpms[s], filepath.Join(dir, filepath.Base(rpms[s]))); err != nil {
				t.Fatal(err)
			}
		}
		runTool(t, "createrepo_c", "--quiet", "--no-database", dir)
		fmt.Fprintf(&conf, "[%s]\nname=%s\nbaseurl=file://%s\npriority=%d\nenabled=1\ngpgcheck=0\n", r.id, r.id, dir, r.priority)
	}
	writeFile(t, filepath.Join(root, "dnf.conf"), conf.String())
	cmd := exec.Command("dnf", "-c", filepath.Join(root, "dnf.conf"), "--installroot", inst, "--releasever", "9",
		"--setopt=arch=x86_64", "--setopt=ignorearch=True", "--noplugins", "-q", "check-update")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 100) {
		t.Fatalf("dnf check-update: %v\n%s", err, out)
	}
	want := parseDnfCheckUpdate(string(out))

	var p pkgs
	in := Input{}
	for _, s := range c.installed {
		in.Installed = append(in.Installed, p.get("rpm "+s))
	}
	for i, r := range dnfRepos {
		repo := Repo{ID: int64(i + 1), Priority: -r.priority, Enabled: true}
		for _, s := range c.repos[r.id] {
			repo.Packages = append(repo.Packages, p.get("rpm "+s))
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
		got = append(got, k.Name+"."+k.Arch+" "+k.EVR()+" "+dnfRepos[u.RepoID-1].id)
	}
	slices.Sort(got)
	t.Logf("dnf lists %v", want)
	if !slices.Equal(got, want) {
		t.Errorf("Find and dnf disagree.\nonly Find: %v\nonly dnf:  %v", minus(got, want), minus(want, got))
	}
}

// buildRPMs builds one empty rpm per distinct package of c (in parallel) and returns their
// paths by spec.
func buildRPMs(t *testing.T, dir string, c dnfCase) map[string]string {
	t.Helper()
	specs := slices.Clone(c.installed)
	for _, ps := range c.repos {
		specs = append(specs, ps...)
	}
	slices.Sort(specs)
	specs = slices.Compact(specs)
	const spec = `Name: %{pname}
Version: %{pver}
Release: %{prel}
%{?pepoch:Epoch: %{pepoch}}
Summary: fixture
License: MIT
%{?pnoarch:BuildArch: noarch}
%description
fixture
%files
`
	writeFile(t, filepath.Join(dir, "p.spec"), spec)
	out := make(map[string]string, len(specs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, s := range specs {
		k := (&pkgs{}).get("rpm " + s).PackageKey
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			top := filepath.Join(dir, strings.NewReplacer(" ", "_", ":", "_", "^", "_", "~", "_").Replace(s))
			args := []string{"--quiet", "-bb", "--define", "_topdir " + top, "--define", "pname " + k.Name,
				"--define", "pver " + k.Version, "--define", "prel " + k.Release,
				"--target", k.Arch, filepath.Join(dir, "p.spec")}
			if k.Arch == "noarch" {
				args = append(args, "--define", "pnoarch 1")
			}
			if k.Epoch != "" {
				args = append(args, "--define", "pepoch "+k.Epoch)
			}
			if b, err := exec.Command("rpmbuild", args...).CombinedOutput(); err != nil {
				t.Errorf("rpmbuild %s: %v\n%s", s, err, b)
				return
			}
			m, _ := filepath.Glob(filepath.Join(top, "RPMS", "*", "*.rpm"))
			if len(m) != 1 {
				t.Errorf("rpmbuild %s: got %v, want one rpm", s, m)
				return
			}
			mu.Lock()
			out[s] = m[0]
			mu.Unlock()
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return out
}

// parseDnfCheckUpdate turns "name.arch  [epoch:]version-release  repo" lines into
// "name.arch evr repo", sorted.
func parseDnfCheckUpdate(out string) []string {
	var res []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && strings.Contains(f[0], ".") {
			res = append(res, f[0]+" "+f[1]+" "+f[2])
		}
	}
	slices.Sort(res)
	return res
}

func runTool(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}
