package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"patchward/store"
)

// enroll enrolls a fleet host through the store as the agent would and returns its token.
func (e *testEnv) enroll(t *testing.T, hostname string) string {
	t.Helper()
	// The test hosts reported before they enrolled: a token that may enroll existing names.
	et, _, err := e.db.CreateEnrollTokenWith(t.Context(), store.EnrollTokenSpec{Name: "site-a", AllowExisting: true})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := e.db.EnrollHost(t.Context(), et, hostname)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestAgentTokenBlock(t *testing.T) {
	env := newTestEnv(t)
	tok := env.enroll(t, "web1.example.org")
	if _, err := env.db.VerifyHostToken(t.Context(), tok); err != nil { // the agent reported once
		t.Fatal(err)
	}
	_, secret, _ := strings.Cut(tok, ".")
	for _, role := range []struct {
		user      string
		canRevoke bool
	}{{viewerName, false}, {operatorName, false}, {adminName, true}} {
		t.Run(role.user, func(t *testing.T) {
			c := env.session(t, role.user)
			rec := env.do(t, http.MethodGet, "/hosts/web1.example.org", nil, c, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("host page: got %d", rec.Code)
			}
			if strings.Contains(rec.Body.String(), secret) {
				t.Fatal("the host page shows the token's secret")
			}
			doc := parseHTML(t, rec)
			block := doc.Find(`[data-testid="agent-token"]`)
			if block.Length() != 1 {
				t.Fatal("enrolled host: no agent token block")
			}
			if got := text(block.Find(`[data-testid="agent-token-enroll"]`)); got != "site-a" {
				t.Errorf("enrollment token: got %q, want site-a", got)
			}
			for _, id := range []string{"agent-token-created", "agent-token-used"} {
				if block.Find(`[data-testid="`+id+`"] time`).Length() != 1 {
					t.Errorf("%s: want a time", id)
				}
			}
			if got := block.Find(`[data-testid="host-token-revoke-form"]`).Length() == 1; got != role.canRevoke {
				t.Errorf("revoke button shown: got %v, want %v", got, role.canRevoke)
			}
			doc = env.page(t, "/hosts/web2.example.org", c)
			if doc.Find(`[data-testid="agent-token-none"]`).Length() != 1 || doc.Find(`[data-testid="host-token-revoke-form"]`).Length() != 0 {
				t.Error("host without a token: want \"not enrolled\" and no revoke button")
			}
		})
	}
}

func TestRevokeHostTokenFromHostPage(t *testing.T) {
	env := newTestEnv(t)
	tok := env.enroll(t, "web1.example.org")
	if rec := env.do(t, http.MethodPost, "/hosts/web1.example.org/token/revoke", url.Values{}, env.session(t, operatorName), nil); rec.Code != http.StatusForbidden {
		t.Fatalf("operator: got %d, want 403", rec.Code)
	}
	if _, err := env.db.VerifyHostToken(t.Context(), tok); err != nil {
		t.Fatalf("after a refused revoke the token no longer verifies: %v", err)
	}
	admin := env.session(t, adminName)
	rec := env.do(t, http.MethodPost, "/hosts/web1.example.org/token/revoke", url.Values{}, admin, nil)
	loc := rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/hosts/web1.example.org?token=revoked") {
		t.Fatalf("revoke: got %d to %q, want 303 back to the host page", rec.Code, loc)
	}
	if _, err := env.db.VerifyHostToken(t.Context(), tok); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoked token: got %v, want it refused", err)
	}
	page, _, _ := strings.Cut(loc, "#") // browsers keep the fragment to themselves
	doc := env.page(t, page, admin)
	if doc.Find(`[data-testid="agent-token-revoked"]`).Length() != 1 || doc.Find(`[data-testid="agent-token-none"]`).Length() != 1 {
		t.Error("host page after revoking: want the revocation confirmed and the host shown as not enrolled")
	}
	if e := env.lastAudit(t); e.Action != "hosttoken.revoke" || e.Actor != adminName || !strings.Contains(e.Detail, "web1.example.org") {
		t.Errorf("audit: got %+v, want hosttoken.revoke of web1.example.org by %s", e, adminName)
	}
	if rec := env.do(t, http.MethodPost, "/hosts/web1.example.org/token/revoke", url.Values{}, admin, nil); rec.Code != http.StatusNotFound {
		t.Errorf("revoking again: got %d, want 404", rec.Code)
	}
}

func TestHostTokensOnAdminPage(t *testing.T) {
	env := newTestEnv(t)
	admin := env.session(t, adminName)
	if env.page(t, "/admin", admin).Find(`[data-testid="no-host-tokens"]`).Length() != 1 {
		t.Error("no host enrolled: want the empty message")
	}
	tok := env.enroll(t, "web1.example.org")
	env.enroll(t, "web2.example.org")
	doc := env.page(t, "/admin", admin)
	rows := doc.Find(`[data-testid="host-token-row"]`)
	if rows.Length() != 2 {
		t.Fatalf("host token rows: got %d, want 2", rows.Length())
	}
	form := doc.Find(`[data-host="web1.example.org"] [data-testid="host-token-revoke-form"]`)
	if action, _ := form.Attr("action"); action != "/hosts/web1.example.org/token/revoke" {
		t.Fatalf("revoke form: got action %q", action)
	}
	rec := env.do(t, http.MethodPost, "/hosts/web1.example.org/token/revoke", url.Values{"from": {"admin"}}, admin, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("revoke from the admin page: got %d, want 200", rec.Code)
	}
	doc = parseHTML(t, rec)
	if msg, isErr := flash(doc); isErr || !strings.Contains(msg, "web1.example.org revoked") {
		t.Errorf("notice: got %q (error %v), want the revocation confirmed", msg, isErr)
	}
	if doc.Find(`[data-host="web1.example.org"] .badge`).Length() != 1 || doc.Find(`[data-host="web2.example.org"] [data-testid="host-token-revoke-form"]`).Length() != 1 {
		t.Error("after revoking: want web1 marked revoked and web2 still revocable")
	}
	if _, err := env.db.VerifyHostToken(t.Context(), tok); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoked token: got %v, want it refused", err)
	}
}

func TestHostTokensAPI(t *testing.T) {
	env := newTestEnv(t)
	tok := env.enroll(t, "web1.example.org")
	_, secret, _ := strings.Cut(tok, ".")
	admin, operator := env.session(t, adminName), env.session(t, operatorName)
	if code, _ := env.apiCall(t, http.MethodGet, "/api/v1/host-tokens", "", operator, ""); code != http.StatusForbidden {
		t.Errorf("list as operator: got %d, want 403", code)
	}
	rec := env.doRaw(t, http.MethodGet, "/api/v1/host-tokens", "", map[string]string{"Cookie": admin.Name + "=" + admin.Value})
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, `"hostname": "web1.example.org"`) || !strings.Contains(body, `"enroll_name": "site-a"`) {
		t.Fatalf("list: got %d %s, want web1.example.org from site-a", rec.Code, body)
	}
	if strings.Contains(body, secret) || strings.Contains(body, `"hash"`) {
		t.Errorf("list shows a secret or a hash: %s", body)
	}
	if code, _ := env.apiCall(t, http.MethodDelete, "/api/v1/host-tokens/web1.example.org", "", operator, ""); code != http.StatusForbidden {
		t.Errorf("revoke as operator: got %d, want 403", code)
	}
	code, out := env.apiCall(t, http.MethodDelete, "/api/v1/host-tokens/WEB1.example.org", "", admin, "")
	if code != http.StatusOK || out["hostname"] != "web1.example.org" || out["done"] != "revoked" {
		t.Fatalf("revoke: got %d %v", code, out)
	}
	if _, err := env.db.VerifyHostToken(t.Context(), tok); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoked token: got %v, want it refused", err)
	}
	if e := env.lastAudit(t); e.Action != "hosttoken.revoke" {
		t.Errorf("audit: got %+v, want hosttoken.revoke", e)
	}
	if code, out := env.apiCall(t, http.MethodDelete, "/api/v1/host-tokens/web1.example.org", "", admin, ""); code != http.StatusNotFound {
		t.Errorf("revoke again: got %d %v, want 404", code, out)
	}
}
