package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// groupID returns the id of the named OS group.
func groupID(t *testing.T, env *testEnv, name string) string {
	t.Helper()
	gs, err := env.db.OSGroups(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		if g.Name == name {
			return id64(g.ID)
		}
	}
	t.Fatalf("no OS group %q in %+v", name, gs)
	return ""
}

func TestRenameAndDeleteOSGroupInUI(t *testing.T) {
	env := newTestEnv(t)
	op := env.session(t, operatorName)
	id := groupID(t, env, "Debian 12")
	env.do(t, http.MethodPost, "/os/groups/"+id+"/repos", url.Values{"repo": {"1"}}, op, nil)
	doc := env.page(t, "/os", op)
	if got := oneClickForms(doc); len(got) != 0 {
		t.Errorf("one-click delete forms %v", got)
	}
	what, action, _ := confirmStep(t, doc.Find("#group-"+id), "group-delete")
	if action != "/os/groups/"+id+"/delete" {
		t.Errorf("delete form posts to %q", action)
	}
	// The step counts what the change affects before anything changes.
	for _, w := range []string{"Debian 12", "1 variant", "2 hosts", "1 repository"} {
		if !strings.Contains(what, w) {
			t.Errorf("delete step %q: want it to say %q", what, w)
		}
	}
	rec := env.do(t, http.MethodPost, "/os/groups/"+id+"/rename", url.Values{"name": {"Debian bookworm"}}, op, nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("rename: got %d", rec.Code)
	}
	if e := env.lastAudit(t); e.Action != "osgroup.rename" {
		t.Errorf("audit: got %+v", e)
	}
	if got := hostCounts(env.page(t, "/hosts?os=Debian+bookworm", op)); len(got) != 2 {
		t.Errorf("hosts in the renamed group: %v, want web1 and web2", got)
	}
	if rec := env.do(t, http.MethodPost, "/os/groups/"+groupID(t, env, "Rocky Linux 9")+"/rename", url.Values{"name": {"Debian bookworm"}}, op, nil); rec.Code != http.StatusConflict {
		t.Errorf("rename to a taken name: got %d, want 409", rec.Code)
	}
	if rec := env.do(t, http.MethodPost, "/os/groups/"+id+"/delete", url.Values{}, op, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("delete: got %d", rec.Code)
	}
	if h, _ := env.db.HostByName(t.Context(), "web1.example.org"); h.OSGroup != "" {
		t.Errorf("web1 after the group went: group %q, want none", h.OSGroup)
	}
	if rec := env.do(t, http.MethodPost, "/os/groups/"+id+"/delete", url.Values{}, op, nil); rec.Code != http.StatusNotFound {
		t.Errorf("delete again: got %d, want 404", rec.Code)
	}
}

func TestHostReposOnlySetting(t *testing.T) {
	env := newTestEnv(t)
	op := env.session(t, operatorName)
	doc := env.page(t, "/hosts/web2.example.org", op)
	if got := text(doc.Find(`[data-testid="host-repos-only"]`)); !strings.HasPrefix(got, "its own only") {
		t.Errorf("setting shown: got %q", got)
	}
	if env.page(t, "/hosts/web2.example.org", env.session(t, viewerName)).Find(`[data-testid="host-settings-form"]`).Length() != 0 {
		t.Error("viewer: want no settings form")
	}
	rec := env.do(t, http.MethodPost, "/hosts/web2.example.org/settings", url.Values{"host_repos_only": {"0"}}, op, nil)
	if rec.Code != http.StatusSeeOther || env.act.findUpdates != 1 {
		t.Fatalf("switch: got %d, %d update runs; want 303 and the counts recomputed", rec.Code, env.act.findUpdates)
	}
	if got := text(env.page(t, "/hosts/web2.example.org", op).Find(`[data-testid="host-repos-only"]`)); !strings.HasPrefix(got, "its own and its OS group's") {
		t.Errorf("after the switch: got %q", got)
	}
	if e := env.lastAudit(t); e.Action != "host.settings" || !strings.Contains(e.Detail, "host_repos_only=false") {
		t.Errorf("audit: got %+v", e)
	}
	if rec := env.do(t, http.MethodPost, "/hosts/web2.example.org/settings", url.Values{"host_repos_only": {"maybe"}}, op, nil); rec.Code != http.StatusBadRequest {
		t.Errorf("bad value: got %d, want 400", rec.Code)
	}
	code, out := env.apiCall(t, http.MethodPatch, "/api/v1/hosts/web2.example.org", `{"host_repos_only":true}`, op, "")
	if code != http.StatusOK || out["host_repos_only"] != true {
		t.Errorf("API: got %d %v, want host_repos_only true", code, out)
	}
	code, out = env.apiCall(t, http.MethodPatch, "/api/v1/hosts/web2.example.org", `{"check_dns":false}`, op, "")
	if code != http.StatusOK || out["check_dns"] != false || out["host_repos_only"] != true {
		t.Errorf("API check_dns: got %d %v, want check_dns false, host_repos_only still true", code, out)
	}
	if e := env.lastAudit(t); e.Action != "host.settings" || !strings.Contains(e.Detail, "check_dns=false") {
		t.Errorf("audit: got %+v", e)
	}
	if h, _ := env.db.HostByName(t.Context(), "web2.example.org"); h.CheckDNS {
		t.Error("check_dns still on after the PATCH")
	}
	if code, _ := env.apiCall(t, http.MethodPatch, "/api/v1/hosts/web2.example.org", `{}`, op, ""); code != http.StatusBadRequest {
		t.Errorf("API without the setting: got %d, want 400", code)
	}
	if code, _ := env.apiCall(t, http.MethodPatch, "/api/v1/hosts/web2.example.org", `{"host_repos_only":false}`, env.session(t, viewerName), ""); code != http.StatusForbidden {
		t.Errorf("API as viewer: got %d, want 403", code)
	}
}
