package collect

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"patchward/ingest/wire"
)

const debianOSRelease = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n"

func TestRepos(t *testing.T) {
	const rocky = "NAME=\"Rocky Linux\"\nVERSION=\"9.3 (Blue Onyx)\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\n" +
		"CPE_NAME=\"cpe:/o:rocky:rocky:9::baseos\"\n"
	tests := []struct {
		name  string
		files map[string]string
		want  []wire.Repo
	}{{
		name: "apt one-line: options, comments, deb-src, cdrom, flat, credentials, mirror+file, pins",
		files: map[string]string{
			"/etc/os-release":      debianOSRelease,
			"/etc/debian_version":  "12.11\n",
			"/var/lib/dpkg/status": "Package: dpkg\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.21.22\n",
			"/var/lib/dpkg/arch":   "amd64\ni386\n",
			"/etc/apt/sources.list": "# comment line\n" +
				"deb http://deb.debian.org/debian/ bookworm main contrib # trailing comment\n" +
				"deb-src http://deb.debian.org/debian bookworm main\n" +
				"#deb http://disabled.example.org/debian bookworm main\n" +
				"deb cdrom:[Debian GNU/Linux 12]/ bookworm main\n" +
				"debfoo http://not.a.source/ x y\n",
			"/etc/apt/sources.list.d/vendor.list": "deb [arch=amd64 signed-by=/usr/share/keyrings/v.gpg] https://user:s3cret@apt.vendor.example/repo stable main\n" +
				"deb [ trusted=yes ] http://flat.example.org/debian ./\n" +
				"deb mirror+file:/etc/apt/mirrors.txt bookworm-security main\n",
			"/etc/apt/mirrors.txt": "# mirrors\nhttp://security.debian.org/debian-security\tpriority:1\nhttps://mirror.example.net/debian-security/\n",
			"/etc/apt/preferences.d/vendor.pref": "Explanation: vendor first\nPackage: *\nPin: origin apt.vendor.example\nPin-Priority: 900\n\n" +
				"Package: nodejs\nPin: origin deb.debian.org\nPin-Priority: 1001\n\n" +
				"Package: *\nPin: release n=bookworm-security\nPin-Priority: 990\n",
			"/etc/apt/preferences.d/ignored.disabled": "Package: *\nPin: release a=*\nPin-Priority: -1\n",
		},
		want: []wire.Repo{
			debRepo("http://deb.debian.org/debian/dists/bookworm/main/binary-amd64", 500),
			debRepo("http://deb.debian.org/debian/dists/bookworm/main/binary-i386", 500),
			debRepo("http://deb.debian.org/debian/dists/bookworm/contrib/binary-amd64", 500),
			debRepo("http://deb.debian.org/debian/dists/bookworm/contrib/binary-i386", 500),
			debRepo("https://apt.vendor.example/repo/dists/stable/main/binary-amd64", 900),
			debRepo("http://flat.example.org/debian", 500),
			debRepo("http://flat.example.org/debian", 500),
			debRepo("http://security.debian.org/debian-security/dists/bookworm-security/main/binary-amd64", 990),
			debRepo("http://security.debian.org/debian-security/dists/bookworm-security/main/binary-i386", 990),
			debRepo("https://mirror.example.net/debian-security/dists/bookworm-security/main/binary-amd64", 990),
			debRepo("https://mirror.example.net/debian-security/dists/bookworm-security/main/binary-i386", 990),
		},
	}, {
		name: "apt deb822: disabled stanza, inline key, several suites, Release NotAutomatic, a= pin",
		files: map[string]string{
			"/etc/os-release":      debianOSRelease,
			"/etc/debian_version":  "12.11\n",
			"/var/lib/dpkg/status": "Package: dpkg\nStatus: install ok installed\nArchitecture: arm64\nVersion: 1.21.22\n",
			"/etc/apt/sources.list.d/debian.sources": "# Debian\nTypes: deb deb-src\nURIs: https://deb.debian.org/debian\n" +
				"Suites: bookworm bookworm-backports bookworm-proposed-updates\nComponents: main\n" +
				"Signed-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n mQINBGPL\n -----END PGP PUBLIC KEY BLOCK-----\n\n" +
				"Types: deb\nURIs: https://disabled.example.org/debian\nSuites: bookworm\nComponents: main\nEnabled: no\n",
			"/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm-backports_InRelease": "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n" +
				"Origin: Debian Backports\nLabel: Debian Backports\nSuite: stable-backports\nCodename: bookworm-backports\n" +
				"NotAutomatic: yes\nButAutomaticUpgrades: yes\nSHA256:\n abc 123 main/binary-arm64/Packages\n",
			"/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm-proposed-updates_Release": "Origin: Debian\nSuite: stable-proposed-updates\nCodename: bookworm-proposed-updates\n",
			"/etc/apt/preferences": "Package: *\nPin: release o=Debian,a=stable-proposed-updates\nPin-Priority: 50\n",
		},
		want: []wire.Repo{
			{Type: "deb", Name: "Debian 12 x86_64 repo at https://deb.debian.org/debian/dists/bookworm/main/binary-arm64", Priority: 500,
				URLs: []string{"https://deb.debian.org/debian/dists/bookworm/main/binary-arm64"}},
			{Type: "deb", Name: "Debian 12 x86_64 repo at https://deb.debian.org/debian/dists/bookworm-backports/main/binary-arm64", Priority: 100,
				URLs: []string{"https://deb.debian.org/debian/dists/bookworm-backports/main/binary-arm64"}},
			{Type: "deb", Name: "Debian 12 x86_64 repo at https://deb.debian.org/debian/dists/bookworm-proposed-updates/main/binary-arm64", Priority: 50,
				URLs: []string{"https://deb.debian.org/debian/dists/bookworm-proposed-updates/main/binary-arm64"}},
		},
	}, {
		name: "dnf: continuation baseurls, variables, vars files, disabled, priority, metalink, credentials",
		files: map[string]string{
			"/etc/os-release":          rocky,
			"/etc/dnf/vars/contentdir": "pub/rocky\n",
			"/etc/yum.repos.d/rocky.repo": "[baseos]\nname=Rocky Linux $releasever - BaseOS\n" +
				"mirrorlist=https://mirrors.rockylinux.org/mirrorlist?arch=$basearch&repo=BaseOS-$releasever\n" +
				"#baseurl=http://dl.rockylinux.org/$contentdir/$releasever/BaseOS/$basearch/os/\n" +
				"gpgcheck=1\nenabled=1\n\n" +
				"[appstream]\nname = Rocky Linux ${releasever} - AppStream\nbaseurl = http://dl.rockylinux.org/$contentdir/$releasever/AppStream/$basearch/os/\n" +
				"    http://mirror2.example.org/rocky/$releasever/AppStream/$basearch/os/\nenabled = yes\npriority = 10\n\n" +
				"[devel]\nname=Rocky Linux $releasever - Devel WARNING! FOR BUILDROOT ONLY\nbaseurl=http://dl.rockylinux.org/devel\nenabled=0\n",
			"/etc/yum.repos.d/private.repo": "; a comment\n[private]\nname=Private 'repo'\n" +
				"baseurl=https://build:hunter2@repo.example.com/el$releasever/$basearch/?token=abc123&channel=stable\n" +
				"metalink=https://mirrors.example.com/metalink?repo=epel-9&arch=x86_64\n",
		},
		want: []wire.Repo{
			{Type: "rpm", Name: "Private repo x86_64", ID: "cpe:/o:rocky:rocky:9::baseos-private", Priority: -99,
				URLs: []string{"https://mirrors.example.com/metalink?repo=epel-9&arch=x86_64", "https://repo.example.com/el9/x86_64/?channel=stable"}},
			{Type: "rpm", Name: "Rocky Linux 9 - BaseOS x86_64", ID: "cpe:/o:rocky:rocky:9::baseos-baseos", Priority: -99,
				URLs: []string{"https://mirrors.rockylinux.org/mirrorlist?arch=x86_64&repo=BaseOS-9"}},
			{Type: "rpm", Name: "Rocky Linux 9 - AppStream x86_64", ID: "cpe:/o:rocky:rocky:9::baseos-appstream", Priority: -10,
				URLs: []string{"http://dl.rockylinux.org/pub/rocky/9/AppStream/x86_64/os", "http://mirror2.example.org/rocky/9/AppStream/x86_64/os"}},
		},
	}, {
		name: "zypper: query tokens dropped, disabled repo, priority",
		files: map[string]string{
			"/etc/os-release": "NAME=\"SLES\"\nVERSION_ID=\"15.5\"\nPRETTY_NAME=\"SUSE Linux Enterprise Server 15 SP5\"\nID=\"sles\"\nID_LIKE=\"suse\"\n",
			"/etc/zypp/repos.d/update.repo": "[SLE-Module-Basesystem15-SP5-Updates]\nname=SLE-Module-Basesystem15-SP5-Updates\nenabled=1\nautorefresh=1\n" +
				"baseurl=https://updates.suse.com/SUSE/Updates/SLE-Module-Basesystem/15-SP5/x86_64/update?abcdefSECRET\npriority=90\ntype=rpm-md\n",
			"/etc/zypp/repos.d/off.repo": "[off]\nname=off\nenabled=0\nbaseurl=http://off.example.org/\n",
		},
		want: []wire.Repo{{Type: "rpm", Name: "SUSE Linux Enterprise Server 15 SP5 SLE-Module-Basesystem15-SP5-Updates x86_64",
			ID: "SLE-Module-Basesystem15-SP5-Updates", Priority: -90,
			URLs: []string{"https://updates.suse.com/SUSE/Updates/SLE-Module-Basesystem/15-SP5/x86_64/update"}}},
	}, {
		name: "pacman: Include mirrorlist, commented servers, $repo and $arch",
		files: map[string]string{
			"/etc/os-release": "NAME=\"Arch Linux\"\nID=arch\n",
			"/etc/pacman.conf": "[options]\nHoldPkg = pacman glibc\nArchitecture = auto\n\n[core]\nInclude = /etc/pacman.d/mirrorlist\n\n" +
				"#[testing]\n#Include = /etc/pacman.d/mirrorlist\n\n[extra]\nInclude = /etc/pacman.d/mirrorlist\n\n" +
				"[custom]\nSigLevel = Optional TrustAll\nServer = https://user:pw@repo.example.org/$repo/$arch\n",
			"/etc/pacman.d/mirrorlist": "## Worldwide\n#Server = https://commented.example.org/$repo/os/$arch\nServer = https://geo.mirror.pkgbuild.com/$repo/os/$arch\n",
		},
		want: []wire.Repo{
			{Type: "arch", Name: "Arch Linux core x86_64", ID: "core", URLs: []string{"https://geo.mirror.pkgbuild.com/core/os"}},
			{Type: "arch", Name: "Arch Linux extra x86_64", ID: "extra", URLs: []string{"https://geo.mirror.pkgbuild.com/extra/os"}},
			{Type: "arch", Name: "Arch Linux custom x86_64", ID: "custom", URLs: []string{"https://repo.example.org/custom"}},
		},
	}, {
		name: "apk: tagged repository, comments, local path",
		files: map[string]string{
			"/etc/os-release": "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\n",
			"/etc/apk/repositories": "https://dl-cdn.alpinelinux.org/alpine/v3.20/main\n#https://dl-cdn.alpinelinux.org/alpine/v3.20/community\n" +
				"@edge https://dl-cdn.alpinelinux.org/alpine/edge/testing/\n/media/cdrom/apks\n",
		},
		want: []wire.Repo{
			{Type: "apk", Name: "Alpine https://dl-cdn.alpinelinux.org/alpine/v3.20/main", URLs: []string{"https://dl-cdn.alpinelinux.org/alpine/v3.20/main"}},
			{Type: "apk", Name: "Alpine @edge https://dl-cdn.alpinelinux.org/alpine/edge/testing", ID: "edge", Priority: -1,
				URLs: []string{"https://dl-cdn.alpinelinux.org/alpine/edge/testing"}},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tt.files)
			r := collectRoot(t, root, false)
			if diff := cmp.Diff(tt.want, r.Repos); diff != "" {
				t.Errorf("repos (-want +got):\n%s\nwarnings: %v", diff, r.Warnings)
			}
		})
	}
}

func debRepo(u string, prio int) wire.Repo {
	return wire.Repo{Type: "deb", Name: "Debian 12 x86_64 repo at " + u, Priority: prio, URLs: []string{u}}
}

func TestModules(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"/etc/dnf/modules.d/nodejs.module": "[nodejs]\nname=nodejs\nstream=18\nprofiles=common\nstate=enabled\n",
		"/etc/dnf/modules.d/php.module":    "[php]\nname=php\nstream=8.1\nprofiles=\nstate=disabled\n",
		"/etc/dnf/modules.d/perl.module":   "[perl]\nname=perl\nstream=5.32\nstate=enabled\n",
	})
	want := []wire.Module{{Name: "nodejs", Stream: "18", Arch: "x86_64"}, {Name: "perl", Stream: "5.32", Arch: "x86_64"}}
	if diff := cmp.Diff(want, collectRoot(t, root, false).Modules); diff != "" {
		t.Errorf("modules (-want +got):\n%s", diff)
	}
}

func TestCleanURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://user:pass@repo.example.com/el9/", "https://repo.example.com/el9/"},
		{"https://repo.example.com/x?token=abc&arch=x86_64", "https://repo.example.com/x?arch=x86_64"},
		{"https://repo.example.com/x?repo=epel-9&arch=x86_64&X-Amz-Signature=zz", "https://repo.example.com/x?repo=epel-9&arch=x86_64"},
		{"https://updates.suse.com/SUSE/x?SECRETTOKEN", "https://updates.suse.com/SUSE/x"},
		{"http://h/p#frag", "http://h/p"},
		{"http://[::1", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := cleanURL(tt.in); got != tt.want {
			t.Errorf("cleanURL(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}
