package ingest

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestIntakeRefusesBrowsers checks that a web page cannot make a visitor's browser post a
// report (a multipart form POST is a CORS simple request), while real clients, which send
// neither Origin nor Sec-Fetch-Site, still get through.
func TestIntakeRefusesBrowsers(t *testing.T) {
	db := openTestDB(t)
	h := Handler(db, Options{}, nil, nil)
	hdr1, path1, body1 := fixtureRequest(t, "patchman-protocol1-debian12")
	enroll, err := CreateEnrollToken(context.Background(), db, "site")
	if err != nil {
		t.Fatal(err)
	}
	withHdr := func(base http.Header, kv ...string) http.Header {
		h := base.Clone()
		if h == nil {
			h = http.Header{}
		}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	json := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name, path string
		hdr        http.Header
		body       []byte
		want       int
	}{
		{"protocol 1, curl", path1, hdr1, body1, 204},
		{"protocol 1, same origin", path1, withHdr(hdr1, "Origin", "http://example.com", "Sec-Fetch-Site", "same-origin"), body1, 204},
		{"protocol 1, foreign Origin", path1, withHdr(hdr1, "Origin", "https://evil.example"), body1, 403},
		{"protocol 1, cross-site", path1, withHdr(hdr1, "Sec-Fetch-Site", "cross-site"), body1, 403},
		{"protocol 1, same-site other origin", path1, withHdr(hdr1, "Sec-Fetch-Site", "same-site", "Origin", "http://other.example.com"), body1, 403},
		{"protocol 2, cross-site", "/api/report/", withHdr(json, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"), p2(), 403},
		{"native, foreign Origin", "/api/v1/reports", withHdr(json, "Origin", "https://evil.example"), nativeBody("x.example.org"), 403},
		{"enroll, cross-site", "/api/v1/enroll", withHdr(bearer(enroll), "Sec-Fetch-Site", "cross-site"), []byte(`{"hostname":"e.example.org"}`), 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := post(h, tt.path, "192.168.1.20:4000", tt.hdr, tt.body)
			if rec.Code != tt.want {
				t.Fatalf("got %d %q, want %d", rec.Code, rec.Body, tt.want)
			}
			if tt.want == 403 && !strings.Contains(rec.Body.String(), "browser") {
				t.Errorf("got message %q, want one saying browsers are refused", rec.Body)
			}
		})
	}
}
