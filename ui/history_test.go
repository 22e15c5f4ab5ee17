package ui

import (
	"net/http"
	"strings"
	"testing"

	"patchward/store"
)

// TestHostHistory: the host page lists the host's changes, newest first, and the API gives the
// same events; a second report with an upgraded package adds an "upgraded" event.
func TestHostHistory(t *testing.T) {
	env := newTestEnv(t)
	ctx := t.Context()
	h, err := env.db.HostByName(ctx, "web1.example.org")
	if err != nil {
		t.Fatal(err)
	}
	before, err := env.db.HostEvents(ctx, h.ID, 0)
	if err != nil || len(before) == 0 || before[len(before)-1].Kind != store.EventFirst {
		t.Fatalf("seeded host events: %+v %v, want its first report", before, err)
	}
	pkgs, err := env.db.HostPackages(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	hr := store.HostReport{Hostname: h.Hostname, OS: h.OS, Kernel: h.Kernel, Arch: h.Arch, Received: testNow.Add(1)}
	for _, p := range pkgs {
		if p.Name == "bash" {
			p.Release = "99"
		}
		hr.Packages = append(hr.Packages, p)
	}
	id, err := env.db.SaveReport(ctx, store.Report{Protocol: "native"}, hr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.db.ApplyHostReport(ctx, id, hr); err != nil {
		t.Fatal(err)
	}
	c := env.session(t, viewerName)
	doc := env.page(t, "/hosts/web1.example.org", c)
	row := doc.Find(`[data-testid="history-row"]`).First()
	if kind, _ := row.Attr("data-kind"); kind != store.EventUpgraded || !strings.Contains(text(row), "bash") {
		t.Errorf("newest history row: %q (%s), want bash upgraded", text(row), kind)
	}
	code, out := env.apiCall(t, http.MethodGet, "/api/v1/hosts/web1.example.org/history?limit=1", "", c, "")
	items, _ := out["items"].([]any)
	if code != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["kind"] != store.EventUpgraded {
		t.Errorf("API history: %d %v", code, out)
	}
}
