package ingest

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"patchward/store"
)

func baseFields() Protocol1Fields {
	return Protocol1Fields{"host": "Web1.Example.ORG", "os": "Rocky Linux 9.3 (Blue Onyx)", "kernel": "5.14.0-362.el9.x86_64",
		"arch": "x86_64", "protocol": "1", "tags": "Default", "reboot": "ServerCheck", "report": "false"}
}

func TestProtocol1Host(t *testing.T) {
	tests := []struct {
		name   string
		set    map[string]string
		check  func(r store.HostReport) (got, want any)
		errFld string
	}{
		{"hostname lower-cased", nil, func(r store.HostReport) (any, any) { return r.Hostname, "web1.example.org" }, ""},
		{"Default tag means none", nil, func(r store.HostReport) (any, any) { return r.Tags == nil, true }, ""},
		{"tags comma split and deduped", map[string]string{"tags": "web, db,,Web ,default"},
			func(r store.HostReport) (any, any) { return strings.Join(r.Tags, "|"), "web|db" }, ""},
		{"kernel %2b decoded", map[string]string{"kernel": "6.12.73%2bdeb13-amd64"},
			func(r store.HostReport) (any, any) { return r.Kernel, "6.12.73+deb13-amd64" }, ""},
		{"reboot True", map[string]string{"reboot": "True"}, func(r store.HostReport) (any, any) { return r.Reboot, true }, ""},
		{"reboot ServerCheck", nil, func(r store.HostReport) (any, any) { return r.Reboot, false }, ""},
		{"empty repos keeps host repos", map[string]string{"repos": "\n"}, func(r store.HostReport) (any, any) { return r.Repos == nil, true }, ""},
		{"hook run: no repos, no updates => updates kept", nil, func(r store.HostReport) (any, any) { return r.Updates == nil, true }, ""},
		{"missing host", map[string]string{"host": " "}, nil, "host"},
		{"host with space", map[string]string{"host": "a b.example.org"}, nil, "host"},
		{"overlong os", map[string]string{"os": strings.Repeat("x", 300)}, nil, "os"},
		{"missing os", map[string]string{"os": ""}, nil, "os"},
		{"missing kernel", map[string]string{"kernel": ""}, nil, "kernel"},
		{"missing arch", map[string]string{"arch": ""}, nil, "arch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := baseFields()
			for k, v := range tt.set {
				f[k] = v
			}
			r, _, err := ParseProtocol1(f)
			if tt.errFld != "" {
				var pe *ParseError
				if !errors.As(err, &pe) || pe.Field != tt.errFld {
					t.Fatalf("got error %v, want a ParseError on %s", err, tt.errFld)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, want := tt.check(r); got != want {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestProtocol1Packages(t *testing.T) {
	tests := []struct {
		name     string
		lines    string
		want     []store.PackageKey
		wantLine int // >0: want a ParseError on this line
	}{
		{"rpm with (none) epoch", `'bash' '(none)' '5.1.8' '6.el9' 'x86_64' 'rpm'`,
			[]store.PackageKey{{Type: "rpm", Name: "bash", Arch: "x86_64", Version: "5.1.8", Release: "6.el9"}}, 0},
		{"epoch 0 dropped, name case kept (rpm names are case-sensitive)", `'NetworkManager' '0' '1.46.0' '1.el9' 'x86_64' 'rpm'`,
			[]store.PackageKey{{Type: "rpm", Name: "NetworkManager", Arch: "x86_64", Version: "1.46.0", Release: "1.el9"}}, 0},
		{"gpg-pubkey skipped", "'gpg-pubkey' '' '8483c65d' '5ccc5b19' '' 'rpm'\n'zsh' '' '5.8' '9.el9' 'x86_64' 'rpm'",
			[]store.PackageKey{{Type: "rpm", Name: "zsh", Arch: "x86_64", Version: "5.8", Release: "9.el9"}}, 0},
		{"empty arch is unknown", `'foo' '' '1.0' '1' '' 'rpm'`,
			[]store.PackageKey{{Type: "rpm", Name: "foo", Arch: "unknown", Version: "1.0", Release: "1"}}, 0},
		{"%2b decoded", `'libstdc%2b%2b' '' '11.4.1' '3.el9' 'x86_64' 'rpm'`,
			[]store.PackageKey{{Type: "rpm", Name: "libstdc++", Arch: "x86_64", Version: "11.4.1", Release: "3.el9"}}, 0},
		{"gentoo with category and repo", `'openssl' '0/3' '3.0.13' '' 'amd64' 'gentoo' 'dev-libs' 'gentoo'`,
			[]store.PackageKey{{Type: "gentoo", Name: "openssl", Arch: "amd64", Epoch: "0/3", Version: "3.0.13"}}, 0},
		{"CRLF and blank lines", "\r\n'a' '' '1' '' 'all' 'deb'\r\n\r\n",
			[]store.PackageKey{{Type: "deb", Name: "a", Arch: "all", Version: "1"}}, 0},
		{"too few fields", "'a' '' '1' '' 'all' 'deb'\n'b' '' '1' 'all'", nil, 2},
		{"unterminated quote", "'a' '' '1' '' 'all' 'deb'\n\n'b' '' '1", nil, 3},
		{"unquoted", "a 0 1 1 all deb", nil, 1},
		{"unknown type", `'a' '' '1' '' 'all' 'snap'`, nil, 1},
		{"no version", `'a' '' '' '' 'all' 'deb'`, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := baseFields()
			f["packages"] = tt.lines
			r, _, err := ParseProtocol1(f)
			if tt.wantLine > 0 {
				var pe *ParseError
				if !errors.As(err, &pe) || pe.Field != "packages" || pe.Line != tt.wantLine {
					t.Fatalf("got error %v, want a packages error on line %d", err, tt.wantLine)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, r.Packages); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProtocol1Repos(t *testing.T) {
	tests := []struct {
		name     string
		lines    string
		want     []store.ReportedRepo
		wantWarn int
	}{
		{"rpm priority negated", `'rpm' 'Rocky Linux 9 - BaseOS x86_64' 'cpe:/o:rocky:rocky:9::baseos-baseos' '99' 'https://mirrors.example.org/rocky/9/BaseOS/x86_64/os/'`,
			[]store.ReportedRepo{{Type: "rpm", Name: "Rocky Linux 9 - BaseOS x86_64", Ident: "cpe:/o:rocky:rocky:9::baseos-baseos", Priority: -99,
				URLs: []string{"https://mirrors.example.org/rocky/9/BaseOS/x86_64/os"}}}, 0},
		{"deb with pin", `'deb' 'Debian 12 x86_64 repo at http://deb.example.org/debian/dists/bookworm-backports/main/binary-amd64' '100' 'http://deb.example.org/debian/dists/bookworm-backports/main/binary-amd64'`,
			[]store.ReportedRepo{{Type: "deb", Name: "Debian 12 x86_64 repo at http://deb.example.org/debian/dists/bookworm-backports/main/binary-amd64",
				Priority: 100, URLs: []string{"http://deb.example.org/debian/dists/bookworm-backports/main/binary-amd64"}}}, 0},
		{"arch has no priority", `'arch' 'Arch Linux core x86_64' 'core' 'https://a.example.org/core/os/' 'https://b.example.org/core/os/'`,
			[]store.ReportedRepo{{Type: "arch", Name: "Arch Linux core x86_64", Ident: "core",
				URLs: []string{"https://a.example.org/core/os", "https://b.example.org/core/os"}}}, 0},
		{"gentoo rsync replaced", `'gentoo' 'Gentoo Linux gentoo Repo amd64' 'gentoo' '-1000' 'rsync://rsync.gentoo.org/gentoo-portage'`,
			[]store.ReportedRepo{{Type: "gentoo", Name: "Gentoo Linux gentoo Repo amd64", Ident: "gentoo", Priority: -1000,
				URLs: []string{gentooMirrorList}}}, 0},
		{"URL in priority position skipped (Patchman #485)", "'deb' 'x' 'http://deb.example.org/debian' \n'rpm' 'y' 'y' '10' 'https://y.example.org/'",
			[]store.ReportedRepo{{Type: "rpm", Name: "y", Ident: "y", Priority: -10, URLs: []string{"https://y.example.org"}}}, 1},
		{"missing priority skipped", `'rpm' 'y' 'y'`, nil, 1},
		{"unknown type skipped", `'snap' 'y' '1' 'https://y.example.org/'`, nil, 1},
		{"no usable URL skipped", `'deb' 'y' '500' 'mirror+file:/etc/apt/mirrors.txt'`, nil, 1},
		{"unterminated quote skipped", `'deb' 'y' '500`, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := baseFields()
			f["repos"] = tt.lines
			r, warn, err := ParseProtocol1(f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, r.Repos); diff != "" {
				t.Errorf("repos (-want +got):\n%s", diff)
			}
			if len(warn) != tt.wantWarn {
				t.Errorf("got warnings %q, want %d", warn, tt.wantWarn)
			}
		})
	}
}

func TestProtocol1UpdatesAndModules(t *testing.T) {
	f := baseFields()
	f["repos"] = `'deb' 'd' '500' 'http://deb.example.org/debian/dists/bookworm/main/binary-amd64'`
	f["sec_updates"] = "openssl-libs.x86_64 1:3.0.7-27.el9 baseos\nlibssl3.amd64 3.0.17-1~deb12u2\n"
	f["bug_updates"] = "openssl-libs.x86_64 1:3.0.7-26.el9 baseos\nvim.x86_64 2:8.2-1 appstream\nbogus\n"
	f["modules"] = "'nodejs' '18' '8090020240109' 'a75119d5' 'x86_64' 'appstream' 'nodejs-1:18.14.2-2.module%2bel8.x86_64'\n'bad' 'line'"
	r, warn, err := ParseProtocol1(f)
	if err != nil {
		t.Fatal(err)
	}
	wantUps := []store.ClientUpdate{
		{Name: "openssl-libs", Arch: "x86_64", Version: "1:3.0.7-27.el9", Repo: "baseos", Security: true},
		{Name: "libssl3", Arch: "amd64", Version: "3.0.17-1~deb12u2", Security: true},
		{Name: "vim", Arch: "x86_64", Version: "2:8.2-1", Repo: "appstream"},
	}
	if diff := cmp.Diff(wantUps, r.Updates); diff != "" {
		t.Errorf("updates (-want +got):\n%s", diff)
	}
	wantMods := []store.ReportedModule{{Name: "nodejs", Stream: "18", Version: "8090020240109", Context: "a75119d5",
		Arch: "x86_64", Repo: "appstream", Packages: []string{"nodejs-1:18.14.2-2.module+el8.x86_64"}}}
	if diff := cmp.Diff(wantMods, r.Modules); diff != "" {
		t.Errorf("modules (-want +got):\n%s", diff)
	}
	if len(warn) != 2 {
		t.Errorf("got warnings %q, want 2 (bogus update, short module)", warn)
	}
}

func TestReadForm(t *testing.T) {
	tests := []struct {
		name, ctype, body string
		want              Protocol1Fields
		wantErr           bool
	}{
		{"urlencoded", "application/x-www-form-urlencoded", "host=a.example.org&tags=x%2Cy", Protocol1Fields{"host": "a.example.org", "tags": "x,y"}, false},
		{"multipart file part", "multipart/form-data; boundary=XX",
			"--XX\r\nContent-Disposition: form-data; name=\"packages\"; filename=\"p.txt\"\r\n\r\n'a' '' '1' '' 'all' 'deb'\n\r\n--XX--\r\n",
			Protocol1Fields{"packages": "'a' '' '1' '' 'all' 'deb'\n"}, false},
		{"no boundary", "multipart/form-data", "x", nil, true},
		{"json", "application/json", "{}", nil, true},
		{"truncated multipart", "multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readForm(tt.ctype, []byte(tt.body))
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %t", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); !tt.wantErr && diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}
