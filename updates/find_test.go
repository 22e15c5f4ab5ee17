package updates

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"patchward/store"
)

// pkg builds a package from "type name arch [epoch:]version[-release]"; ids are assigned by
// the test so the same key always gets the same id within one case.
type pkgs struct {
	ids map[store.PackageKey]int64
}

func (p *pkgs) get(spec string) store.Package {
	f := strings.Fields(spec)
	k := store.PackageKey{Type: f[0], Name: f[1], Arch: f[2]}
	evr := f[3]
	if i := strings.IndexByte(evr, ':'); i >= 0 {
		k.Epoch, evr = evr[:i], evr[i+1:]
	}
	if i := strings.LastIndexByte(evr, '-'); i >= 0 {
		k.Version, k.Release = evr[:i], evr[i+1:]
	} else {
		k.Version = evr
	}
	if p.ids == nil {
		p.ids = map[store.PackageKey]int64{}
	}
	id, ok := p.ids[k]
	if !ok {
		id = int64(len(p.ids) + 1)
		p.ids[k] = id
	}
	return store.Package{ID: id, PackageKey: k}
}

type repoSpec struct {
	id       int64
	prio     int
	security bool
	disabled bool
	pkgs     []string
}

type upSpec struct {
	old, new string
	repo     int64
	security bool
}

func TestFind(t *testing.T) {
	tests := []struct {
		name      string
		installed []string
		repos     []repoSpec
		want      []upSpec
	}{
		{
			name:      "newer version",
			installed: []string{"deb bash amd64 5.2.15-2"},
			repos:     []repoSpec{{id: 1, prio: 500, pkgs: []string{"deb bash amd64 5.2.15-2", "deb bash amd64 5.2.15-2+b7"}}},
			want:      []upSpec{{"deb bash amd64 5.2.15-2", "deb bash amd64 5.2.15-2+b7", 1, false}},
		},
		{
			name:      "equal version",
			installed: []string{"deb bash amd64 5.2.15-2"},
			repos:     []repoSpec{{id: 1, prio: 500, pkgs: []string{"deb bash amd64 5.2.15-2"}}},
		},
		{
			name:      "older in repo",
			installed: []string{"deb bash amd64 5.2.15-3"},
			repos:     []repoSpec{{id: 1, prio: 500, pkgs: []string{"deb bash amd64 5.2.15-2"}}},
		},
		{
			name:      "highest of several wins",
			installed: []string{"deb curl amd64 7.88.1-10"},
			repos: []repoSpec{
				{id: 1, prio: 500, pkgs: []string{"deb curl amd64 7.88.1-10+deb12u5", "deb curl amd64 7.88.1-10+deb12u8"}},
				{id: 2, prio: 500, pkgs: []string{"deb curl amd64 7.88.1-10+deb12u7"}},
			},
			want: []upSpec{{"deb curl amd64 7.88.1-10", "deb curl amd64 7.88.1-10+deb12u8", 1, false}},
		},
		{
			name:      "deb amd64 to all",
			installed: []string{"deb tzdata amd64 2024a-0"},
			repos:     []repoSpec{{id: 1, prio: 500, pkgs: []string{"deb tzdata all 2025b-0"}}},
			want:      []upSpec{{"deb tzdata amd64 2024a-0", "deb tzdata all 2025b-0", 1, false}},
		},
		{
			name:      "deb all to amd64 and all to all",
			installed: []string{"deb foo all 1.0-1", "deb bar all 1.0-1"},
			repos:     []repoSpec{{id: 1, prio: 500, pkgs: []string{"deb foo amd64 1.1-1", "deb bar all 1.1-1"}}},
			want: []upSpec{
				{"deb foo all 1.0-1", "deb foo amd64 1.1-1", 1, false},
				{"deb bar all 1.0-1", "deb bar all 1.1-1", 1, false},
			},
		},
		{
			name:      "deb other machine arch not crossed",
			installed: []string{"deb libc6 i386 2.36-9"},
			repos:     []repoSpec{{id: 1, prio: 500, pkgs: []string{"deb libc6 amd64 2.36-9+deb12u4"}}},
		},
		{
			name:      "rpm noarch both ways",
			installed: []string{"rpm python3-foo noarch 1.0-1.el9", "rpm tool x86_64 2.0-1.el9"},
			repos: []repoSpec{{id: 1, prio: -99, pkgs: []string{
				"rpm python3-foo x86_64 1.1-1.el9", "rpm tool noarch 2.1-1.el9", "rpm tool src 9.0-1.el9"}}},
			want: []upSpec{
				{"rpm python3-foo noarch 1.0-1.el9", "rpm python3-foo x86_64 1.1-1.el9", 1, false},
				{"rpm tool x86_64 2.0-1.el9", "rpm tool noarch 2.1-1.el9", 1, false},
			},
		},
		{
			name:      "rpm i686 and x86_64 multilib stay apart",
			installed: []string{"rpm glibc i686 2.34-100.el9", "rpm glibc x86_64 2.34-100.el9"},
			repos:     []repoSpec{{id: 1, prio: -99, pkgs: []string{"rpm glibc x86_64 2.34-101.el9"}}},
			want:      []upSpec{{"rpm glibc x86_64 2.34-100.el9", "rpm glibc x86_64 2.34-101.el9", 1, false}},
		},
		{
			name:      "backports pin 100 never overrides main 500",
			installed: []string{"deb nginx amd64 1.22.1-9"},
			repos: []repoSpec{
				{id: 1, prio: 500, pkgs: []string{"deb nginx amd64 1.22.1-9"}},
				{id: 2, prio: 100, pkgs: []string{"deb nginx amd64 1.26.0-1~bpo12+1"}},
			},
		},
		{
			name:      "main update taken, newer backports still ignored",
			installed: []string{"deb nginx amd64 1.22.1-9"},
			repos: []repoSpec{
				{id: 1, prio: 500, pkgs: []string{"deb nginx amd64 1.22.1-9", "deb nginx amd64 1.22.1-9+deb12u1"}},
				{id: 2, prio: 100, pkgs: []string{"deb nginx amd64 1.26.0-1~bpo12+1"}},
			},
			want: []upSpec{{"deb nginx amd64 1.22.1-9", "deb nginx amd64 1.22.1-9+deb12u1", 1, false}},
		},
		{
			name:      "installed from backports follows backports",
			installed: []string{"deb nginx amd64 1.26.0-1~bpo12+1"},
			repos: []repoSpec{
				{id: 1, prio: 500, pkgs: []string{"deb nginx amd64 1.22.1-9"}},
				{id: 2, prio: 100, pkgs: []string{"deb nginx amd64 1.26.0-1~bpo12+1", "deb nginx amd64 1.26.1-1~bpo12+1"}},
			},
			// apt skips versions older than the installed one, so main's 500 does not mask
			// backports here (Patchman's rule would offer nothing).
			want: []upSpec{{"deb nginx amd64 1.26.0-1~bpo12+1", "deb nginx amd64 1.26.1-1~bpo12+1", 2, false}},
		},
		{
			name:      "deb: higher pin beats higher version",
			installed: []string{"deb app amd64 1.0-1"},
			repos: []repoSpec{
				{id: 1, prio: 500, pkgs: []string{"deb app amd64 1.0-1", "deb app amd64 1.2-1"}},
				{id: 2, prio: 990, pkgs: []string{"deb app amd64 1.1-1"}},
			},
			want: []upSpec{{"deb app amd64 1.0-1", "deb app amd64 1.1-1", 2, false}},
		},
		{
			name:      "rpm: better priority repo with an older version masks the name",
			installed: []string{"rpm app x86_64 1.0-1"},
			repos: []repoSpec{
				{id: 1, prio: -10, pkgs: []string{"rpm app x86_64 0.9-1"}},
				{id: 2, prio: -99, pkgs: []string{"rpm app x86_64 2.0-1"}},
			},
		},
		{
			name:      "negated yum priorities: better repo masks newer in worse repo",
			installed: []string{"rpm kmod x86_64 28-9.el9"},
			repos: []repoSpec{
				{id: 1, prio: -10, pkgs: []string{"rpm kmod x86_64 28-9.el9"}},
				{id: 2, prio: -99, pkgs: []string{"rpm kmod x86_64 31-1.el9"}},
			},
		},
		{
			name:      "negated yum priorities: equal priorities compete by version",
			installed: []string{"rpm kmod x86_64 28-9.el9"},
			repos: []repoSpec{
				{id: 1, prio: -99, pkgs: []string{"rpm kmod x86_64 28-9.el9", "rpm kmod x86_64 28-10.el9"}},
				{id: 2, prio: -99, pkgs: []string{"rpm kmod x86_64 31-1.el9"}},
			},
			want: []upSpec{{"rpm kmod x86_64 28-9.el9", "rpm kmod x86_64 31-1.el9", 2, false}},
		},
		{
			name:      "security repo flag",
			installed: []string{"deb openssl amd64 3.0.11-1~deb12u1"},
			repos: []repoSpec{
				{id: 1, prio: 500, pkgs: []string{"deb openssl amd64 3.0.11-1~deb12u1"}},
				{id: 2, prio: 500, security: true, pkgs: []string{"deb openssl amd64 3.0.15-1~deb12u1"}},
			},
			want: []upSpec{{"deb openssl amd64 3.0.11-1~deb12u1", "deb openssl amd64 3.0.15-1~deb12u1", 2, true}},
		},
		{
			name:      "same version in several repos: security preferred",
			installed: []string{"deb openssl amd64 3.0.11-1~deb12u1"},
			repos: []repoSpec{
				{id: 1, prio: 500, pkgs: []string{"deb openssl amd64 3.0.15-1~deb12u1"}},
				{id: 3, prio: 500, security: true, pkgs: []string{"deb openssl amd64 3.0.15-1~deb12u1"}},
				{id: 2, prio: 500, pkgs: []string{"deb openssl amd64 3.0.15-1~deb12u1"}},
			},
			want: []upSpec{{"deb openssl amd64 3.0.11-1~deb12u1", "deb openssl amd64 3.0.15-1~deb12u1", 3, true}},
		},
		{
			name:      "same version in several plain repos: higher priority then lower id",
			installed: []string{"rpm vim x86_64 9.0-1"},
			repos: []repoSpec{
				{id: 5, prio: -99, pkgs: []string{"rpm vim x86_64 9.1-1"}},
				{id: 4, prio: -99, pkgs: []string{"rpm vim x86_64 9.1-1"}},
			},
			want: []upSpec{{"rpm vim x86_64 9.0-1", "rpm vim x86_64 9.1-1", 4, false}},
		},
		{
			name:      "package in no repo: any candidate counts",
			installed: []string{"rpm local-tool x86_64 1.0-1"},
			repos:     []repoSpec{{id: 1, prio: -99, pkgs: []string{"rpm local-tool x86_64 1.2-1"}}},
			want:      []upSpec{{"rpm local-tool x86_64 1.0-1", "rpm local-tool x86_64 1.2-1", 1, false}},
		},
		{
			name:      "package nowhere",
			installed: []string{"rpm local-tool x86_64 1.0-1"},
			repos:     []repoSpec{{id: 1, prio: -99, pkgs: []string{"rpm other x86_64 1.2-1"}}},
		},
		{
			name:      "disabled repo ignored",
			installed: []string{"deb bash amd64 5.2.15-2"},
			repos:     []repoSpec{{id: 1, prio: 500, disabled: true, pkgs: []string{"deb bash amd64 5.3-1"}}},
		},
		{
			name:      "epoch beats version",
			installed: []string{"deb perl amd64 5.36.0-7"},
			repos:     []repoSpec{{id: 1, prio: 500, pkgs: []string{"deb perl amd64 1:5.30-1", "deb perl amd64 5.40-1"}}},
			want:      []upSpec{{"deb perl amd64 5.36.0-7", "deb perl amd64 1:5.30-1", 1, false}},
		},
		{
			name:      "tilde sorts before release",
			installed: []string{"deb app amd64 2.0~rc1-1", "rpm app2 x86_64 2.0-1"},
			repos: []repoSpec{{id: 1, prio: 500, pkgs: []string{
				"deb app amd64 2.0-1", "rpm app2 x86_64 2.0~rc2-1"}}},
			want: []upSpec{{"deb app amd64 2.0~rc1-1", "deb app amd64 2.0-1", 1, false}},
		},
		{
			name:      "caret sorts after release",
			installed: []string{"rpm app x86_64 1.0-1"},
			repos:     []repoSpec{{id: 1, prio: -99, pkgs: []string{"rpm app x86_64 1.0^git20240101-1"}}},
			want:      []upSpec{{"rpm app x86_64 1.0-1", "rpm app x86_64 1.0^git20240101-1", 1, false}},
		},
		{
			name:      "types never cross",
			installed: []string{"deb app amd64 1.0-1"},
			repos:     []repoSpec{{id: 1, prio: 500, pkgs: []string{"rpm app x86_64 2.0-1"}}},
		},
		{
			name:      "rpm installonly kernel compared against highest installed",
			installed: []string{"rpm kernel x86_64 5.14.0-362.el9", "rpm kernel x86_64 5.14.0-427.el9"},
			repos:     []repoSpec{{id: 1, prio: -99, pkgs: []string{"rpm kernel x86_64 5.14.0-503.el9"}}},
			want:      []upSpec{{"rpm kernel x86_64 5.14.0-427.el9", "rpm kernel x86_64 5.14.0-503.el9", 1, false}},
		},
		{
			name:      "debian versioned kernel packages only match their own name",
			installed: []string{"deb linux-image-6.1.0-18-amd64 amd64 6.1.76-1", "deb linux-image-amd64 amd64 6.1.76-1"},
			repos: []repoSpec{{id: 1, prio: 500, pkgs: []string{
				"deb linux-image-6.1.0-25-amd64 amd64 6.1.106-3", "deb linux-image-amd64 amd64 6.1.106-3"}}},
			want: []upSpec{{"deb linux-image-amd64 amd64 6.1.76-1", "deb linux-image-amd64 amd64 6.1.106-3", 1, false}},
		},
		{
			name:      "gentoo live ebuild never an update",
			installed: []string{"gentoo app-misc/foo amd64 1.0"},
			repos:     []repoSpec{{id: 1, prio: 0, pkgs: []string{"gentoo app-misc/foo amd64 9999"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p pkgs
			in := Input{}
			for _, s := range tt.installed {
				in.Installed = append(in.Installed, p.get(s))
			}
			for _, r := range tt.repos {
				repo := Repo{ID: r.id, Priority: r.prio, Security: r.security, Enabled: !r.disabled}
				for _, s := range r.pkgs {
					repo.Packages = append(repo.Packages, p.get(s))
				}
				SortByName(repo.Packages)
				in.Repos = append(in.Repos, repo)
			}
			var want []store.ComputedUpdate
			for _, u := range tt.want {
				want = append(want, store.ComputedUpdate{OldPackageID: p.get(u.old).ID, NewPackageID: p.get(u.new).ID,
					RepoID: u.repo, Security: u.security})
			}
			got := Find(in)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Find: got != want (-want +got):\n%s", diff)
			}
		})
	}
}
