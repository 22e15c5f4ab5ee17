package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

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

// TestCLICleanReports: clean-reports keeps the newest --keep processed reports of each host,
// drops rejected uploads past ingest.keep_rejected (30 days by default), keeps pending ones,
// and prints what it deleted unless --quiet.
func TestCLICleanReports(t *testing.T) {
	data := t.TempDir()
	db := store.OpenTestFile(t, filepath.Join(data, "patchward.db"))
	ctx := t.Context()
	hr := store.HostReport{Hostname: "a.example.org", OS: "Debian GNU/Linux 12 (bookworm)", Arch: "amd64",
		Packages: []store.PackageKey{deb("bash", "5.2.15-2")}}
	for range 4 {
		id, err := db.SaveReport(ctx, store.Report{Protocol: "native"}, hr)
		must(t, err)
		_, err = db.ApplyHostReport(ctx, id, hr)
		must(t, err)
	}
	_, err := db.SaveReport(ctx, store.Report{Protocol: "native"}, hr) // pending
	must(t, err)
	_, err = db.SaveRejectedReport(ctx, store.Report{Protocol: "1", Received: db.Now().Add(-60 * 24 * time.Hour)}, "bad", nil)
	must(t, err)
	_, err = db.SaveRejectedReport(ctx, store.Report{Protocol: "1"}, "bad", nil)
	must(t, err)
	db.Close()

	if out := runCLI(t, data, "clean-reports", "--keep", "2", "--quiet"); out != "" {
		t.Errorf("--quiet: got %q, want nothing", out)
	}
	db = store.OpenTestFile(t, filepath.Join(data, "patchward.db"))
	rs, err := db.Reports(ctx, store.ReportFilter{})
	must(t, err)
	db.Close()
	count := map[string]int{}
	for _, r := range rs {
		count[r.Status]++
	}
	if want := map[string]int{"processed": 2, "pending": 1, "rejected": 1}; !maps.Equal(count, want) {
		t.Errorf("after clean-reports --keep 2: got %v, want %v", count, want)
	}
	out := runCLI(t, data, "clean-reports", "--keep", "1")
	if want := "deleted 1 processed report(s) beyond the newest 1 per host, 0 rejected report(s)"; !strings.Contains(out, want) {
		t.Errorf("clean-reports --keep 1: got %q, want %q", out, want)
	}
}

// TestCLIDBCheck: on a database built through the store, with a host whose old package set,
// computation and packages nobody uses since its last report, dbcheck counts them, --fix
// removes them and nothing else: the host's updates and packages are the same afterwards and
// a second run finds nothing.
func TestCLIDBCheck(t *testing.T) {
	data := t.TempDir()
	db := store.OpenTestFile(t, filepath.Join(data, "patchward.db"))
	ctx := t.Context()
	repos := []store.ReportedRepo{{Type: "deb", Name: "Debian 12 main", Priority: 500,
		URLs: []string{"http://deb.example.org/debian/dists/bookworm/main/binary-amd64/"}}}
	report := func(name string, pkgs ...store.PackageKey) {
		t.Helper()
		_, err := db.ApplyHostReport(ctx, 0, store.HostReport{Hostname: name, OS: "Debian GNU/Linux 12 (bookworm)",
			Arch: "amd64", Packages: pkgs, Repos: repos})
		must(t, err)
	}
	report("web1.example.org", deb("bash", "5.2.15-2"), deb("curl", "7.88.1-10"), deb("oldtool", "1.0"))
	mirrors, err := db.MirrorsToRefresh(ctx, 0)
	must(t, err)
	if len(mirrors) != 1 {
		t.Fatalf("got %d mirrors, want 1", len(mirrors))
	}
	_, err = db.SaveMirrorPackages(ctx, mirrors[0].ID, []store.PackageKey{deb("bash", "5.2.15-3"), deb("curl", "7.88.1-10+deb12u8")},
		nil, store.MirrorMeta{Checksum: "x"})
	must(t, err)
	db.Close()
	runCLI(t, data, "find-updates")
	db = store.OpenTestFile(t, filepath.Join(data, "patchward.db"))
	report("web1.example.org", deb("bash", "5.2.15-2"), deb("curl", "7.88.1-10"), deb("newtool", "1.0"))
	report("web2.example.org", deb("bash", "5.2.15-2"))
	db.Close()
	runCLI(t, data, "find-updates")
	hostsBefore := []string{runCLI(t, data, "host", "web1.example.org", "--json"), runCLI(t, data, "host", "web2.example.org", "--json"),
		runCLI(t, data, "diff", "web1.example.org", "web2.example.org")}
	if h := hostJSONOf(t, data, "web1.example.org"); len(h.Updates) != 2 {
		t.Fatalf("fixture: web1 has updates %+v, want bash and curl", h.Updates)
	}

	out := runCLI(t, data, "dbcheck")
	for _, want := range []string{"integrity: ok\n", "foreign keys: 0 violation(s)\n", "would delete 1 computations no host uses\n",
		"would delete 1 package sets no host uses\n", "would delete 1 packages nothing refers to\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("dbcheck: got\n%s\nwant a line %q", out, want)
		}
	}
	if again := runCLI(t, data, "dbcheck"); again != out {
		t.Errorf("a second dry run differs:\n%s\nfirst:\n%s", again, out)
	}
	out = runCLI(t, data, "dbcheck", "--fix")
	if !strings.Contains(out, "deleted 1 packages nothing refers to\n") || !strings.Contains(out, "after: integrity ok, 0 foreign key violation(s)") {
		t.Errorf("dbcheck --fix: got\n%s", out)
	}
	hostsAfter := []string{runCLI(t, data, "host", "web1.example.org", "--json"), runCLI(t, data, "host", "web2.example.org", "--json"),
		runCLI(t, data, "diff", "web1.example.org", "web2.example.org")}
	for i := range hostsBefore {
		if hostsAfter[i] != hostsBefore[i] {
			t.Errorf("after --fix:\n%s\nbefore:\n%s", hostsAfter[i], hostsBefore[i])
		}
	}
	runCLI(t, data, "find-updates", "--force")
	if h := hostJSONOf(t, data, "web1.example.org"); len(h.Updates) != 2 {
		t.Errorf("after --fix and find-updates --force: web1 updates %+v, want bash and curl", h.Updates)
	}
	if out := runCLI(t, data, "dbcheck", "--quiet"); out != "" {
		t.Errorf("dbcheck --quiet: got %q", out)
	}
	if out := runCLI(t, data, "dbcheck"); strings.Contains(out, "would delete 1") {
		t.Errorf("after --fix: got\n%s\nwant nothing left to delete", out)
	}
}

// TestCLIAll: `patchward all` runs the jobs in order, prints each one's summary (nothing with
// --quiet) and stops at the first failure: a mirror that cannot be read fails refresh, and
// the pending report is then left for the next run.
func TestCLIAll(t *testing.T) {
	data := t.TempDir()
	db := store.OpenTestFile(t, filepath.Join(data, "patchward.db"))
	hr := store.HostReport{Hostname: "a.example.org", OS: "Debian GNU/Linux 12 (bookworm)", Arch: "amd64",
		Packages: []store.PackageKey{deb("bash", "5.2.15-2")}}
	_, err := db.SaveReport(t.Context(), store.Report{Protocol: "native"}, hr)
	must(t, err)
	db.Close()
	out := runCLI(t, data, "all")
	var at []int
	for _, step := range []string{"refreshed 0 mirror(s)", "processed 1 report(s)", "computed ", "deleted 0 processed report(s)",
		"integrity: ok", "would delete 0 packages"} {
		i := strings.Index(out, step)
		if i < 0 || (len(at) > 0 && i < at[len(at)-1]) {
			t.Fatalf("all: got\n%s\nwant %q after the steps before it", out, step)
		}
		at = append(at, i)
	}
	if out := runCLI(t, data, "all", "--quiet"); out != "" {
		t.Errorf("all --quiet: got %q, want nothing", out)
	}

	// A mirror on a closed loopback port: refresh fails, process never runs.
	db = store.OpenTestFile(t, filepath.Join(data, "patchward.db"))
	hr.Repos = []store.ReportedRepo{{Type: "deb", Name: "dead", Priority: 500, URLs: []string{"http://127.0.0.1:1/debian/dists/x/main/binary-amd64/"}}}
	_, err = db.ApplyHostReport(t.Context(), 0, hr)
	must(t, err)
	pending, err := db.SaveReport(t.Context(), store.Report{Protocol: "native"}, hr)
	must(t, err)
	db.Close()
	var stdout, stderr strings.Builder
	err = run(t.Context(), []string{"all", "--quiet", "--data", data}, testEnviron(), strings.NewReader(""), &stdout, &stderr)
	if err == nil || !strings.HasPrefix(err.Error(), "all: refresh: 1 mirror(s) failed") {
		t.Errorf("all with a dead mirror: got %v, want all: refresh: 1 mirror(s) failed", err)
	}
	if stdout.String() != "" {
		t.Errorf("all --quiet: stdout %q, want nothing", stdout.String())
	}
	db = store.OpenTestFile(t, filepath.Join(data, "patchward.db"))
	r, err := db.Report(t.Context(), pending)
	must(t, err)
	db.Close()
	if r.Status != store.ReportPending {
		t.Errorf("after a failed refresh: report is %s, want pending (process must not run)", r.Status)
	}
}

// TestCLIQuiet: every command that prints progress or a summary prints nothing with --quiet.
func TestCLIQuiet(t *testing.T) {
	data := seedHosts(t, map[string][]store.PackageKey{"a.example.org": {deb("bash", "5.2.15-2")}})
	dir := t.TempDir()
	b1, b2 := filepath.Join(dir, "1.db"), filepath.Join(dir, "2.db")
	for _, args := range [][]string{
		{"refresh"}, {"process"}, {"find-updates"}, {"find-updates", "--host", "a.example.org"}, {"clean-reports"},
		{"dbcheck"}, {"dbcheck", "--fix"}, {"all"}, {"repo", "link"}, {"backup", b1}, {"restore", b1},
	} {
		if out := runCLI(t, data, append(args, "--quiet")...); out != "" {
			t.Errorf("patchward %s --quiet: got %q, want nothing", strings.Join(args, " "), out)
		}
		if args[0] == "backup" {
			args[1] = b2 // a backup never overwrites a file
		}
		if out := runCLI(t, data, args...); out == "" {
			t.Errorf("patchward %s: got nothing, want its summary", strings.Join(args, " "))
		}
	}
}

// TestREADMECommands: the README's command table names every command, and its Patchman table
// every flag of `patchman -h` that an admin moving over types.
func TestREADMECommands(t *testing.T) {
	b, err := os.ReadFile("README.md")
	must(t, err)
	readme := string(b)
	for _, s := range commands {
		for _, c := range s.Commands {
			if !regexp.MustCompile("`patchward " + regexp.QuoteMeta(c.Name) + "[ `]").MatchString(readme) {
				t.Errorf("README command table: no row for %q", c.Name)
			}
		}
	}
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile("\\| `patchman ([^`]*)`").FindAllStringSubmatch(readme, -1) {
		for _, f := range strings.Fields(m[1]) {
			seen[f] = true
		}
	}
	for _, f := range strings.Fields("-r -f -q -R -lr -lh -u -A -H -p -c -d -n -a -D -e -v") {
		if !seen[f] {
			t.Errorf("README Patchman table: no row for patchman %s", f)
		}
	}
}
