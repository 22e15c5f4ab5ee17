package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func statOf(t *testing.T, env *testEnv, key string) string {
	t.Helper()
	return text(env.page(t, "/", env.session(t, viewerName)).Find(`[data-testid="stat-` + key + `"] .stat-value`))
}

func TestRepoChangeRecomputesCountsAtOnce(t *testing.T) {
	env := newTestEnv(t)
	env.srv.act.FindUpdates = func(context.Context) error { env.act.findUpdates++; return computeUpdates(env.db) }
	env.h = env.srv.routes()
	c := env.session(t, adminName)
	id := repoIDByName(t, env, c, "Debian bookworm main")
	if got := statOf(t, env, "security"); got != "1" {
		t.Fatalf("security stat before: got %q, want 1", got)
	}
	rec := env.do(t, http.MethodPost, "/repos/"+id+"/security", url.Values{"security": {"1"}}, c, nil)
	if rec.Code != http.StatusSeeOther || env.act.findUpdates != 1 {
		t.Fatalf("mark as security: got %d, %d update runs, want 303 and 1", rec.Code, env.act.findUpdates)
	}
	// No "Find updates now" in between: the dashboard counts the change already.
	if got := statOf(t, env, "security"); got != "2" {
		t.Errorf("security stat right after marking the repo: got %q, want 2", got)
	}
	if got := text(env.page(t, "/repos", c).Find(`[data-testid="counts-status"]`)); !strings.Contains(got, "current") {
		t.Errorf("repos page: got %q, want the counts said to be current", got)
	}
	rec = env.do(t, http.MethodPost, "/repos/"+id+"/security", url.Values{"security": {"0"}}, c, map[string]string{"HX-Request": "true"})
	if got := text(parseHTML(t, rec).Find(`[data-testid="counts-note"]`)); got != "Update counts recomputed." {
		t.Errorf("htmx toggle note: got %q", got)
	}
	env.do(t, http.MethodPost, "/repos/"+id+"/enabled", url.Values{"enabled": {"0"}}, c, nil)
	if env.act.findUpdates != 3 {
		t.Errorf("after disabling the repo: got %d update runs, want 3", env.act.findUpdates)
	}
}

func TestRepoChangeSaysWhenCountsChange(t *testing.T) {
	env := newTestEnv(t)
	env.srv.act.FindUpdates = nil // this server cannot find updates from a request
	env.h = env.srv.routes()
	c := env.session(t, adminName)
	id := repoIDByName(t, env, c, "Debian bookworm main")
	rec := env.do(t, http.MethodPost, "/repos/"+id+"/security", url.Values{"security": {"1"}}, c, map[string]string{"HX-Request": "true"})
	if got := text(parseHTML(t, rec).Find(`[data-testid="counts-note"]`)); !strings.Contains(got, "next scheduled update run") {
		t.Errorf("htmx toggle note: got %q, want when the counts change", got)
	}
	got := text(env.page(t, "/repos", c).Find(`[data-testid="counts-status"]`))
	if !strings.HasPrefix(got, "2 hosts wait for update finding") || !strings.Contains(got, "next scheduled update run") {
		t.Errorf("repos page: got %q, want 2 hosts waiting until the next scheduled run", got)
	}
}
