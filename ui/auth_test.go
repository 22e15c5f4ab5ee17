package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestLoginFlow(t *testing.T) {
	env := newTestEnv(t)
	doc := env.page(t, "/login?next=%2Fhosts", nil)
	if doc.Find(`[data-testid="login-form"]`).Length() != 1 {
		t.Fatal("login page: no login form")
	}
	if got, _ := doc.Find(`input[name="next"]`).Attr("value"); got != "/hosts" {
		t.Errorf("next field: got %q, want /hosts", got)
	}

	rec := env.do(t, http.MethodPost, "/login", url.Values{"username": {adminName}, "password": {"wrong"}, "next": {"/hosts"}}, nil, nil)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("bad password: got status %d, want 401", rec.Code)
	}
	if len(rec.Result().Cookies()) != 0 {
		t.Errorf("bad password: got cookies %v, want none", rec.Result().Cookies())
	}
	doc = parseHTML(t, rec)
	if got := doc.Find(`[data-testid="login-error"]`).Text(); !strings.Contains(got, "Wrong user name or password") {
		t.Errorf("bad password: got error %q, want the generic message", got)
	}
	if got, _ := doc.Find(`[data-testid="username"]`).Attr("value"); got != adminName {
		t.Errorf("user name kept: got %q, want %q", got, adminName)
	}

	rec = env.do(t, http.MethodPost, "/login", url.Values{"username": {adminName}, "password": {adminPassword}, "next": {"/hosts"}}, nil, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/hosts" {
		t.Fatalf("good login: got %d to %q, want 303 to /hosts", rec.Code, rec.Header().Get("Location"))
	}
	c := rec.Result().Cookies()
	if len(c) != 1 || c[0].Name != sessionCookie || !c[0].HttpOnly || c[0].SameSite != http.SameSiteLaxMode ||
		c[0].Secure || c[0].Path != "/" || c[0].MaxAge <= 0 {
		t.Fatalf("good login cookie: got %+v, want HttpOnly SameSite=Lax session cookie", c)
	}
	doc = env.page(t, "/hosts", c[0])
	if got := doc.Find(`[data-testid="user-menu"]`).Text(); got != adminName {
		t.Errorf("user menu: got %q, want %q", got, adminName)
	}
	log, err := env.db.AuditLog(t.Context(), 10)
	// The failed attempt is recorded too (issue 17), without the password that was tried.
	if err != nil || len(log) != 2 || log[0].Action != "login" || log[0].Actor != adminName ||
		log[1].Action != "login.failed" || log[1].Actor != adminName || log[1].Detail != "from 192.0.2.1" {
		t.Errorf("audit after login: got %+v, %v, want the failed attempt and one login entry", log, err)
	}

	// A logged-in visit to /login goes straight on.
	rec = env.do(t, http.MethodGet, "/login?next=/repos", nil, c[0], nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/repos" {
		t.Errorf("login page while logged in: got %d to %q, want 303 to /repos", rec.Code, rec.Header().Get("Location"))
	}

	rec = env.do(t, http.MethodPost, "/logout", url.Values{}, c[0], nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login" {
		t.Fatalf("logout: got %d to %q, want 303 to /login", rec.Code, rec.Header().Get("Location"))
	}
	if got := rec.Result().Cookies(); len(got) != 1 || got[0].MaxAge >= 0 {
		t.Errorf("logout cookie: got %+v, want it deleted", got)
	}
	if rec := env.do(t, http.MethodGet, "/hosts", nil, c[0], nil); rec.Code != http.StatusSeeOther {
		t.Errorf("old cookie after logout: got %d, want 303 to login", rec.Code)
	}
}

func TestSecureCookie(t *testing.T) {
	env := newTestEnv(t)
	env.srv.opts.SecureCookies = true
	rec := env.do(t, http.MethodPost, "/login", url.Values{"username": {adminName}, "password": {adminPassword}}, nil, nil)
	if c := rec.Result().Cookies(); len(c) != 1 || !c[0].Secure {
		t.Errorf("got %+v, want a Secure cookie", c)
	}
}

func TestSafeNext(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/hosts?q=web", "/hosts?q=web"},
		{"", "/"},
		{"https://evil.example/", "/"},
		{"//evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"/login?next=/", "/"},
		{"hosts", "/"},
		{"/\t/evil.example", "/"},
		{"/%09/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/ /evil.example", "/"},
		{"///evil.example", "/evil.example"},
		{"/./\\evil.example", "/"},
		{"/hosts/\\evil.example", "/"},
		{"/../evil.example", "/evil.example"},
		{"/.//evil.example", "/evil.example"},
		{"https:evil.example", "/"},
		{"http://evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"/%2f%2fevil.example", "/evil.example"},
		{"/hosts/web1.example.org?tab=updates", "/hosts/web1.example.org?tab=updates"},
		{"/hosts#x", "/hosts"},
		{"/LOGIN", "/"},
		{"/./login", "/"},
	}
	for _, tt := range tests {
		if got := safeNext(tt.in); got != tt.want {
			t.Errorf("safeNext(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
	env := newTestEnv(t)
	rec := env.do(t, http.MethodPost, "/login", url.Values{"username": {adminName}, "password": {adminPassword},
		"next": {"//evil.example/"}}, nil, nil)
	if got := rec.Header().Get("Location"); got != "/" {
		t.Errorf("login with foreign next: got redirect to %q, want /", got)
	}
}

func TestLoginThrottle(t *testing.T) {
	env := newTestEnv(t)
	now := testNow
	env.srv.throttle = newThrottle(func() time.Time { return now })
	attempt := func(name, password string) int {
		return env.do(t, http.MethodPost, "/login", url.Values{"username": {name}, "password": {password}}, nil, nil).Code
	}
	for i := range freeFailures {
		if got := attempt(adminName, "guess"); got != http.StatusUnauthorized {
			t.Fatalf("failure %d: got %d, want 401", i+1, got)
		}
	}
	if got := attempt(adminName, adminPassword); got != http.StatusTooManyRequests {
		t.Errorf("right password while locked: got %d, want 429", got)
	}
	if got := attempt(viewerName, viewerPassword); got != http.StatusTooManyRequests {
		t.Errorf("other account from the same address while locked: got %d, want 429", got)
	}
	now = now.Add(lockFor(freeFailures) + time.Second)
	if got := attempt(adminName, adminPassword); got != http.StatusSeeOther {
		t.Errorf("after the lock: got %d, want 303", got)
	}
}

func TestThrottleBackoff(t *testing.T) {
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{0, 0}, {freeFailures - 1, 0}, {freeFailures, time.Second}, {freeFailures + 3, 8 * time.Second},
		{freeFailures + 30, maxLock},
	}
	for _, tt := range tests {
		if got := lockFor(tt.failures); got != tt.want {
			t.Errorf("lockFor(%d): got %s, want %s", tt.failures, got, tt.want)
		}
	}
	now := testNow
	th := newThrottle(func() time.Time { return now })
	for range freeFailures + 1 {
		th.fail("ip:a", "user:x")
	}
	if got := th.wait("ip:b", "user:x"); got != 2*time.Second {
		t.Errorf("account key locked from another address: got %s, want 2s", got)
	}
	th.succeed("user:x")
	if got := th.wait("ip:b", "user:x"); got != 0 {
		t.Errorf("after success: got %s, want 0", got)
	}
	if got := th.wait("ip:a"); got == 0 {
		t.Error("address key cleared by an account's success, want it still locked")
	}
	now = now.Add(forgetAfter + time.Minute)
	th.fail("ip:a")
	if got := th.wait("ip:a"); got != 0 {
		t.Errorf("after forgetting: got %s, want 0 (one fresh failure)", got)
	}
}

func TestAuthRequired(t *testing.T) {
	env := newTestEnv(t)
	for _, path := range []string{"/", "/hosts", "/hosts?q=web", "/hosts/web1.example.org", "/repos", "/nope"} {
		rec := env.do(t, http.MethodGet, path, nil, nil, nil)
		want := "/login?next=" + url.QueryEscape(path)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != want {
			t.Errorf("GET %s: got %d to %q, want 303 to %q", path, rec.Code, rec.Header().Get("Location"), want)
		}
	}
	bogus := &http.Cookie{Name: sessionCookie, Value: "forged"}
	for _, path := range []string{"/repos/1/security", "/repos/1/refresh", "/actions/find-updates", "/actions/process-reports"} {
		for _, c := range []*http.Cookie{nil, bogus} {
			rec := env.do(t, http.MethodPost, path, url.Values{"security": {"1"}}, c, nil)
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("POST %s (cookie %v): got %d, want 401", path, c != nil, rec.Code)
			}
		}
	}
	rec := env.do(t, http.MethodPost, "/repos/1/security", url.Values{"security": {"1"}}, nil, map[string]string{"HX-Request": "true"})
	if rec.Code != http.StatusUnauthorized || rec.Header().Get("HX-Redirect") != "/login" {
		t.Errorf("htmx POST: got %d, HX-Redirect %q, want 401 and /login", rec.Code, rec.Header().Get("HX-Redirect"))
	}
	if env.act.findUpdates+env.act.refreshed+env.act.processReports != 0 {
		t.Errorf("actions ran without a session: %+v", *env.act)
	}
}

func TestViewerCannotAct(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, viewerName)
	for _, path := range []string{"/repos/1/security", "/repos/1/refresh", "/actions/find-updates"} {
		if rec := env.do(t, http.MethodPost, path, url.Values{"security": {"1"}}, c, nil); rec.Code != http.StatusForbidden {
			t.Errorf("viewer POST %s: got %d, want 403", path, rec.Code)
		}
	}
	doc := env.page(t, "/repos", c)
	if n := doc.Find(`[data-testid="security-toggle"], [data-testid="refresh"]`).Length(); n != 0 {
		t.Errorf("viewer repos page: got %d action buttons, want 0", n)
	}
	doc = env.page(t, "/", c)
	if n := doc.Find(`[data-testid="find-updates"]`).Length(); n != 0 {
		t.Errorf("viewer dashboard: got %d find-updates buttons, want 0", n)
	}
}
