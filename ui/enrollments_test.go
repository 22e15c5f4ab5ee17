package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"patchward/store"
)

// askEnroll is an agent asking to enroll hostname, which already reports, with a site token
// that needs approval for existing names: the request waits for an admin.
func (e *testEnv) askEnroll(t *testing.T, token, hostname string) {
	t.Helper()
	if _, _, err := e.db.EnrollHost(t.Context(), token, hostname); !errors.Is(err, store.ErrApprovalNeeded) {
		t.Fatalf("enroll %s: got %v, want ErrApprovalNeeded", hostname, err)
	}
}

func TestPendingEnrollmentsOnAdminPage(t *testing.T) {
	env := newTestEnv(t)
	admin := env.session(t, adminName)
	if env.page(t, "/admin", admin).Find(`[data-testid="no-pending"]`).Length() != 1 {
		t.Error("nothing pending: want the empty message")
	}
	site, _, err := env.db.CreateEnrollToken(t.Context(), "site-b")
	if err != nil {
		t.Fatal(err)
	}
	env.askEnroll(t, site, "web1.example.org")
	env.askEnroll(t, site, "web2.example.org")

	doc := env.page(t, "/admin", admin)
	rows := doc.Find(`[data-testid="pending-row"]`)
	if rows.Length() != 2 || !strings.Contains(text(rows.First()), "web1.example.org") || !strings.Contains(text(rows.First()), "site-b") {
		t.Fatalf("pending rows: got %d (%q), want web1 and web2 from site-b", rows.Length(), text(rows))
	}
	// A viewer and an operator cannot decide.
	for _, who := range []string{viewerName, operatorName} {
		if rec := env.do(t, http.MethodPost, "/admin/enrollments/web1.example.org/approve", url.Values{}, env.session(t, who), nil); rec.Code != http.StatusForbidden {
			t.Errorf("approve as %s: got %d, want 403", who, rec.Code)
		}
	}
	rec := env.do(t, http.MethodPost, "/admin/enrollments/WEB1.example.org./approve", url.Values{}, admin, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("approve: got %d", rec.Code)
	}
	doc = parseHTML(t, rec)
	if msg, isErr := flash(doc); isErr || !strings.Contains(msg, "web1.example.org approved") {
		t.Errorf("notice: got %q (error %v)", msg, isErr)
	}
	if doc.Find(`[data-testid="pending-approved"]`).Length() != 1 {
		t.Error("after approving: want web1 shown as approved, waiting for the agent")
	}
	if e := env.lastAudit(t); e.Action != "enrollment.approve" || !strings.Contains(e.Detail, "web1.example.org") {
		t.Errorf("audit: got %+v", e)
	}
	// The approved agent now enrolls; the dismissed one is asked again.
	if _, _, err := env.db.EnrollHost(t.Context(), site, "web1.example.org"); err != nil {
		t.Errorf("enroll after approval: %v", err)
	}
	if rec := env.do(t, http.MethodPost, "/admin/enrollments/web2.example.org/dismiss", url.Values{}, admin, nil); rec.Code != http.StatusOK {
		t.Fatalf("dismiss: got %d", rec.Code)
	}
	if pending, _ := env.db.PendingEnrollments(t.Context()); len(pending) != 0 {
		t.Errorf("after approve+enroll and dismiss: %d still pending", len(pending))
	}
	if rec := env.do(t, http.MethodPost, "/admin/enrollments/web2.example.org/dismiss", url.Values{}, admin, nil); rec.Code != http.StatusNotFound {
		t.Errorf("dismiss again: got %d, want 404", rec.Code)
	}
	env.askEnroll(t, site, "web2.example.org")
}

func TestPendingEnrollmentsAPI(t *testing.T) {
	env := newTestEnv(t)
	admin, operator := env.session(t, adminName), env.session(t, operatorName)
	// A token made through the API with allow_existing enrolls existing names at once; one
	// without waits for approval.
	code, out := env.apiCall(t, http.MethodPost, "/api/v1/enroll-tokens", `{"name":"rebuild","allow_existing":true}`, admin, "")
	if code != http.StatusCreated {
		t.Fatalf("create token: %d %v", code, out)
	}
	if _, _, err := env.db.EnrollHost(t.Context(), out["secret"].(string), "web1.example.org"); err != nil {
		t.Errorf("allow_existing token: %v", err)
	}
	code, out = env.apiCall(t, http.MethodPost, "/api/v1/enroll-tokens", `{"name":"site"}`, admin, "")
	if code != http.StatusCreated {
		t.Fatalf("create token: %d %v", code, out)
	}
	env.askEnroll(t, out["secret"].(string), "web2.example.org")

	if code, _ := env.apiCall(t, http.MethodGet, "/api/v1/enrollments", "", operator, ""); code != http.StatusForbidden {
		t.Errorf("list as operator: got %d, want 403", code)
	}
	code, out = env.apiCall(t, http.MethodGet, "/api/v1/enrollments", "", admin, "")
	items, _ := out["items"].([]any)
	if code != http.StatusOK || len(items) != 1 {
		t.Fatalf("list: got %d %v, want web2 only", code, out)
	}
	if it := items[0].(map[string]any); it["hostname"] != "web2.example.org" || it["token_name"] != "site" || it["approved"] != nil {
		t.Errorf("pending item: got %v", it)
	}
	code, out = env.apiCall(t, http.MethodPost, "/api/v1/enrollments/web2.example.org/approve", "", admin, "")
	if code != http.StatusOK || out["done"] != "approved" {
		t.Fatalf("approve: got %d %v", code, out)
	}
	if code, out := env.apiCall(t, http.MethodDelete, "/api/v1/enrollments/nobody.example.org", "", admin, ""); code != http.StatusNotFound {
		t.Errorf("dismiss unknown: got %d %v, want 404", code, out)
	}
	if code, out := env.apiCall(t, http.MethodDelete, "/api/v1/enrollments/web2.example.org", "", admin, ""); code != http.StatusOK || out["done"] != "dismissed" {
		t.Errorf("dismiss: got %d %v", code, out)
	}
}

func TestAllowExistingTokenFromAdminForm(t *testing.T) {
	env := newTestEnv(t)
	admin := env.session(t, adminName)
	rec := env.do(t, http.MethodPost, "/admin/enroll-tokens", url.Values{"name": {"rebuild"}, "allow_existing": {"on"}}, admin, nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create: got %d", rec.Code)
	}
	toks, err := env.db.EnrollTokens(t.Context())
	if err != nil || len(toks) != 1 || !toks[0].AllowExisting {
		t.Fatalf("tokens: %+v %v, want one that allows existing names", toks, err)
	}
	if e := env.lastAudit(t); !strings.Contains(e.Detail, "already report") {
		t.Errorf("audit: got %+v, want the allowance named", e)
	}
}
