package ingest

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"patchward/store"
)

// p2 builds a protocol 2 body with the given extra members (raw JSON, comma-joined).
func p2(extra ...string) []byte {
	base := `"protocol": 2, "hostname": "Alma.Example.org", "arch": "x86_64", "kernel": "5.14.0%2b1", "os": "AlmaLinux 9.4"`
	return []byte("{" + strings.Join(append([]string{base}, extra...), ", ") + "}")
}

func TestProtocol2(t *testing.T) {
	tests := []struct {
		name  string
		body  []byte
		check func(t *testing.T, r store.HostReport, warn []string)
	}{
		{"host fields", p2(`"tags": ["web", "Default"]`, `"reboot_required": true`), func(t *testing.T, r store.HostReport, _ []string) {
			if r.Hostname != "alma.example.org" || r.Kernel != "5.14.0+1" || !r.Reboot || strings.Join(r.Tags, ",") != "web" {
				t.Errorf("got %q %q %t %q, want alma.example.org 5.14.0+1 true [web]", r.Hostname, r.Kernel, r.Reboot, r.Tags)
			}
		}},
		{"tags Default only", p2(`"tags": ["Default"]`), func(t *testing.T, r store.HostReport, _ []string) {
			if r.Tags != nil {
				t.Errorf("got tags %q, want none", r.Tags)
			}
		}},
		{"rpm %2b decoded (client defect 1)", p2(`"packages": [{"name":"libstdc%2b%2b","epoch":"","version":"11.4.1","release":"3.el9%2bx","arch":"x86_64","type":"rpm"}]`),
			func(t *testing.T, r store.HostReport, _ []string) {
				want := []store.PackageKey{{Type: "rpm", Name: "libstdc++", Arch: "x86_64", Version: "11.4.1", Release: "3.el9+x"}}
				if diff := cmp.Diff(want, r.Packages); diff != "" {
					t.Errorf("packages (-want +got):\n%s", diff)
				}
			}},
		{"numeric epoch tolerated, gpg-pubkey skipped", p2(`"packages": [{"name":"kernel","epoch":0,"version":"5.14.0","release":"1","arch":"x86_64","type":"rpm"},{"name":"gpg-pubkey","epoch":"","version":"1","release":"1","arch":"","type":"rpm"}]`),
			func(t *testing.T, r store.HostReport, _ []string) {
				if len(r.Packages) != 1 || r.Packages[0].Epoch != "" {
					t.Errorf("got %+v, want one kernel package without epoch", r.Packages)
				}
			}},
		{"arch repo priority missing or garbage (defect 2)", p2(`"repos": [{"type":"arch","name":"Arch Linux core x86_64","id":"core","urls":["https://a.example.org/core/os/"]},
			{"type":"arch","name":"Arch Linux extra x86_64","id":"extra","priority":"https://b.example.org/extra/os/","urls":["https://b.example.org/extra/os/"]}]`),
			func(t *testing.T, r store.HostReport, warn []string) {
				if len(r.Repos) != 2 || r.Repos[0].Priority != 0 || r.Repos[1].Priority != 0 || len(warn) != 0 {
					t.Errorf("got repos %+v warnings %q, want 2 arch repos with priority 0", r.Repos, warn)
				}
			}},
		{"rpm priority negated", p2(`"repos": [{"type":"rpm","name":"BaseOS x86_64","id":"baseos","priority":99,"urls":["https://r.example.org/9/BaseOS/x86_64/os/"]}]`),
			func(t *testing.T, r store.HostReport, _ []string) {
				if len(r.Repos) != 1 || r.Repos[0].Priority != -99 || r.Repos[0].URLs[0] != "https://r.example.org/9/BaseOS/x86_64/os" {
					t.Errorf("got repos %+v, want priority -99 and slash-less URL", r.Repos)
				}
			}},
		{"gentoo rsync and git URLs (defect 3)", p2(`"repos": [{"type":"gentoo","name":"Gentoo Linux gentoo Repo amd64","id":"gentoo","priority":-1000,"urls":["rsync://rsync.gentoo.org/gentoo-portage"]},
			{"type":"gentoo","name":"Gentoo Linux guru Repo amd64","id":"guru","priority":0,"urls":["git+https://github.com/gentoo/guru.git"]}]`),
			func(t *testing.T, r store.HostReport, _ []string) {
				if len(r.Repos) != 2 || r.Repos[0].URLs[0] != gentooMirrorList || r.Repos[1].URLs[0] != gentooMirrorList {
					t.Errorf("got repos %+v, want gentoo mirror list URLs", r.Repos)
				}
			}},
		{"empty repos and modules keep the host's (hook run)", p2(`"repos": []`, `"modules": []`, `"sec_updates": []`, `"bug_updates": []`),
			func(t *testing.T, r store.HostReport, _ []string) {
				if r.Repos != nil || r.Modules != nil || r.Updates != nil {
					t.Errorf("got repos %v modules %v updates %v, want all nil", r.Repos, r.Modules, r.Updates)
				}
			}},
		{"updates merged, security wins", p2(`"repos": [{"type":"deb","name":"d","id":"","priority":500,"urls":["http://d.example.org/debian"]}]`,
			`"sec_updates": [{"name":"openssl","version":"3.0.17","arch":"amd64","repo":""}]`,
			`"bug_updates": [{"name":"openssl","version":"3.0.16","arch":"amd64","repo":""},{"name":"vim","version":"9.1","arch":"amd64","repo":"x"}]`),
			func(t *testing.T, r store.HostReport, _ []string) {
				want := []store.ClientUpdate{{Name: "openssl", Arch: "amd64", Version: "3.0.17", Security: true}, {Name: "vim", Arch: "amd64", Version: "9.1", Repo: "x"}}
				if diff := cmp.Diff(want, r.Updates); diff != "" {
					t.Errorf("updates (-want +got):\n%s", diff)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, warn, err := ParseProtocol2(tt.body)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, r, warn)
		})
	}
}

func TestProtocol2Errors(t *testing.T) {
	tests := []struct {
		name, body, field string
	}{
		{"not JSON", `{"hostname": `, ""},
		{"missing hostname", `{"arch":"x86_64","kernel":"1","os":"x"}`, "hostname"},
		{"missing os", `{"hostname":"a","arch":"x86_64","kernel":"1"}`, "os"},
		{"packages not a list", string(p2(`"packages": "x"`)), "packages"},
		{"package without version", string(p2(`"packages": [{"name":"a","type":"deb","arch":"all"}]`)), "packages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseProtocol2([]byte(tt.body))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got error %v, want a ParseError", err)
			}
			if tt.field != "" && pe.Field != tt.field {
				t.Errorf("got field %q, want %q (%v)", pe.Field, tt.field, err)
			}
		})
	}
}

func TestNative(t *testing.T) {
	body := `{"version": 1, "hostname": "N1.example.org", "os_release": {"pretty_name": "Debian GNU/Linux 13 (trixie)"},
		"kernel": "6.12.73+deb13-amd64", "arch": "x86_64", "tags": ["a", "A"], "reboot_required": true,
		"packages": [{"type":"deb","name":"bash","arch":"amd64","version":"5.2.37","release":"2+b5"},
			{"type":"deb","name":"linux-image-amd64","arch":"amd64","version":"6.12.73","release":"1","held":true}],
		"held": ["bash", "linux-image-amd64"],
		"repos": [], "updates": [{"name":"bash","arch":"amd64","version":"5.2.37-3","security":true}], "agent": "patchward-agent/0.1"}`
	r, _, err := ParseNative([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := store.HostReport{Hostname: "n1.example.org", OS: "Debian GNU/Linux 13 (trixie)", Kernel: "6.12.73+deb13-amd64",
		Arch: "x86_64", Tags: []string{"a"}, Reboot: true,
		Packages: []store.PackageKey{{Type: "deb", Name: "bash", Arch: "amd64", Version: "5.2.37", Release: "2+b5"},
			{Type: "deb", Name: "linux-image-amd64", Arch: "amd64", Version: "6.12.73", Release: "1"}},
		Held:      []string{"bash", "linux-image-amd64"},
		OSRelease: map[string]string{"pretty_name": "Debian GNU/Linux 13 (trixie)"},
		Repos:     []store.ReportedRepo{},
		Updates:   []store.ClientUpdate{{Name: "bash", Arch: "amd64", Version: "5.2.37-3", Security: true}},
		Agent:     "patchward-agent/0.1", Client: "patchward-agent", ClientVersion: "0.1", ClientProtocol: "native"}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	for _, bad := range []string{`{"version": 2, "hostname": "a"}`, `{"hostname": "a"}`, `{"version": 1, "hostname": "a", "kernel": "1", "arch": "x"}`} {
		if _, _, err := ParseNative([]byte(bad)); err == nil {
			t.Errorf("ParseNative(%s): got no error, want one", bad)
		}
	}
}

// TestNativeIgnoresMembersItDoesNotRead: members the server ignores cannot refuse a report,
// whatever their value, now that the agent and the server share wire.Report.
func TestNativeIgnoresMembersItDoesNotRead(t *testing.T) {
	body := `{"version": 1, "hostname": "a.example.org", "os": "Debian 13", "kernel": "6.12", "arch": "x86_64",
		"collected": "yesterday", "warnings": 3, "reboot_packages": {"x": 1}, "packages": []}`
	if r, _, err := ParseNative([]byte(body)); err != nil || r.Hostname != "a.example.org" {
		t.Errorf("ParseNative: got %+v, %v; want the report accepted", r, err)
	}
}
