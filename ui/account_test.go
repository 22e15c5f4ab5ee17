package ui

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"patchward/store"
)

const newViewerPassword = "a brand new passphrase"

// alive reports whether a session cookie still opens a page.
func (e *testEnv) alive(t *testing.T, c *http.Cookie) bool {
	t.Helper()
	rec := e.do(t, http.MethodGet, "/account", nil, c, nil)
	switch rec.Code {
	case http.StatusOK:
		return true
	case http.StatusSeeOther:
		return false
	}
	t.Fatalf("GET /account: got %d, want 200 or a login redirect", rec.Code)
	return false
}

// lastAudit returns the newest audit entry.
func (e *testEnv) lastAudit(t *testing.T) store.AuditEntry {
	t.Helper()
	log, err := e.db.AuditLog(t.Context(), 1)
	if err != nil || len(log) == 0 {
		t.Fatalf("audit log: %v, %d entries", err, len(log))
	}
	return log[0]
}

// flash returns the page's flash text and whether it is marked as an error.
func flash(doc *goquery.Document) (string, bool) {
	f := doc.Find(`[data-testid="flash"]`)
	return text(f), f.HasClass("flash-error")
}

func TestAccountPage(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, viewerName)
	env.session(t, viewerName) // a second session elsewhere
	doc := env.page(t, "/", c)
	if href, _ := doc.Find(`[data-testid="account-link"]`).Attr("href"); href != "/account" {
		t.Errorf("user menu: got account link %q, want /account", href)
	}
	doc = env.page(t, "/account", c)
	for id, want := range map[string]string{"account-name": viewerName, "account-role": "viewer", "account-sessions": "2",
		"account-last-login": "never"} {
		if got := text(doc.Find(`[data-testid="` + id + `"]`)); got != want {
			t.Errorf("%s: got %q, want %q", id, got, want)
		}
	}
	if doc.Find(`[data-testid="password-form"] input[type="password"]`).Length() != 3 {
		t.Error("password form: want current, new and new-again fields")
	}
}

func TestChangeOwnPasswordRefusals(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, viewerName)
	other := env.session(t, viewerName)
	tests := []struct {
		name              string
		current, n1, n2   string
		status            int
		msg               string
		countsAsFailLogin bool
	}{
		{"mismatched new passwords", viewerPassword, newViewerPassword, newViewerPassword + "x", http.StatusBadRequest, "differ", false},
		{"weak new password", viewerPassword, "short", "short", http.StatusBadRequest, "at least 12 characters", false},
		{"no current password", "", newViewerPassword, newViewerPassword, http.StatusBadRequest, "current password", false},
		{"same as the current one", viewerPassword, viewerPassword, viewerPassword, http.StatusBadRequest, "same", false},
		{"wrong current password", "not my password", newViewerPassword, newViewerPassword, http.StatusForbidden, "current password is wrong", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"current_password": {tt.current}, "new_password": {tt.n1}, "new_password_again": {tt.n2}}
			rec := env.do(t, http.MethodPost, "/account/password", form, c, nil)
			if rec.Code != tt.status {
				t.Fatalf("got %d, want %d; body %.400s", rec.Code, tt.status, rec.Body.String())
			}
			msg, isErr := flash(parseHTML(t, rec))
			if !isErr || !strings.Contains(msg, tt.msg) {
				t.Errorf("message: got %q (error %v), want an error saying %q", msg, isErr, tt.msg)
			}
		})
	}
	if err := env.db.CheckPassword(t.Context(), env.userID(t, viewerName), viewerPassword); err != nil {
		t.Errorf("after refusals: the old password no longer works: %v", err)
	}
	if !env.alive(t, other) {
		t.Error("after refusals: another session was ended")
	}
	if e := env.srv.throttle.entries["user:"+viewerName]; e == nil || e.failures != 1 {
		t.Errorf("throttle: got %+v, want the one wrong current password counted against the account", e)
	}
	for _, e := range mustAudit(t, env) {
		if e.Action == "user.password" {
			t.Errorf("refused changes wrote an audit entry: %+v", e)
		}
	}
}

func mustAudit(t *testing.T, env *testEnv) []store.AuditEntry {
	t.Helper()
	log, err := env.db.AuditLog(t.Context(), 100)
	if err != nil {
		t.Fatal(err)
	}
	return log
}

// TestChangeOwnPasswordThrottled: an account locked by failed logins cannot have its password
// checked on the account page either, even with the right one.
func TestChangeOwnPasswordThrottled(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, viewerName)
	for range freeFailures {
		env.srv.throttle.fail("user:" + viewerName)
	}
	form := url.Values{"current_password": {viewerPassword}, "new_password": {newViewerPassword}, "new_password_again": {newViewerPassword}}
	rec := env.do(t, http.MethodPost, "/account/password", form, c, nil)
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("locked account: got %d, want 429", rec.Code)
	}
	if msg, _ := flash(parseHTML(t, rec)); !strings.Contains(msg, "Try again in") {
		t.Errorf("message: got %q, want when to try again", msg)
	}
	if err := env.db.CheckPassword(t.Context(), env.userID(t, viewerName), viewerPassword); err != nil {
		t.Errorf("locked account: password changed anyway: %v", err)
	}
}

func TestChangeOwnPassword(t *testing.T) {
	env := newTestEnv(t)
	current := env.session(t, viewerName)
	others := []*http.Cookie{env.session(t, viewerName), env.session(t, viewerName)}
	admin := env.session(t, adminName)

	form := url.Values{"current_password": {viewerPassword}, "new_password": {newViewerPassword}, "new_password_again": {newViewerPassword}}
	rec := env.do(t, http.MethodPost, "/account/password", form, current, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("change: got %d, want 200; body %.400s", rec.Code, rec.Body.String())
	}
	doc := parseHTML(t, rec)
	if msg, isErr := flash(doc); isErr || !strings.Contains(msg, "Password changed") || !strings.Contains(msg, "2 other sessions were ended") {
		t.Errorf("notice: got %q (error %v), want the change confirmed with 2 other sessions ended", msg, isErr)
	}
	if got := text(doc.Find(`[data-testid="account-sessions"]`)); got != "1" {
		t.Errorf("active sessions after: got %q, want 1", got)
	}
	if !env.alive(t, current) {
		t.Error("the session that changed the password was ended")
	}
	for i, c := range others {
		if env.alive(t, c) {
			t.Errorf("other session %d: still alive", i)
		}
	}
	if !env.alive(t, admin) {
		t.Error("another user's session was ended")
	}
	if _, err := env.db.Authenticate(t.Context(), viewerName, viewerPassword); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old password: got %v, want refused", err)
	}
	if _, err := env.db.Authenticate(t.Context(), viewerName, newViewerPassword); err != nil {
		t.Errorf("new password: %v", err)
	}
	e := env.lastAudit(t)
	if e.Actor != viewerName || e.Action != "user.password" || !strings.Contains(e.Detail, "2 other sessions") {
		t.Errorf("audit: got %+v, want user.password by %s with 2 other sessions", e, viewerName)
	}
	for _, pw := range []string{viewerPassword, newViewerPassword} {
		if strings.Contains(e.Detail, pw) {
			t.Errorf("audit detail %q contains a password", e.Detail)
		}
	}
}

func TestAdminSetsPassword(t *testing.T) {
	env := newTestEnv(t)
	admin := env.session(t, adminName)
	victim := []*http.Cookie{env.session(t, viewerName), env.session(t, viewerName)}
	viewerID, adminID := env.userID(t, viewerName), env.userID(t, adminName)

	doc := env.page(t, "/admin", admin)
	if n := doc.Find(`[data-user="` + viewerName + `"] [data-testid="user-password-form"]`).Length(); n != 1 {
		t.Errorf("admin page: got %d password forms for %s, want 1", n, viewerName)
	}
	if n := doc.Find(`[data-user="` + adminName + `"] [data-testid="user-password-form"]`).Length(); n != 0 {
		t.Errorf("admin page: got %d password forms for yourself, want 0 (the account page does that)", n)
	}

	refusals := []struct {
		name   string
		id     int64
		pw     string
		status int
	}{
		{"weak", viewerID, "short", http.StatusBadRequest},
		{"yourself", adminID, newViewerPassword, http.StatusBadRequest},
		{"no such user", 9999, newViewerPassword, http.StatusNotFound},
	}
	for _, tt := range refusals {
		rec := env.do(t, http.MethodPost, "/admin/users/"+id64(tt.id)+"/password", url.Values{"password": {tt.pw}}, admin, nil)
		if rec.Code != tt.status {
			t.Errorf("%s: got %d, want %d", tt.name, rec.Code, tt.status)
		}
	}
	if !env.alive(t, victim[0]) {
		t.Fatal("refused resets ended the user's sessions")
	}

	rec := env.do(t, http.MethodPost, "/admin/users/"+id64(viewerID)+"/password", url.Values{"password": {newViewerPassword}}, admin, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("reset: got %d, want 200; body %.400s", rec.Code, rec.Body.String())
	}
	if msg, isErr := flash(parseHTML(t, rec)); isErr || !strings.Contains(msg, "Password of "+viewerName+" set") {
		t.Errorf("notice: got %q (error %v), want the reset confirmed", msg, isErr)
	}
	for i, c := range victim {
		if env.alive(t, c) {
			t.Errorf("the user's session %d survived the reset", i)
		}
	}
	if !env.alive(t, admin) {
		t.Error("the admin's own session was ended")
	}
	if err := env.db.CheckPassword(t.Context(), viewerID, newViewerPassword); err != nil {
		t.Errorf("new password: %v", err)
	}
	e := env.lastAudit(t)
	if e.Actor != adminName || e.Action != "user.password" || !strings.Contains(e.Detail, viewerName) || strings.Contains(e.Detail, newViewerPassword) {
		t.Errorf("audit: got %+v, want user.password by %s naming %s, without the password", e, adminName, viewerName)
	}
}

// apiCall sends a JSON request with a session cookie or a bearer key and decodes the answer.
func (e *testEnv) apiCall(t *testing.T, method, target, body string, c *http.Cookie, key string) (int, map[string]any) {
	t.Helper()
	hdr := map[string]string{"Content-Type": "application/json"}
	if c != nil {
		hdr["Cookie"] = c.Name + "=" + c.Value
	}
	if key != "" {
		hdr["Authorization"] = "Bearer " + key
	}
	rec := e.doRaw(t, method, target, body, hdr)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: answer is not a JSON object: %v\n%s", method, target, err, rec.Body.String())
	}
	return rec.Code, out
}

func TestAccountPasswordAPI(t *testing.T) {
	env := newTestEnv(t)
	key, _, err := env.db.CreateAPIKey(t.Context(), "ci", "api", roleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"current_password": "` + viewerPassword + `", "new_password": "` + newViewerPassword + `"}`
	code, out := env.apiCall(t, http.MethodPost, "/api/v1/account/password", body, nil, key)
	if code != http.StatusForbidden || !strings.Contains(out["error"].(string), "API key") {
		t.Errorf("with an API key: got %d %v, want 403 saying an API key has no password", code, out)
	}

	c := env.session(t, viewerName)
	other := env.session(t, viewerName)
	code, out = env.apiCall(t, http.MethodPost, "/api/v1/account/password", `{"current_password": "nope", "new_password": "`+newViewerPassword+`"}`, c, "")
	if code != http.StatusForbidden {
		t.Errorf("wrong current password: got %d %v, want 403", code, out)
	}
	code, out = env.apiCall(t, http.MethodPost, "/api/v1/account/password", `{"current_password": "`+viewerPassword+`", "new_password": "short"}`, c, "")
	if code != http.StatusBadRequest {
		t.Errorf("weak password: got %d %v, want 400", code, out)
	}
	code, out = env.apiCall(t, http.MethodPost, "/api/v1/account/password", body, c, "")
	if code != http.StatusOK || out["other_sessions_ended"] != float64(1) {
		t.Fatalf("change: got %d %v, want 200 with 1 other session ended", code, out)
	}
	if !env.alive(t, c) || env.alive(t, other) {
		t.Error("want the calling session kept and the other one ended")
	}
}

func TestUserPatchPasswordAPI(t *testing.T) {
	env := newTestEnv(t)
	admin := env.session(t, adminName)
	victim := env.session(t, viewerName)
	target := "/api/v1/users/" + id64(env.userID(t, viewerName))

	// What it accepted before is accepted as before.
	code, out := env.apiCall(t, http.MethodPatch, target, `{"role": "operator"}`, admin, "")
	if code != http.StatusOK || out["role"] != "operator" || out["password_set"] != false {
		t.Errorf("role only: got %d %v, want the role changed and no password set", code, out)
	}
	if code, _ := env.apiCall(t, http.MethodPatch, target, `{}`, admin, ""); code != http.StatusBadRequest {
		t.Errorf("empty body: got %d, want 400 as before", code)
	}
	// A weak password refuses the whole request: the role does not change either.
	code, out = env.apiCall(t, http.MethodPatch, target, `{"role": "admin", "password": "short"}`, admin, "")
	if code != http.StatusBadRequest {
		t.Errorf("weak password: got %d %v, want 400", code, out)
	}
	if !env.alive(t, victim) {
		t.Fatal("a refused request ended the user's session")
	}
	code, out = env.apiCall(t, http.MethodPatch, target, `{"password": "`+newViewerPassword+`"}`, admin, "")
	if code != http.StatusOK || out["password_set"] != true || out["sessions_ended"] != float64(1) || out["role"] != "operator" {
		t.Fatalf("password: got %d %v, want it set, 1 session ended, role operator", code, out)
	}
	if env.alive(t, victim) {
		t.Error("the user's session survived the new password")
	}
	if err := env.db.CheckPassword(t.Context(), env.userID(t, viewerName), newViewerPassword); err != nil {
		t.Errorf("new password: %v", err)
	}
	if e := env.lastAudit(t); e.Action != "user.password" || strings.Contains(e.Detail, newViewerPassword) {
		t.Errorf("audit: got %+v, want user.password without the password", e)
	}
	self := "/api/v1/users/" + id64(env.userID(t, adminName))
	if code, _ := env.apiCall(t, http.MethodPatch, self, `{"password": "`+newViewerPassword+`"}`, admin, ""); code != http.StatusBadRequest {
		t.Errorf("own password through the admin API: got %d, want 400 (use /api/v1/account/password)", code)
	}
}
