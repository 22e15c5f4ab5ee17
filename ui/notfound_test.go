package ui

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// A "not found" page says what was not found and offers a search for it.
func TestNotFoundSaysWhat(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, adminName)
	for _, tt := range []struct {
		path, msg, action, query string
	}{
		{"/hosts/nope", "There is no host named nope.", "/hosts", "nope"},
		{"/hosts/nope/compare", "There is no host named nope.", "/hosts", "nope"},
		{"/hosts/web1.example.org/compare?with=nope", "There is no host named nope.", "/hosts", "nope"},
		{"/errata/DSA-0000-1", "There is no erratum named DSA-0000-1.", "/errata", "DSA-0000-1"},
		{"/reports/999", "There is no report #999.", "/hosts", ""},
		{"/no/such/page", "There is no page at /no/such/page.", "/hosts", ""},
	} {
		rec := env.do(t, http.MethodGet, tt.path, nil, c, nil)
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", tt.path, rec.Code)
			continue
		}
		doc := parseHTML(t, rec)
		if got := text(doc.Find(`[data-testid="error-message"]`)); got != tt.msg {
			t.Errorf("GET %s: got message %q, want %q", tt.path, got, tt.msg)
		}
		form := doc.Find(`[data-testid="error-search"]`)
		action, q := form.AttrOr("action", ""), form.Find(`input[name="q"]`)
		if action != tt.action || q.Length() != 1 || q.AttrOr("value", "") != tt.query {
			t.Errorf("GET %s: got search form action %q with %d boxes holding %q, want %s holding %q",
				tt.path, action, q.Length(), q.AttrOr("value", ""), tt.action, tt.query)
		}
	}
}

// A query or path with a NUL byte or invalid UTF-8 is refused with a 400 that says why, and
// the bytes never come back in the answer.
func TestBadBytesRefused(t *testing.T) {
	env := newTestEnv(t)
	c := env.session(t, adminName)
	for _, tt := range []struct{ path, why string }{
		{"/hosts?q=web%00", "a NUL byte"},
		{"/hosts?q=%ff%fe", "invalid UTF-8"},
		{"/hosts?x%00=1", "a NUL byte"},
		{"/hosts/nope%00", "a NUL byte"},
		{"/hosts/%c3%28", "invalid UTF-8"},
		{"/repos?q=%e2%82", "invalid UTF-8"},
		{"/api/v1/hosts?q=%00", "a NUL byte"},
		{"/api/v1/hosts/%ff", "invalid UTF-8"},
	} {
		rec := env.do(t, http.MethodGet, tt.path, nil, c, nil)
		body := rec.Body.String()
		if rec.Code != http.StatusBadRequest {
			t.Errorf("GET %s: got %d, want 400", tt.path, rec.Code)
		}
		if !strings.Contains(body, "The address contains "+tt.why) {
			t.Errorf("GET %s: answer does not say %q:\n%s", tt.path, tt.why, body)
		}
		if strings.IndexByte(body, 0) >= 0 || !utf8.ValidString(body) {
			t.Errorf("GET %s: answer carries the raw bytes", tt.path)
		}
		if strings.HasPrefix(tt.path, "/api/") != strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Errorf("GET %s: got content type %q", tt.path, rec.Header().Get("Content-Type"))
		}
	}
	// Ordinary UTF-8 still passes.
	if rec := env.do(t, http.MethodGet, "/hosts?q=%C3%A9t%C3%A9", nil, c, nil); rec.Code != http.StatusOK {
		t.Errorf("GET /hosts?q=été: got %d, want 200", rec.Code)
	}
}
