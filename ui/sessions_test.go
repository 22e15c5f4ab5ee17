package ui

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"patchward/store"
)

// loginAs logs in through the form from addr with a user agent and returns the session cookie.
func (e *testEnv) loginAs(t *testing.T, addr, agent, name, password string) *http.Cookie {
	t.Helper()
	form := url.Values{"username": {name}, "password": {password}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", agent)
	req.RemoteAddr = addr + ":40000"
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther || len(rec.Result().Cookies()) != 1 {
		t.Fatalf("login from %s: got %d", addr, rec.Code)
	}
	return rec.Result().Cookies()[0]
}

func TestAccountSessionsListAndEnd(t *testing.T) {
	env := newTestEnv(t)
	laptop := env.loginAs(t, "192.0.2.10", "Firefox/142 on the laptop", viewerName, viewerPassword)
	phone := env.loginAs(t, "198.51.100.20", "Mobile Safari", viewerName, viewerPassword)
	tablet := env.loginAs(t, "203.0.113.30", "Tablet", viewerName, viewerPassword)
	other := env.session(t, adminName)

	doc := env.page(t, "/account", laptop)
	rowsBy := map[string]*goquery.Selection{}
	doc.Find(`[data-testid="session-row"]`).Each(func(_ int, s *goquery.Selection) {
		rowsBy[text(s.Find("td.mono"))] = s
	})
	if len(rowsBy) != 3 {
		t.Fatalf("sessions listed: %d, want 3 (and none of another user)", len(rowsBy))
	}
	me := rowsBy["192.0.2.10"]
	if me == nil || me.Find(`[data-testid="session-current"]`).Length() != 1 || !strings.Contains(text(me), "Firefox/142 on the laptop") {
		t.Errorf("this session's row: want the laptop marked as this session with its browser")
	}
	phoneRow := rowsBy["198.51.100.20"]
	if phoneRow == nil || phoneRow.Find(`[data-testid="session-end"]`).Length() != 1 {
		t.Fatal("the phone's row: want an end-session button")
	}
	action, _ := phoneRow.Find("form").Attr("action")
	if rec := env.do(t, http.MethodPost, action, url.Values{}, laptop, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("end the phone's session: got %d", rec.Code)
	}
	if env.alive(t, phone) || !env.alive(t, laptop) || !env.alive(t, tablet) {
		t.Error("want only the phone's session ended")
	}
	// Another user cannot end someone's session by its id.
	tabletID := store.SessionID(tablet.Value)
	if rec := env.do(t, http.MethodPost, "/account/sessions/"+tabletID+"/end", url.Values{}, other, nil); rec.Code != http.StatusNotFound {
		t.Errorf("ending another user's session: got %d, want 404", rec.Code)
	}
	if rec := env.do(t, http.MethodPost, "/account/sessions/end-others", url.Values{}, laptop, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("end all others: got %d", rec.Code)
	}
	if env.alive(t, tablet) || !env.alive(t, laptop) || !env.alive(t, other) {
		t.Error("end all others: want the tablet ended, the laptop and the other user's session kept")
	}
	if e := env.lastAudit(t); e.Action != "session.end-others" || e.Actor != viewerName {
		t.Errorf("audit: got %+v", e)
	}
	// Ending this very session logs out.
	rec := env.do(t, http.MethodPost, "/account/sessions/"+store.SessionID(laptop.Value)+"/end", url.Values{}, laptop, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login" || env.alive(t, laptop) {
		t.Errorf("ending this session: got %d to %q, want a logout", rec.Code, rec.Header().Get("Location"))
	}
}

func TestSessionLastSeen(t *testing.T) {
	now := testNow
	db := store.OpenTest(t, store.WithClock(func() time.Time { return now }), store.WithPasswordCost(1, 64))
	u, err := db.CreateUser(t.Context(), "lena", "a long enough password", roleViewer)
	if err != nil {
		t.Fatal(err)
	}
	token, err := db.CreateSession(t.Context(), u.ID, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	h := newServer(db, Options{}, nil, Actions{}).routes()
	visit := func() {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "/account", nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET /account: got %d", rec.Code)
		}
	}
	lastSeen := func() time.Time {
		t.Helper()
		list, err := db.Sessions(t.Context(), u.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("sessions: %+v %v", list, err)
		}
		return list[0].LastSeen
	}
	visit()
	now = now.Add(time.Minute)
	visit() // within touchEvery: no write
	if got := lastSeen(); !got.Equal(testNow) {
		t.Errorf("last seen after two visits within %s: got %s, want the login time", touchEvery, got)
	}
	now = now.Add(touchEvery)
	visit()
	if got := lastSeen(); !got.Equal(now) {
		t.Errorf("last seen after %s: got %s, want %s", touchEvery, got, now)
	}
}

func TestFailedLoginAudited(t *testing.T) {
	env := newTestEnv(t)
	if rec := env.loginFrom("192.0.2.66", adminName, "not the password"); rec.Code != http.StatusUnauthorized {
		t.Fatalf("wrong password: got %d, want 401", rec.Code)
	}
	e := env.lastAudit(t)
	if e.Action != "login.failed" || e.Actor != adminName || e.Detail != "from 192.0.2.66" || strings.Contains(e.Detail, "not the password") {
		t.Errorf("audit: got %+v, want login.failed for %s from 192.0.2.66 without the password", e, adminName)
	}
	if rec := env.loginFrom("192.0.2.67", "nobody\x00"+strings.Repeat("x", 100), "pw"); rec.Code != http.StatusUnauthorized {
		t.Fatalf("unknown user: got %d", rec.Code)
	}
	if e := env.lastAudit(t); e.Action != "login.failed" || len(e.Actor) > 64 || strings.ContainsRune(e.Actor, 0) {
		t.Errorf("audit of an odd name: got actor %q, want it cleaned and cut to 64", e.Actor)
	}
}

func TestAuditLogFilters(t *testing.T) {
	env := newTestEnv(t)
	admin := env.session(t, adminName)
	env.loginFrom("192.0.2.66", viewerName, "wrong")
	for _, a := range []string{"hosts.tag", "hosts.delete", "repo.security"} {
		if err := env.db.Audit(t.Context(), operatorName, a, ""); err != nil {
			t.Fatal(err)
		}
	}
	actions := func(doc *goquery.Document) []string {
		var out []string
		doc.Find(`[data-testid="audit-row"]`).Each(func(_ int, s *goquery.Selection) { out = append(out, text(s.Find("td").Eq(2))) })
		return out
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"user=" + viewerName, []string{"login.failed"}},
		{"action=hosts.", []string{"hosts.delete", "hosts.tag"}},
		{"user=" + operatorName + "&action=repo.security", []string{"repo.security"}},
		{"since=2026-11-21&until=2026-11-21", []string{"repo.security", "hosts.delete", "hosts.tag", "login.failed"}},
		{"until=2026-11-20", nil},
		{"since=2026-11-22", nil},
	}
	for _, tt := range tests {
		doc := env.page(t, "/admin/audit?"+tt.query, admin)
		if got := actions(doc); strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("/admin/audit?%s: got %v, want %v", tt.query, got, tt.want)
		}
		code, out := env.apiCall(t, http.MethodGet, "/api/v1/audit?"+tt.query, "", admin, "")
		if code != http.StatusOK || out["total"] != float64(len(tt.want)) {
			t.Errorf("/api/v1/audit?%s: got %d total %v, want %d", tt.query, code, out["total"], len(tt.want))
		}
	}
	doc := env.page(t, "/admin/audit?action=hosts.", admin)
	if v, _ := doc.Find(`[data-testid="audit-action"]`).Attr("value"); v != "hosts." {
		t.Errorf("filter form keeps the action: got %q", v)
	}
	if href, _ := doc.Find(`[data-testid="csv"]`).Attr("href"); !strings.Contains(href, "action=hosts.") {
		t.Errorf("CSV link %q: want the filter kept", href)
	}
	if rec := env.do(t, http.MethodGet, "/admin/audit?since=yesterday", nil, admin, nil); rec.Code != http.StatusBadRequest {
		t.Errorf("bad date: got %d, want 400", rec.Code)
	}
}
