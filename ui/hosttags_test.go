package ui

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"patchward/store"
)

// tagsOf returns the host page's reported and operator tags.
func tagsOf(doc *goquery.Document) (reported, operator []string) {
	doc.Find(`[data-testid="host-details"] [data-testid="tag-reported"]`).Each(func(_ int, s *goquery.Selection) { reported = append(reported, text(s)) })
	doc.Find(`[data-testid="host-details"] [data-testid="tag-operator"]`).Each(func(_ int, s *goquery.Selection) { operator = append(operator, text(s)) })
	return reported, operator
}

func TestOperatorTagsSurviveTheNextReport(t *testing.T) {
	env := newTestEnv(t)
	op := env.session(t, operatorName)
	if env.page(t, "/hosts/web1.example.org", env.session(t, viewerName)).Find(`[data-testid="tag-editor"]`).Length() != 0 {
		t.Error("viewer: want no tag editor")
	}
	doc := env.page(t, "/hosts/web1.example.org", op)
	if r, o := tagsOf(doc); !slices.Equal(r, []string{"prod", "web"}) || len(o) != 0 {
		t.Fatalf("before: reported %v operator %v, want [prod web] and none", r, o)
	}
	if action, _ := doc.Find(`[data-testid="tag-add-form"]`).Attr("action"); action != "/hosts/web1.example.org/tags" {
		t.Fatalf("tag editor posts to %q", action)
	}
	rec := env.do(t, http.MethodPost, "/hosts/web1.example.org/tags", url.Values{"add": {"rack-4, pinned"}}, op, nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("add tags: got %d", rec.Code)
	}
	if e := env.lastAudit(t); e.Action != "host.tags" || e.Actor != operatorName {
		t.Errorf("audit: got %+v, want host.tags by %s", e, operatorName)
	}
	env.do(t, http.MethodPost, "/hosts/bulk", url.Values{"action": {"tag"}, "tag": {"blue"}, "host": {"web1.example.org"}}, op, nil)
	// The host reports again with other tags of its own.
	if _, err := env.db.ApplyHostReport(t.Context(), 0, store.HostReport{Hostname: "web1.example.org", OS: "Debian GNU/Linux 12 (bookworm)",
		Kernel: "6.1.0-26-amd64", Arch: "amd64", Tags: []string{"web", "dmz"}, Packages: []store.PackageKey{pkg("deb", "bash", "amd64", "5.2.15", "2+b2")}}); err != nil {
		t.Fatal(err)
	}
	r, o := tagsOf(env.page(t, "/hosts/web1.example.org", op))
	if !slices.Equal(r, []string{"dmz", "web"}) || !slices.Equal(o, []string{"blue", "pinned", "rack-4"}) {
		t.Errorf("after the next report: reported %v operator %v, want [dmz web] and [blue pinned rack-4]", r, o)
	}
	env.do(t, http.MethodPost, "/hosts/web1.example.org/tags", url.Values{"remove": {"PINNED"}}, op, nil)
	if _, o := tagsOf(env.page(t, "/hosts/web1.example.org", op)); !slices.Equal(o, []string{"blue", "rack-4"}) {
		t.Errorf("after removing pinned: operator tags %v", o)
	}
	if rec := env.do(t, http.MethodPost, "/hosts/web1.example.org/tags", url.Values{"add": {"-old"}}, op, nil); rec.Code != http.StatusBadRequest {
		t.Errorf("a tag starting with -: got %d, want 400", rec.Code)
	}
	// The hosts list marks the operator's tags apart.
	list := env.page(t, "/hosts", op)
	if n := list.Find(`[data-host="web1.example.org"] [data-testid="tag-operator"]`).Length(); n != 2 {
		t.Errorf("hosts list: got %d operator tags on web1, want 2", n)
	}
	code, out := env.apiCall(t, http.MethodGet, "/api/v1/hosts/web1.example.org", "", op, "")
	host, _ := out["host"].(map[string]any)
	if code != http.StatusOK || len(host["operator_tags"].([]any)) != 2 || len(host["reported_tags"].([]any)) != 2 || len(host["tags"].([]any)) != 4 {
		t.Errorf("API host: got %d %v, want 2 operator, 2 reported, 4 tags", code, host)
	}
}

func TestHostTagsAPI(t *testing.T) {
	env := newTestEnv(t)
	op := env.session(t, operatorName)
	code, out := env.apiCall(t, http.MethodPut, "/api/v1/hosts/web2.example.org/tags", `{"tags":["lab","Lab","rack-1"]}`, op, "")
	if code != http.StatusOK || len(out["operator_tags"].([]any)) != 2 {
		t.Fatalf("PUT tags: got %d %v, want 2 operator tags", code, out)
	}
	if code, _ := env.apiCall(t, http.MethodPut, "/api/v1/hosts/web2.example.org/tags", `{"tags":["rack-1"]}`, env.session(t, viewerName), ""); code != http.StatusForbidden {
		t.Errorf("viewer: got %d, want 403", code)
	}
	code, out = env.apiCall(t, http.MethodPut, "/api/v1/hosts/web2.example.org/tags", `{"tags":[]}`, op, "")
	if code != http.StatusOK || len(out["operator_tags"].([]any)) != 0 || len(out["reported_tags"].([]any)) != 1 {
		t.Errorf("PUT []: got %d %v, want no operator tags and the reported one kept", code, out)
	}
}

func TestHostsTagFilterAllAndNot(t *testing.T) {
	env := newTestEnv(t)
	op := env.session(t, operatorName)
	env.do(t, http.MethodPost, "/hosts/db1.example.net/tags", url.Values{"add": {"old"}}, op, nil)
	names := func(target string) []string {
		t.Helper()
		var out []string
		for n := range hostCounts(env.page(t, target, op)) {
			out = append(out, n)
		}
		slices.Sort(out)
		return out
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"tag=web", []string{"web1.example.org", "web2.example.org"}},
		{"tag=web,prod", []string{"web1.example.org"}},
		{"tag=web&tag=prod", []string{"web1.example.org"}},
		{"tag=web,-prod", []string{"web2.example.org"}},
		{"tag=" + url.QueryEscape("!web"), []string{"db1.example.net"}},
		{"tag=-old", []string{"web1.example.org", "web2.example.org"}},
		{"tag=old", []string{"db1.example.net"}},
		{"tag=web,nope", nil},
	}
	for _, tt := range tests {
		if got := names("/hosts?" + tt.query); !slices.Equal(got, tt.want) {
			t.Errorf("/hosts?%s: got %v, want %v", tt.query, got, tt.want)
		}
		code, out := env.apiCall(t, http.MethodGet, "/api/v1/hosts?"+tt.query, "", op, "")
		if code != http.StatusOK || out["total"] != float64(len(tt.want)) {
			t.Errorf("/api/v1/hosts?%s: got %d total %v, want %d", tt.query, code, out["total"], len(tt.want))
		}
	}
	doc := env.page(t, "/hosts?tag=web&tag=-prod", op)
	if v, _ := doc.Find(`[data-testid="filter-tag"]`).Attr("value"); v != "web, -prod" {
		t.Errorf("tag filter field: got %q, want the filter shown as typed", v)
	}
}
