package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"patchward/ingest"
	"patchward/ingest/wire"
	"patchward/store"
)

// fixtureReports are the captured patchman-client uploads (protocols 1 and 2) parsed as the
// intake parses them, under new host names.
func fixtureReports(t *testing.T) []store.HostReport {
	t.Helper()
	hdr, err := os.ReadFile("../ingest/testdata/patchman-protocol1-debian12.headers")
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile("../ingest/testdata/patchman-protocol1-debian12.body")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`boundary=(\S+)`).FindSubmatch(hdr)
	if m == nil {
		t.Fatal("no boundary in the captured headers")
	}
	fields, err := ingest.ReadProtocol1Form(body, string(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	fields["host"] = "p1.example.org"
	r1, _, err := ingest.ParseProtocol1(fields)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../ingest/testdata/patchman4-protocol2-debian12.http")
	if err != nil {
		t.Fatal(err)
	}
	_, js, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		t.Fatal("no body in the captured protocol 2 request")
	}
	var v map[string]any
	if err := json.Unmarshal(js, &v); err != nil {
		t.Fatal(err)
	}
	v["hostname"] = "p2.example.org"
	js, _ = json.Marshal(v)
	r2, _, err := ingest.ParseProtocol2(js)
	if err != nil {
		t.Fatal(err)
	}
	return []store.HostReport{r1, r2}
}

// agentReport is a native report of a patchward agent at version v, parsed by the intake.
func agentReport(t *testing.T, host, v string, up *wire.SelfUpdate) store.HostReport {
	t.Helper()
	b, err := json.Marshal(wire.Report{Version: wire.Version, Hostname: host, OS: "Debian GNU/Linux 12 (bookworm)",
		Kernel: "6.1.0-28-amd64", Arch: "x86_64", Packages: []wire.Package{}, Repos: []wire.Repo{},
		Agent: wire.ClientAgent + "/" + v, AgentVersion: v, SelfUpdate: up})
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := ingest.ParseNative(b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestClientKindsAndVersions: hosts show which client reports for them (Patchman's, without a
// version since its protocols carry none; the agent with its version), /hosts filters on the
// kind and on agents older than the server, and the dashboard counts those.
func TestClientKindsAndVersions(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	env.srv.opts.ServerVersion = "1.1.0"
	reports := append(fixtureReports(t),
		agentReport(t, "old.example.org", "1.0.0", &wire.SelfUpdate{From: "1.0.0", To: "1.1.0", Error: "signature does not verify"}),
		agentReport(t, "new.example.org", "1.1.0", nil),
		agentReport(t, "dev.example.org", "dev-0123456789ab", nil))
	for _, r := range reports {
		r.Received = testNow
		if _, err := env.db.ApplyHostReport(ctx, 0, r); err != nil {
			t.Fatal(err)
		}
	}
	c := env.session(t, adminName)
	for host, want := range map[string]string{
		"p1.example.org":  "patchman-client (protocol 1)",
		"p2.example.org":  "patchman-client (protocol 2)",
		"old.example.org": "patchward-agent 1.0.0 (outdated)",
		"new.example.org": "patchward-agent 1.1.0",
		"dev.example.org": "patchward-agent dev-0123456789ab",
	} {
		doc := env.page(t, "/hosts/"+host, c)
		if got := text(doc.Find(`[data-testid="host-client-detail"] [data-testid="host-client"]`)); got != want {
			t.Errorf("%s: client %q, want %q", host, got, want)
		}
	}
	doc := env.page(t, "/hosts/old.example.org", c)
	if got, want := text(doc.Find(`[data-testid="host-agent-update"]`)), "refused update from 1.0.0 to 1.1.0: signature does not verify"; !bytes.Contains([]byte(got), []byte(want)) {
		t.Errorf("self-update line %q, want it to contain %q", got, want)
	}

	listed := func(target string) []string {
		var out []string
		env.page(t, target, c).Find(`[data-testid="host-row"]`).Each(func(_ int, s *goquery.Selection) {
			out = append(out, s.AttrOr("data-host", ""))
		})
		return out
	}
	for target, want := range map[string][]string{
		"/hosts?client=patchman-client":                    {"p1.example.org", "p2.example.org"},
		"/hosts?client=patchward-agent":                    {"dev.example.org", "new.example.org", "old.example.org"},
		"/hosts?agent_outdated=yes":                        {"old.example.org"},
		"/hosts?client=patchman-client&agent_outdated=yes": nil,
	} {
		if diff := cmp.Diff(want, listed(target)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", target, diff)
		}
	}

	dash := env.page(t, "/", c)
	tile := dash.Find(`[data-testid="stat-outdatedagents"]`)
	if got := text(tile.Find(".stat-value")); got != "1" {
		t.Errorf("dashboard: %q agents older than the server, want 1", got)
	}
	if got := tile.AttrOr("href", ""); got != "/hosts?agent_outdated=yes" {
		t.Errorf("dashboard tile links to %q", got)
	}

	// The API carries the stable fields client and client_version.
	rec := env.do(t, "GET", "/api/v1/hosts?client=patchward-agent&agent_outdated=yes", nil, c, nil)
	var ans struct {
		Results []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil {
		t.Fatalf("%v: %s", err, rec.Body.String())
	}
	if len(ans.Results) != 1 || ans.Results[0]["client"] != "patchward-agent" || ans.Results[0]["client_version"] != "1.0.0" {
		t.Errorf("API hosts: %v", ans.Results)
	}

	// A dev server counts no agent as outdated, whatever the agents run.
	env.srv.opts.ServerVersion = ""
	if got := listed("/hosts?agent_outdated=yes"); got != nil {
		t.Errorf("dev server: outdated agents %v, want none", got)
	}
}
