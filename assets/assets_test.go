package assets

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	h := Handler()
	tests := []struct {
		name, path, wantType, wantCache string
		wantStatus                      int
	}{
		{"hashed css", URL("pico.min.css"), "text/css", "immutable", http.StatusOK},
		{"hashed js", URL("htmx.min.js"), "javascript", "immutable", http.StatusOK},
		{"hashed app css", URL("app.css"), "text/css", "immutable", http.StatusOK},
		{"plain name", Prefix + "pico.min.css", "text/css", "no-cache", http.StatusOK},
		{"unknown", Prefix + "nope.css", "", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			if rec.Code != tt.wantStatus {
				t.Fatalf("status: got %d, want %d", rec.Code, tt.wantStatus)
			}
			if tt.wantStatus != http.StatusOK {
				return
			}
			if got := rec.Header().Get("Content-Type"); !strings.Contains(got, tt.wantType) {
				t.Errorf("content type: got %q, want it to contain %q", got, tt.wantType)
			}
			if got := rec.Header().Get("Cache-Control"); !strings.Contains(got, tt.wantCache) {
				t.Errorf("cache control: got %q, want it to contain %q", got, tt.wantCache)
			}
		})
	}
}

func TestURLIsContentHashed(t *testing.T) {
	u := URL("pico.min.css")
	if u == Prefix+"pico.min.css" || !strings.HasPrefix(u, Prefix+"pico.min.") || !strings.HasSuffix(u, ".css") {
		t.Errorf("got %q, want %spico.min.<hash>.css", u, Prefix)
	}
	if got := URL("missing.js"); got != Prefix+"missing.js" {
		t.Errorf("unknown name: got %q, want %q", got, Prefix+"missing.js")
	}
}
