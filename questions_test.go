package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"
)

// TestAdminQuestions answers the admin's first questions (issue 17) on real data: a
// repository built with dpkg-scanpackages (main and security suites) and a host whose dpkg
// status has one package with a pending security update, one with a pending bugfix update,
// one from no repository and one up to date, reported by the agent. Real apt, given the same
// status file and sources, is the oracle: what it would upgrade and what it marks
// [installed,local] must be what the CLI, the API and the pages say.
func TestAdminQuestions(t *testing.T) {
	requireTools(t, "dpkg-deb", "dpkg-scanpackages", "xz", "gzip", "apt-get", "apt")
	mirror := t.TempDir()
	buildDebSuite(t, filepath.Join(mirror, "debian"), "bookworm", []debPkg{
		{"alpha", "1.0-1", "amd64"}, {"beta", "2.0-1", "amd64"}, {"beta", "2.0-2", "amd64"}, {"delta", "4.0-1", "all"},
	})
	buildDebSuite(t, filepath.Join(mirror, "debian-security"), "bookworm-security", []debPkg{{"alpha", "1.0-2", "amd64"}})
	repoSrv := httptest.NewServer(http.FileServer(http.Dir(mirror)))
	defer repoSrv.Close()

	// The host: a file system root with its dpkg status, apt sources and os-release.
	root := t.TempDir()
	var status strings.Builder
	for _, p := range [][3]string{{"alpha", "1.0-1", "amd64"}, {"beta", "2.0-1", "amd64"}, {"gamma", "3.0-1", "amd64"}, {"delta", "4.0-1", "all"}} {
		fmt.Fprintf(&status, "Package: %s\nStatus: install ok installed\nPriority: optional\nSection: misc\n"+
			"Maintainer: T <t@example.invalid>\nArchitecture: %s\nVersion: %s\nDescription: x\n\n", p[0], p[2], p[1])
	}
	sources := fmt.Sprintf("deb [trusted=yes] %s/debian bookworm main\ndeb [trusted=yes] %s/debian-security bookworm-security main\n",
		repoSrv.URL, repoSrv.URL)
	for path, body := range map[string]string{
		"var/lib/dpkg/status":  status.String(),
		"etc/apt/sources.list": sources,
		"etc/os-release":       "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n",
		"etc/debian_version":   "12.11\n",
		"var/lib/dpkg/arch":    "amd64\n",
	} {
		must(t, os.MkdirAll(filepath.Dir(filepath.Join(root, path)), 0o755))
		must(t, os.WriteFile(filepath.Join(root, path), []byte(body), 0o644))
	}
	wantUpgrades, wantLocal := aptOracle(t, root)
	if !slices.Equal(wantUpgrades, []string{"alpha 1.0-2", "beta 2.0-2"}) || !slices.Equal(wantLocal, []string{"gamma"}) {
		t.Fatalf("apt oracle: upgrades %v, local %v; the fixture is off", wantUpgrades, wantLocal)
	}

	data := t.TempDir()
	base, logs := startServer(t, data)
	const host = "questions.example.org"
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"report", "--server", base, "--root", root, "--hostname", host,
		"--state-dir", t.TempDir()}, nil, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("report: %v\n%s", err, errOut.String())
	}
	waitFor(t, "the host's report", func() bool { return strings.Contains(runCLI(t, data, "hosts"), host) })
	runCLI(t, data, "refresh")
	runCLI(t, data, "find-updates")

	// CLI: `patchward updates` and `patchward packages --orphaned`.
	type update struct {
		Name, Installed, Available string
		Security                   bool
		HostCount                  int `json:"host_count"`
		Hosts                      []string
	}
	var ups []update
	must(t, json.Unmarshal([]byte(runCLI(t, data, "updates", "--json")), &ups))
	var got []string
	for _, u := range ups {
		got = append(got, u.Name+" "+u.Available)
		if u.HostCount != 1 || !slices.Equal(u.Hosts, []string{host}) {
			t.Errorf("updates --json: %s on %v (%d), want on %s", u.Name, u.Hosts, u.HostCount, host)
		}
		if u.Security != (u.Name == "alpha") {
			t.Errorf("updates --json: %s security=%v, want it only for alpha (from the security suite)", u.Name, u.Security)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, wantUpgrades) {
		t.Errorf("updates --json: %v, apt would upgrade %v", got, wantUpgrades)
	}
	ups = nil
	must(t, json.Unmarshal([]byte(runCLI(t, data, "updates", "--security", "--json")), &ups))
	if len(ups) != 1 || ups[0].Name != "alpha" {
		t.Errorf("updates --security: %+v, want alpha only", ups)
	}
	if text := runCLI(t, data, "updates", "--package", "beta"); !strings.Contains(text, "2.0-2") || strings.Contains(text, "alpha") {
		t.Errorf("updates --package beta:\n%s", text)
	}
	type local struct {
		Name, Version string
		Hosts         []string
	}
	for _, args := range [][]string{{"packages", "--orphaned", "--json"}, {"packages", "--orphaned", "--host", host, "--json"}} {
		var loc []local
		must(t, json.Unmarshal([]byte(runCLI(t, data, args...)), &loc))
		var names []string
		for _, l := range loc {
			names = append(names, l.Name)
		}
		if !slices.Equal(names, wantLocal) || loc[0].Version != "3.0-1" || !slices.Equal(loc[0].Hosts, []string{host}) {
			t.Errorf("%v: %+v, apt marks %v local", args, loc, wantLocal)
		}
	}

	// API.
	key := strings.TrimSpace(lastLine(runCLI(t, data, "apikey", "add", "questions", "--kind", "api", "--role", "viewer")))
	api := func(path string, v any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		must(t, json.NewDecoder(resp.Body).Decode(v))
	}
	hostsOf := func(q string) []string {
		var l struct{ Items []struct{ Hostname string } }
		api("/api/v1/hosts?"+q, &l)
		var names []string
		for _, h := range l.Items {
			names = append(names, h.Hostname)
		}
		return names
	}
	for q, want := range map[string][]string{
		"pending_security=alpha": {host}, "pending=beta": {host}, "pending_security=beta": nil,
		"package=gamma": {host}, "package=nosuch": nil, "pending=delta": nil, "local=yes": {host},
	} {
		if got := hostsOf(q); !slices.Equal(got, want) {
			t.Errorf("/api/v1/hosts?%s: %v, want %v", q, got, want)
		}
	}
	var apiUps struct{ Items []update }
	api("/api/v1/updates?package=alpha", &apiUps)
	if len(apiUps.Items) != 1 || !apiUps.Items[0].Security || apiUps.Items[0].Available != "1.0-2" {
		t.Errorf("/api/v1/updates?package=alpha: %+v", apiUps.Items)
	}
	var apiLocal struct{ Items []local }
	api("/api/v1/orphaned-packages", &apiLocal)
	if len(apiLocal.Items) != 1 || apiLocal.Items[0].Name != "gamma" {
		t.Errorf("/api/v1/orphaned-packages: %+v", apiLocal.Items)
	}

	// Pages, as the admin sees them.
	c := login(t, base, adminPassword(t, logs.String()))
	doc := page(t, c, base+"/updates")
	if n := doc.Find(`[data-testid="update-row"]`).Length(); n != 2 {
		t.Errorf("/updates: %d rows, want 2", n)
	}
	doc = page(t, c, base+"/hosts?pending_security=alpha")
	if got := strings.TrimSpace(doc.Find(`[data-testid="host-link"]`).Text()); got != host {
		t.Errorf("/hosts?pending_security=alpha: %q", got)
	}
	doc = page(t, c, base+"/packages/beta")
	if r := cells(doc.Find(`[data-testid="package-host-row"]`)); len(r) != 5 || r[0] != host || r[1] != "2.0-1" ||
		!strings.Contains(r[3], "/debian/dists/bookworm/main") || r[4] != "bugfix: 2.0-2" {
		t.Errorf("/packages/beta host row: %q, want the host, its version, the main repository and the bugfix update", r)
	}
	doc = page(t, c, base+"/hosts/"+host)
	if got := strings.TrimSpace(doc.Find(`[data-testid="host-local-count"]`).Text()); got != "1 package" {
		t.Errorf("host page, from no repository: %q, want 1 package", got)
	}
	doc = page(t, c, base+"/packages?orphaned=1")
	if got := cells(doc.Find(`[data-testid="orphaned-row"]`)); len(got) != 5 || got[0] != "gamma" || got[1] != "3.0-1" || got[4] != host {
		t.Errorf("/packages?orphaned=1: %q", got)
	}
	browserQuestions(t, base, adminPassword(t, logs.String()), host)
}

// cells are the trimmed texts of the cells of the first row in sel.
func cells(sel *goquery.Selection) []string {
	var out []string
	sel.First().Find("td").Each(func(_ int, td *goquery.Selection) { out = append(out, strings.Join(strings.Fields(td.Text()), " ")) })
	return out
}

// aptOracle asks real apt, in an isolated root with the host's status file and sources, what
// it would upgrade ("name version") and which installed packages it marks local (names).
func aptOracle(t *testing.T, root string) (upgrades, local []string) {
	t.Helper()
	state := t.TempDir()
	for _, d := range []string{"lists/partial", "cache/archives/partial"} {
		must(t, os.MkdirAll(filepath.Join(state, d), 0o755))
	}
	conf := filepath.Join(state, "apt.conf")
	must(t, os.WriteFile(conf, []byte(fmt.Sprintf(`Dir::State "%[1]s";
Dir::State::lists "%[1]s/lists";
Dir::State::status "%[2]s/var/lib/dpkg/status";
Dir::Cache "%[1]s/cache";
Dir::Etc::sourcelist "%[2]s/etc/apt/sources.list";
Dir::Etc::sourceparts "%[1]s/none";
Dir::Etc::preferencesparts "%[1]s/none";
Dir::Etc::trustedparts "%[1]s/none";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
Debug::NoLocking "true";
`, state, root)), 0o644))
	aptRun := func(args ...string) string {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "APT_CONFIG="+conf, "LC_ALL=C")
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, b)
		}
		return string(b)
	}
	aptRun("apt-get", "-qq", "update")
	for _, m := range regexp.MustCompile(`(?m)^Inst (\S+) \[[^]]+\] \((\S+)`).FindAllStringSubmatch(aptRun("apt-get", "-s", "upgrade"), -1) {
		upgrades = append(upgrades, m[1]+" "+m[2])
	}
	for _, line := range strings.Split(aptRun("apt", "list", "--installed"), "\n") {
		if strings.HasSuffix(line, "[installed,local]") {
			name, _, _ := strings.Cut(line, "/")
			local = append(local, name)
		}
	}
	slices.Sort(upgrades)
	return upgrades, local
}

// adminPassword is the first start's admin password from the server's console output.
func adminPassword(t *testing.T, logs string) string {
	t.Helper()
	m := regexp.MustCompile(`created user "admin" with password (\S+)`).FindStringSubmatch(logs)
	if m == nil {
		t.Fatalf("no admin password in the logs:\n%s", logs)
	}
	return m[1]
}

// login signs in as admin and returns a client carrying the session.
func login(t *testing.T, base, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(base+"/login", url.Values{"username": {"admin"}, "password": {password}})
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path == "/login" {
		t.Fatalf("login: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	return c
}

// page gets url with c and parses it; it must answer 200.
func page(t *testing.T, c *http.Client, url string) *goquery.Document {
	t.Helper()
	resp, err := c.Get(url)
	must(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	must(t, err)
	return doc
}

// browserQuestions answers the three questions in headless Chromium as the admin clicks them:
// the Updates page's host count for the security update leads to the host, the package page
// lists it with its version and pending update, and the packages from no repository are one
// filter away.
func browserQuestions(t *testing.T, base, password, host string) {
	t.Helper()
	const chromium = "/usr/bin/chromium"
	if _, err := exec.LookPath(chromium); err != nil {
		if os.Getenv("PATCHWARD_REQUIRE_TOOLS") == "1" {
			t.Fatalf("chromium required: %v", err)
		}
		t.Skipf("chromium not installed: %v", err)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(chromium), chromedp.Headless,
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1366, 900))
	defer cancelAlloc()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelT := context.WithTimeout(bctx, 60*time.Second)
	defer cancelT()
	css := func(testid string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + testid + `"]`) }
	step := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("browser: %v", err)
		}
	}
	text := func(testid string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(css(testid)))
		if err != nil {
			t.Fatalf("browser: text of %s: %v", testid, err)
		}
		return s
	}
	step(chromedp.Navigate(base+"/login"), chromedp.SendKeys(css("username"), "admin"), chromedp.SendKeys(css("password"), password),
		chromedp.Click(css("login-submit")), chromedp.WaitVisible(css("stats")))
	// Updates in the menu, then the host count of the security update's row.
	step(chromedp.Click(css("nav-updates")), chromedp.WaitVisible(css("updates-table")),
		chromedp.Click(chromedp.CSS(`[data-testid="update-row"] a[href^="/hosts?pending_security="]`)), chromedp.WaitVisible(css("host-link")))
	hostLink := text("host-link")
	step(chromedp.Navigate(base+"/packages/beta"), chromedp.WaitVisible(css("package-host-row")))
	pkgRow := text("package-host-row")
	step(chromedp.Navigate(base+"/packages"), chromedp.Click(css("filter-orphaned")), chromedp.Submit(css("filter-orphaned")),
		chromedp.WaitVisible(css("orphaned-row")))
	localRow := text("orphaned-row")
	step(chromedp.Navigate(base+"/hosts/"+host), chromedp.WaitVisible(css("host-local-count")))
	localCount := text("host-local-count")
	if strings.TrimSpace(hostLink) != host {
		t.Errorf("browser, hosts with the security update: %q, want %s", hostLink, host)
	}
	if f := strings.Fields(pkgRow); len(f) < 4 || f[0] != host || f[1] != "2.0-1" || !strings.Contains(pkgRow, "bugfix: 2.0-2") {
		t.Errorf("browser, /packages/beta host row: %q", pkgRow)
	}
	if !strings.HasPrefix(strings.TrimSpace(localRow), "gamma") || !strings.Contains(localRow, host) {
		t.Errorf("browser, packages from no repository: %q", localRow)
	}
	if strings.TrimSpace(localCount) != "1 package" {
		t.Errorf("browser, host's packages from no repository: %q", localCount)
	}
}
