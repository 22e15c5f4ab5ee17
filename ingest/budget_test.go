package ingest

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestInflightBudget checks that uploads share one memory budget: while one upload holds most
// of it, another gets 503 with Retry-After, and the budget comes back when the first ends.
// The budget counts buffers, not bytes read: the first upload's 900 bytes (no Content-Length)
// were read into a 512-byte buffer and then a 1,024-byte one, 1,536 bytes taken of 2,000, so
// another upload's smallest buffer (512) does not fit.
func TestInflightBudget(t *testing.T) {
	db := openTestDB(t)
	h := Handler(db, Options{MaxInflightBytes: 2000}, nil, nil)
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

// TestBudgetBufferCountsBuffers checks what a body costs the budget: every buffer allocated
// for it, the outgrown ones included, all given back on release.
func TestBudgetBufferCountsBuffers(t *testing.T) {
	b := &budget{max: 1 << 20}
	bb := &budgetBuffer{b: b}
	body := bytes.Repeat([]byte("x"), 5000)
	got, err := bb.read(bytes.NewReader(body), 0, 1<<20)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("read: %d bytes, %v", len(got), err)
	}
	if want := int64(512 + 1024 + 2048 + 4096 + 8192); b.used.Load() != want {
		t.Errorf("taken: %d, want %d (each buffer of the doubling)", b.used.Load(), want)
	}
	bb.release()
	if b.used.Load() != 0 {
		t.Errorf("after release: %d still taken", b.used.Load())
	}
	// A declared size is taken at once; a body over the limit stops at the limit.
	got, err = bb.read(bytes.NewReader(body), 5001, 1<<20)
	if err != nil || len(got) != 5000 || b.used.Load() != 5001 {
		t.Errorf("declared size: %d bytes, %v, taken %d; want 5000, nil, 5001", len(got), err, b.used.Load())
	}
	bb.release()
	if got, err = bb.read(bytes.NewReader(body), 0, 3000); err != nil || len(got) != 3000 {
		t.Errorf("over the limit: %d bytes, %v; want it cut at 3000", len(got), err)
	}
	bb.release()
	small := &budgetBuffer{b: &budget{max: 3000}}
	if _, err := small.read(bytes.NewReader(body), 0, 1<<20); !errors.Is(err, errBusy) {
		t.Errorf("budget too small for the next buffer: got %v, want errBusy", err)
	}
	small.release()
	if small.b.used.Load() != 0 {
		t.Errorf("after a refused read and release: %d still taken", small.b.used.Load())
	}
}
