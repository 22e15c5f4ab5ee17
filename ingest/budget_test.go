package ingest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestInflightBudget checks that uploads share one memory budget: while one upload holds most
// of it, another gets 503 with Retry-After, and the budget comes back when the first ends.
func TestInflightBudget(t *testing.T) {
	db := openTestDB(t)
	h := Handler(db, Options{MaxInflightBytes: 1000}, nil, nil)
	pr, pw := io.Pipe()
	slow := httptest.NewRequest(http.MethodPost, "/api/v1/reports", pr)
	slow.RemoteAddr = "127.0.0.1:1"
	slow.Header.Set("Content-Type", "application/json")
	done := make(chan int)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, slow)
		done <- rec.Code
	}()
	pw.Write(bytes.Repeat([]byte(" "), 900))
	pw.Write([]byte(" ")) // returns once the handler has taken the 900 bytes and reads again

	body := nativeBody("second.example.org")
	hdr := http.Header{"Content-Type": {"application/json"}}
	rec := post(h, "/api/v1/reports", "127.0.0.1:2", hdr, body)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("while the budget is in use: got %d %q (Retry-After %q), want 503 with Retry-After",
			rec.Code, rec.Body, rec.Header().Get("Retry-After"))
	}
	p1hdr, p1body := p1Request(t, "third.example.org")
	if rec := post(h, "/reports/upload/", "127.0.0.1:3", p1hdr, p1body); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("protocol 1 while the budget is in use: got %d %q, want 503", rec.Code, rec.Body)
	}
	pw.Write(nativeBody("first.example.org")[:50])
	pw.Close()
	if code := <-done; code != http.StatusBadRequest {
		t.Errorf("first upload: got %d, want 400 (it was cut short)", code)
	}
	if rec := post(h, "/api/v1/reports", "127.0.0.1:2", hdr, body); rec.Code != http.StatusAccepted {
		t.Errorf("after the first upload ended: got %d %q, want 202", rec.Code, rec.Body)
	}
}
