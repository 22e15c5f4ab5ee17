package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// oneClickForms lists the forms of doc that delete or revoke without a confirm step first.
func oneClickForms(doc *goquery.Document) []string {
	var out []string
	doc.Find("form").Each(func(_ int, f *goquery.Selection) {
		action, _ := f.Attr("action")
		if (strings.HasSuffix(action, "/delete") || strings.HasSuffix(action, "/revoke")) &&
			f.ParentsFiltered("details.confirm").Length() == 0 {
			out = append(out, action)
		}
	})
	return out
}

// confirmStep returns the text of confirm step id and the action and label of its form.
func confirmStep(t *testing.T, doc *goquery.Selection, id string) (what, action, button string) {
	t.Helper()
	d := doc.Find(`details.confirm[data-testid="` + id + `"]`)
	if d.Length() != 1 {
		t.Fatalf("%s: got %d confirm steps, want 1", id, d.Length())
	}
	action, _ = d.Find("form").Attr("action")
	return text(d.Find(`[data-testid="` + id + `-what"]`)), action, text(d.Find(`[data-testid="` + id + `-button"]`))
}

func TestDestructiveButtonsAskFirst(t *testing.T) {
	env := newTestEnv(t)
	admin := env.session(t, adminName)
	if _, _, err := env.db.CreateAPIKey(t.Context(), "deploy bot", "api", roleOperator); err != nil {
		t.Fatal(err)
	}
	if _, _, err := env.db.CreateEnrollToken(t.Context(), "lab site"); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/hosts/web1.example.org", "/admin", "/reports/1"} {
		if got := oneClickForms(env.page(t, target, admin)); len(got) != 0 {
			t.Errorf("%s: one-click delete/revoke forms %v, want each behind a confirm step", target, got)
		}
	}
	tests := []struct {
		page, id, action string
		what             []string
		button           string
	}{
		{"/hosts/web1.example.org", "host-delete", "/hosts/web1.example.org/delete",
			[]string{"web1.example.org", "3 installed packages", "reports stay"}, "Delete web1.example.org"},
		{"/admin", "key-revoke", "/admin/api-keys/1/revoke", []string{`"deploy bot"`, "refused"}, "Revoke key deploy bot"},
		{"/admin", "token-revoke", "/admin/enroll-tokens/1/revoke", []string{`"lab site"`, "0 hosts enrolled"}, "Revoke token lab site"},
		{"/reports/1", "report-delete", "/reports/1/delete", []string{"#1", "rejected", "bad.example.org"}, "Delete report #1"},
	}
	for _, tt := range tests {
		what, action, button := confirmStep(t, env.page(t, tt.page, admin).Selection, tt.id)
		if action != tt.action || button != tt.button {
			t.Errorf("%s: got form %q with button %q, want %q and %q", tt.id, action, button, tt.action, tt.button)
		}
		for _, w := range tt.what {
			if !strings.Contains(what, w) {
				t.Errorf("%s: got %q, want it to name %q", tt.id, what, w)
			}
		}
	}
}

func TestBulkDeleteAsksFirst(t *testing.T) {
	env := newTestEnv(t)
	op := env.session(t, operatorName)
	doc := env.page(t, "/hosts", op)
	var actions []string
	doc.Find(`[data-testid="bulk-action"] option`).Each(func(_ int, o *goquery.Selection) { actions = append(actions, o.AttrOr("value", "")) })
	if slices.Contains(actions, "delete") || !slices.Contains(actions, "delete-review") {
		t.Errorf("bulk actions %v: want delete-review and no one-click delete", actions)
	}
	rec := env.do(t, http.MethodPost, "/hosts/bulk", url.Values{"action": {"delete-review"}, "host": {"db1.example.net", "web2.example.org"},
		"back": {"/hosts?q=example"}}, op, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("review: got %d, want 200", rec.Code)
	}
	doc = parseHTML(t, rec)
	var names []string
	doc.Find(`[data-testid="bulk-delete-name"]`).Each(func(_ int, li *goquery.Selection) { names = append(names, text(li)) })
	if !slices.Equal(names, []string{"db1.example.net", "web2.example.org"}) {
		t.Errorf("review names %v, want db1 and web2", names)
	}
	if _, err := env.db.HostByName(t.Context(), "db1.example.net"); err != nil {
		t.Fatalf("the review deleted: %v", err)
	}
	form := url.Values{}
	doc.Find(`[data-testid="bulk-delete-form"] input[type="hidden"]`).Each(func(_ int, in *goquery.Selection) {
		form.Add(in.AttrOr("name", ""), in.AttrOr("value", ""))
	})
	if form.Get("action") != "delete" || len(form["host"]) != 2 {
		t.Fatalf("confirm form %v: want action delete with both hosts", form)
	}
	rec = env.do(t, http.MethodPost, "/hosts/bulk", form, op, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/hosts?msg=bulk-delete&q=example" {
		t.Fatalf("confirm: got %d to %q, want 303 back to the list", rec.Code, rec.Header().Get("Location"))
	}
	if got := hostCounts(env.page(t, "/hosts", op)); len(got) != 1 {
		t.Errorf("after the confirmed delete: hosts %v, want web1 only", got)
	}
}

func TestBulkAllMatching(t *testing.T) {
	env := newTestEnv(t)
	op := env.session(t, operatorName)
	doc := env.page(t, "/hosts?tag=web&sort=os", op)
	if got := text(doc.Find(`[data-testid="bulk-all"]`).Parent()); !strings.Contains(got, "all 2 matching hosts") {
		t.Errorf("all-matching option: got %q, want it to count 2 matching hosts", got)
	}
	filter, _ := doc.Find(`[data-testid="bulk-filter"]`).Attr("value")
	if filter != "tag=web" {
		t.Fatalf("bulk filter: got %q, want tag=web", filter)
	}
	// No row ticked: all=1 acts on every host of the filter.
	rec := env.do(t, http.MethodPost, "/hosts/bulk", url.Values{"action": {"tag"}, "tag": {"green"}, "all": {"1"}, "filter": {filter}}, op, nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("tag all matching: got %d", rec.Code)
	}
	if got := hostCounts(env.page(t, "/hosts?tag=green", op)); len(got) != 2 || got["db1.example.net"] != "" {
		t.Errorf("tagged: %v, want web1 and web2", got)
	}
	// Without all=1 only the ticked rows count, filter or not.
	env.do(t, http.MethodPost, "/hosts/bulk", url.Values{"action": {"tag"}, "tag": {"teal"}, "host": {"web1.example.org"}, "filter": {filter}}, op, nil)
	if got := hostCounts(env.page(t, "/hosts?tag=teal", op)); len(got) != 1 {
		t.Errorf("ticked only: %v, want web1", got)
	}
	rec = env.do(t, http.MethodPost, "/hosts/bulk", url.Values{"action": {"delete-review"}, "all": {"1"}, "filter": {""}}, op, nil)
	if n := parseHTML(t, rec).Find(`[data-testid="bulk-delete-name"]`).Length(); rec.Code != http.StatusOK || n != 3 {
		t.Errorf("review of all hosts: got %d with %d names, want 200 and 3", rec.Code, n)
	}
	if env.page(t, "/hosts", op).Find(`[data-testid="bulk-all"]`).Length() != 0 {
		t.Error("one unfiltered page: want no all-matching option (the ticked rows are all there is)")
	}
}

func TestAPIBulkOnFilter(t *testing.T) {
	env := newTestEnv(t)
	op := env.session(t, operatorName)
	code, out := env.apiCall(t, http.MethodPost, "/api/v1/hosts/bulk", `{"action":"tag","filter":"tag=web,-prod","tag":"canary"}`, op, "")
	if code != http.StatusOK || out["hosts"] != float64(1) {
		t.Fatalf("tag by filter: got %d %v, want 1 host (web2)", code, out)
	}
	if got := hostCounts(env.page(t, "/hosts?tag=canary", op)); len(got) != 1 || got["web2.example.org"] == "" {
		t.Errorf("tagged by filter: %v, want web2", got)
	}
	code, out = env.apiCall(t, http.MethodPost, "/api/v1/hosts/bulk", `{"action":"find-updates","filter":""}`, op, "")
	if code != http.StatusOK || out["hosts"] != float64(3) {
		t.Errorf(`filter "" : got %d %v, want all 3 hosts`, code, out)
	}
	if code, _ := env.apiCall(t, http.MethodPost, "/api/v1/hosts/bulk", `{"action":"delete"}`, op, ""); code != http.StatusBadRequest {
		t.Errorf("neither hosts nor filter: got %d, want 400", code)
	}
}
