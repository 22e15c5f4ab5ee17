package ui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"patchward/store"
)

// hostRepoNames are the names of the repositories web1 uses.
func hostRepoNames(t *testing.T, env *testEnv, host string) []string {
	t.Helper()
	h, err := env.db.HostByName(t.Context(), host)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := env.db.HostRepos(t.Context(), h.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

func TestDeleteRepoAndMirror(t *testing.T) {
	env := newTestEnv(t)
	env.srv.act.FindUpdates = func(context.Context) error { env.act.findUpdates++; return computeUpdates(env.db) }
	env.h = env.srv.routes()
	op := env.session(t, operatorName)
	const secName = "Debian bookworm-security main"
	sec := repoIDByName(t, env, op, secName)
	doc := env.page(t, "/repos", op)
	if got := oneClickForms(doc); len(got) != 0 {
		t.Errorf("/repos: one-click delete forms %v", got)
	}
	what, action, _ := confirmStep(t, doc.Find("#repo-"+sec+" .repo-head"), "repo-delete")
	if action != "/repos/"+sec+"/delete" {
		t.Errorf("repo delete posts to %q", action)
	}
	for _, w := range []string{secName, "1 mirror", "1 package", "1 host"} {
		if !strings.Contains(what, w) {
			t.Errorf("repo delete step %q: want it to say %q", what, w)
		}
	}
	if got := statOf(t, env, "security"); got != "1" {
		t.Fatalf("security stat before: %q", got)
	}
	if rec := env.do(t, http.MethodPost, "/repos/"+sec+"/delete", url.Values{}, op, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("delete repo: got %d", rec.Code)
	}
	if e := env.lastAudit(t); e.Action != "repo.delete" {
		t.Errorf("audit: got %+v", e)
	}
	if got := hostRepoNames(t, env, "web1.example.org"); len(got) != 1 || got[0] != "Debian bookworm main" {
		t.Errorf("web1's repositories after the delete: %v, want the main one only", got)
	}
	// Recomputed at once: web1's openssl update came from the deleted repository.
	if got := statOf(t, env, "security"); got != "0" {
		t.Errorf("security stat after the delete: got %q, want 0", got)
	}
	// The host's next report brings the repository back.
	if _, err := env.db.ApplyHostReport(t.Context(), 0, store.HostReport{Hostname: "web1.example.org", OS: "Debian GNU/Linux 12 (bookworm)",
		Arch: "amd64", Packages: []store.PackageKey{pkg("deb", "openssl", "amd64", "3.0.11", "1~deb12u1")},
		Repos: []store.ReportedRepo{{Type: "deb", Name: secName, Priority: 500, URLs: []string{debSecurity}}}}); err != nil {
		t.Fatal(err)
	}
	if got := hostRepoNames(t, env, "web1.example.org"); len(got) != 1 || got[0] != secName {
		t.Errorf("web1's repositories after its next report: %v, want the security one back", got)
	}

	main := repoIDByName(t, env, op, "Debian bookworm main")
	id, _ := strconv.ParseInt(main, 10, 64)
	repo, err := env.db.Repo(t.Context(), id)
	if err != nil || len(repo.Mirrors) != 1 {
		t.Fatalf("main repo: %+v %v", repo, err)
	}
	mirror := id64(repo.Mirrors[0].ID)
	what, action, _ = confirmStep(t, env.page(t, "/repos", op).Find("#repo-"+main), "mirror-delete")
	if action != "/mirrors/"+mirror+"/delete" || !strings.Contains(what, debMain) || !strings.Contains(what, "2 packages") {
		t.Errorf("mirror delete step %q posting to %q: want the URL and 2 packages named", what, action)
	}
	if rec := env.do(t, http.MethodPost, "/mirrors/"+mirror+"/delete", url.Values{}, op, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("delete mirror: got %d", rec.Code)
	}
	if n := env.page(t, "/repos", op).Find("#repo-" + main + ` [data-testid="no-mirrors"]`).Length(); n != 1 {
		t.Error("after deleting its mirror: want the repository kept, without mirrors")
	}
	if rec := env.do(t, http.MethodPost, "/mirrors/"+mirror+"/delete", url.Values{}, op, nil); rec.Code != http.StatusNotFound {
		t.Errorf("delete the mirror again: got %d, want 404", rec.Code)
	}
	if rec := env.do(t, http.MethodPost, "/repos/"+sec+"/delete", url.Values{}, op, nil); rec.Code != http.StatusNotFound {
		t.Errorf("delete the repo again: got %d, want 404", rec.Code)
	}
}
