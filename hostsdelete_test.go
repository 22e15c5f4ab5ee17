package main

import (
	"path/filepath"
	"strings"
	"testing"

	"patchward/store"
)

func TestCLIHostsDeleteNeedsYes(t *testing.T) {
	data := t.TempDir()
	db := store.OpenTestFile(t, filepath.Join(data, "patchward.db"))
	for _, h := range []string{"test-1.example.org", "test-2.example.org", "prod-1.example.org"} {
		if _, err := db.ApplyHostReport(t.Context(), 0, store.HostReport{Hostname: h, OS: "Debian GNU/Linux 12 (bookworm)", Arch: "amd64",
			Packages: []store.PackageKey{{Type: "deb", Name: "bash", Arch: "amd64", Version: "5.2.15", Release: "2"}}}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	left := func() string { t.Helper(); return runCLI(t, data, "hosts") }

	out := runCLI(t, data, "hosts", "delete", "--match", "TEST-*") // case-insensitive
	if !strings.Contains(out, "test-1.example.org") || !strings.Contains(out, "test-2.example.org") || strings.Contains(out, "prod-1") ||
		!strings.Contains(out, "would delete 2 hosts") {
		t.Errorf("without --yes: got\n%s\nwant both test hosts listed and nothing deleted", out)
	}
	if hosts := left(); !strings.Contains(hosts, "test-1.example.org") {
		t.Fatalf("without --yes a host went:\n%s", hosts)
	}
	if out := runCLI(t, data, "hosts", "delete", "--match", "nomatch*", "--yes"); !strings.Contains(out, "no host matches") {
		t.Errorf("no match: got %q", out)
	}
	if out := runCLI(t, data, "hosts", "delete", "--match", "test-*", "--yes"); !strings.Contains(out, "deleted 2 hosts") {
		t.Errorf("with --yes: got %q", out)
	}
	if hosts := left(); strings.Contains(hosts, "test-") || !strings.Contains(hosts, "prod-1.example.org") {
		t.Errorf("after --yes: hosts\n%s\nwant prod-1 only", hosts)
	}
	for _, args := range [][]string{{"hosts", "delete"}, {"hosts", "delete", "--match", "[", "--yes"}, {"hosts", "delete", "prod-1.example.org"}} {
		if err := run(t.Context(), append(args, "--data", data), nil, strings.NewReader(""), &strings.Builder{}, &strings.Builder{}); err == nil {
			t.Errorf("patchward %v: got no error", args)
		}
	}
	if hosts := left(); !strings.Contains(hosts, "prod-1.example.org") {
		t.Error("a refused command deleted prod-1")
	}
}
