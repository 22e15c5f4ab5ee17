package updates

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"patchward/store"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// aptRepo is one flat repository given to both apt and Find.
type aptRepo struct {
	id       int64
	dir      string
	priority int      // the pin apt will give it (checked with apt-cache policy below)
	release  []string // extra apt-ftparchive Release options
	security bool
	stanzas  []string // "name arch version"
}

// TestFindAgreesWithApt builds a small fleet of flat repos (main 500, security 500, backports
// NotAutomatic+ButAutomaticUpgrades = 100, and a repo pinned to 990 by a preferences file), a
// dpkg status file, and checks that Find proposes exactly the upgrades `apt-get -s upgrade`
// would make, in an isolated apt root that touches no system state.
func TestFindAgreesWithApt(t *testing.T) {
	requireTool(t, "apt-get")
	requireTool(t, "apt-ftparchive")
	root := t.TempDir()
	repos := []*aptRepo{
		{id: 1, dir: "main", priority: 500, release: []string{"Label=Main"}},
		{id: 2, dir: "security", priority: 500, release: []string{"Label=Security"}, security: true},
		{id: 3, dir: "backports", priority: 100, release: []string{"Label=Backports", "NotAutomatic=yes", "ButAutomaticUpgrades=yes"}},
		{id: 4, dir: "pinned", priority: 990, release: []string{"Label=Pinned"}},
	}
	installed := genAptFleet(rand.New(rand.NewPCG(11, 12)), repos, 150)

	var status strings.Builder
	for _, s := range installed {
		f := strings.Fields(s)
		fmt.Fprintf(&status, "Package: %s\nStatus: install ok installed\nPriority: optional\nSection: misc\n"+
			"Maintainer: T <t@example.invalid>\nArchitecture: %s\nVersion: %s\nDescription: x\n\n", f[0], f[1], f[2])
	}
	writeFile(t, filepath.Join(root, "status"), status.String())
	var sources strings.Builder
	for _, r := range repos {
		dir := filepath.Join(root, r.dir)
		var pk strings.Builder
		for _, s := range r.stanzas {
			f := strings.Fields(s)
			fmt.Fprintf(&pk, "Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: T <t@example.invalid>\n"+
				"Filename: pool/%s_%s.deb\nSize: 1\nSection: misc\nPriority: optional\nDescription: x\n\n",
				f[0], f[2], f[1], f[0], strings.ReplaceAll(f[2], ":", "%3a"))
		}
		writeFile(t, filepath.Join(dir, "Packages"), pk.String())
		args := []string{}
		for _, o := range append([]string{"Origin=Fixture", "Suite=" + r.dir, "Codename=" + r.dir}, r.release...) {
			args = append(args, "-o", "APT::FTPArchive::Release::"+o)
		}
		out, err := exec.Command("apt-ftparchive", append(args, "release", dir)...).Output()
		if err != nil {
			t.Fatalf("apt-ftparchive release %s: %v", dir, err)
		}
		writeFile(t, filepath.Join(dir, "Release"), string(out))
		fmt.Fprintf(&sources, "deb [trusted=yes] file:%s ./\n", dir)
	}
	apt := newAptRoot(t, root, sources.String(), "Package: *\nPin: release l=Pinned\nPin-Priority: 990\n")
	apt.run(t, "apt-get", "-qq", "update")
	policy := apt.run(t, "apt-cache", "policy")
	for _, r := range repos {
		if !regexp.MustCompile(fmt.Sprintf(`(?m)^\s*%d file:%s`, r.priority, regexp.QuoteMeta(filepath.Join(root, r.dir)))).MatchString(policy) {
			t.Fatalf("apt-cache policy does not pin %s at %d:\n%s", r.dir, r.priority, policy)
		}
	}
	want := parseAptInst(apt.run(t, "apt-get", "-s", "upgrade"))

	var p pkgs
	in := Input{}
	for _, s := range installed {
		in.Installed = append(in.Installed, p.get(debSpec(s)))
	}
	for _, r := range repos {
		repo := Repo{ID: r.id, Priority: r.priority, Security: r.security, Enabled: true}
		for _, s := range r.stanzas {
			repo.Packages = append(repo.Packages, p.get(debSpec(s)))
		}
		SortByName(repo.Packages)
		in.Repos = append(in.Repos, repo)
	}
	byID := map[int64]string{}
	for k, id := range p.ids {
		byID[id] = k.Name + " " + k.EVR()
	}
	var got []string
	ups, local := FindLocal(in)
	for _, u := range ups {
		got = append(got, byID[u.NewPackageID])
	}
	slices.Sort(got)
	if len(want) < 20 {
		t.Fatalf("apt proposes only %d upgrades: the generator is off", len(want))
	}
	t.Logf("apt proposes %d upgrades for %d installed packages", len(want), len(installed))
	if !slices.Equal(got, want) {
		t.Errorf("Find and apt disagree.\nonly Find: %v\nonly apt:  %v", minus(got, want), minus(want, got))
	}

	// The packages from no repository are exactly what `apt list --installed` marks local.
	var wantLocal, gotLocal []string
	for _, line := range strings.Split(apt.run(t, "apt", "list", "--installed"), "\n") {
		if strings.HasSuffix(line, "[installed,local]") {
			name, rest, _ := strings.Cut(line, "/")
			f := strings.Fields(rest)
			wantLocal = append(wantLocal, name+" "+f[2]+" "+f[1]) // "pkg/now VERSION ARCH [installed,local]"
		}
	}
	keys := map[int64]store.PackageKey{}
	for k, id := range p.ids {
		keys[id] = k
	}
	for _, id := range local {
		k := keys[id]
		gotLocal = append(gotLocal, k.Name+" "+k.Arch+" "+k.EVR())
	}
	slices.Sort(wantLocal)
	slices.Sort(gotLocal)
	if len(wantLocal) < 5 {
		t.Fatalf("apt marks only %d packages local: the generator is off", len(wantLocal))
	}
	t.Logf("apt marks %d installed packages local", len(wantLocal))
	if !slices.Equal(gotLocal, wantLocal) {
		t.Errorf("FindLocal and apt disagree on local packages.\nonly FindLocal: %v\nonly apt:       %v",
			minus(gotLocal, wantLocal), minus(wantLocal, gotLocal))
	}
}

func debSpec(s string) string {
	f := strings.Fields(s)
	return "deb " + f[0] + " " + f[1] + " " + f[2]
}

// genAptFleet fills the repos and returns the installed packages ("name arch version").
// Versions are variations of the installed one (older, equal, newer, tilde, epoch), so that
// priorities, not just versions, decide.
func genAptFleet(r *rand.Rand, repos []*aptRepo, n int) []string {
	variants := []func(v string) string{
		func(v string) string { return v },
		func(v string) string { return v + "+deb12u1" },
		func(v string) string { return v + "+deb12u2" },
		func(v string) string { return v + "~bpo12+1" },
		func(v string) string { return v + ".1" },
		func(v string) string { return strings.Replace(v, "-", "~rc1-", 1) },
		func(v string) string { return "1:" + v },
		func(v string) string { return "0.9-1" },
		func(v string) string { return v + "a" },
	}
	var installed []string
	for i := range n {
		name := fmt.Sprintf("pkg%03d", i)
		arch := []string{"amd64", "all"}[r.IntN(2)]
		base := fmt.Sprintf("%d.%d-%d", 1+r.IntN(3), r.IntN(10), 1+r.IntN(3))
		inst := base
		if r.IntN(5) == 0 {
			inst = variants[r.IntN(len(variants))](base)
		}
		if r.IntN(10) != 0 {
			installed = append(installed, name+" "+arch+" "+inst)
		}
		used := map[string]bool{}
		for _, repo := range repos {
			if r.IntN(3) == 0 {
				continue
			}
			for range 1 + r.IntN(2) {
				v := variants[r.IntN(len(variants))](base)
				if used[v] {
					continue // one arch per (name, version) across repos, as in a real archive
				}
				used[v] = true
				a := arch
				if v != inst && r.IntN(6) == 0 {
					a = map[string]string{"amd64": "all", "all": "amd64"}[arch]
				}
				repo.stanzas = append(repo.stanzas, name+" "+a+" "+v)
			}
		}
	}
	return installed
}

// instLine matches apt-get -s output: "Inst pkg001 [1.0-1] (1.0-1+deb12u1 Fixture:main [amd64])".
var instLine = regexp.MustCompile(`^Inst (\S+?)(?::\S+)? (?:\[\S+\] )?\((\S+) `)

func parseAptInst(out string) []string {
	var res []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if m := instLine.FindStringSubmatch(sc.Text()); m != nil {
			res = append(res, m[1]+" "+m[2])
		}
	}
	slices.Sort(res)
	return res
}

func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// aptRoot runs apt programs against a private state directory (recipe apt-oracle.sh).
type aptRoot struct{ opts []string }

func newAptRoot(t *testing.T, root, sources, preferences string) aptRoot {
	a := filepath.Join(root, "apt")
	for _, d := range []string{"etc/apt/sources.list.d", "etc/apt/preferences.d", "var/lib/apt/lists/partial", "var/cache/apt/archives/partial"} {
		if err := os.MkdirAll(filepath.Join(a, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(a, "etc/apt/sources.list"), sources)
	writeFile(t, filepath.Join(a, "etc/apt/preferences"), preferences)
	return aptRoot{opts: []string{
		"-o", "Dir=" + a, "-o", "Dir::State::status=" + filepath.Join(root, "status"),
		"-o", "Dir::Etc::sourcelist=" + filepath.Join(a, "etc/apt/sources.list"),
		"-o", "Dir::Etc::sourceparts=" + filepath.Join(a, "etc/apt/sources.list.d"),
		"-o", "Dir::Etc::preferences=" + filepath.Join(a, "etc/apt/preferences"),
		"-o", "Dir::Etc::preferencesparts=" + filepath.Join(a, "etc/apt/preferences.d"),
		"-o", "Dir::Etc::trusted=/dev/null", "-o", "Dir::Etc::trustedparts=/dev/null",
		"-o", "APT::Architecture=amd64", "-o", "APT::Architectures=amd64", "-o", "Debug::NoLocking=1",
		"-o", "Dir::Bin::dpkg=/bin/true",
	}}
}

func (a aptRoot) run(t *testing.T, prog string, args ...string) string {
	t.Helper()
	out, err := exec.Command(prog, append(slices.Clone(a.opts), args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", prog, args, err, out)
	}
	return string(out)
}
