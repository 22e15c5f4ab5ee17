package assets

import (
	"bytes"
	"compress/gzip"
	"io"
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

func TestGzip(t *testing.T) {
	h := Handler()
	for _, name := range []string{"pico.min.css", "htmx.min.js", "app.css"} {
		t.Run(name, func(t *testing.T) {
			plain := httptest.NewRecorder()
			h.ServeHTTP(plain, httptest.NewRequest(http.MethodGet, URL(name), nil))
			req := httptest.NewRequest(http.MethodGet, URL(name), nil)
			req.Header.Set("Accept-Encoding", "gzip, br")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Header().Get("Content-Encoding") != "gzip" || plain.Header().Get("Content-Encoding") != "" {
				t.Fatalf("encoding: got %q with gzip accepted and %q without", rec.Header().Get("Content-Encoding"), plain.Header().Get("Content-Encoding"))
			}
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(body, plain.Body.Bytes()) {
				t.Errorf("gunzipped body differs from the plain one (%v)", err)
			}
			if rec.Body.Len() > plain.Body.Len()/2 {
				t.Logf("%s: %d -> %d bytes", name, plain.Body.Len(), rec.Body.Len())
			}
		})
	}
}
