package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"patchward/store"
)

// deb is a Debian package key for the parity tests' hosts.
func deb(name, version string) store.PackageKey {
	return store.PackageKey{Type: "deb", Name: name, Arch: "amd64", Version: version}
}

// seedHosts writes hosts with the given packages into a new data directory and returns it.
func seedHosts(t *testing.T, hosts map[string][]store.PackageKey) string {
	t.Helper()
	data := t.TempDir()
	db := store.OpenTestFile(t, filepath.Join(data, "patchward.db"))
	for name, pkgs := range hosts {
		if _, err := db.ApplyHostReport(t.Context(), 0, store.HostReport{Hostname: name,
			OS: "Debian GNU/Linux 12 (bookworm)", Arch: "amd64", Packages: pkgs, RemoteIP: "127.0.0.1"}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	return data
}

// TestCLIDiff: `patchward diff A B` is Patchman's -D: only on A, only on B, different versions
// (a name at several versions compares as the set), identical packages left out.
func TestCLIDiff(t *testing.T) {
	data := seedHosts(t, map[string][]store.PackageKey{
		"a.example.org": {deb("bash", "5.2.15-2"), deb("curl", "7.88.1-10"), deb("vim", "9.0"),
			deb("linux-image", "6.1.1"), deb("linux-image", "6.1.2")},
		"b.example.org": {deb("bash", "5.2.15-2"), deb("curl", "7.88.1-10+deb12u5"), deb("zsh", "5.9"),
			deb("linux-image", "6.1.2")},
	})
	got := runCLI(t, data, "diff", "a.example.org", "b.example.org")
	want := "~ curl 7.88.1-10 -> 7.88.1-10+deb12u5 amd64\n" +
		"~ linux-image 6.1.1, 6.1.2 -> 6.1.2 amd64\n" +
		"- vim 9.0 amd64\n" +
		"+ zsh 5.9 amd64\n"
	if got != want {
		t.Errorf("diff: got\n%s\nwant\n%s", got, want)
	}
	if got := runCLI(t, data, "diff", "a.example.org", "a.example.org"); got != "" {
		t.Errorf("diff of a host with itself: got %q, want nothing", got)
	}
	var rows []struct{ Change, Name, Arch, A, B string }
	if err := json.Unmarshal([]byte(runCLI(t, data, "diff", "a.example.org", "b.example.org", "--json")), &rows); err != nil {
		t.Fatalf("diff --json: %v", err)
	}
	if len(rows) != 4 || rows[0].Change != "version" || rows[0].A != "7.88.1-10" || rows[0].B != "7.88.1-10+deb12u5" ||
		rows[2].Change != "only_a" || rows[2].Name != "vim" || rows[3].Change != "only_b" || rows[3].B != "5.9" {
		t.Errorf("diff --json: got %+v", rows)
	}
	err := run(t.Context(), []string{"diff", "a.example.org", "nosuch", "--data", data}, nil, strings.NewReader(""),
		&strings.Builder{}, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), `"nosuch"`) {
		t.Errorf("unknown host: got %v, want an error naming nosuch", err)
	}
}
