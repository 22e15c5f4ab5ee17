package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/klauspost/compress/gzip"

	"patchward/store"
)

func openTestDB(t testing.TB) *store.DB { return store.OpenTest(t) }

// post sends body to h as if from remote, and returns the recorded response.
func post(h http.Handler, path, remote string, hdr http.Header, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.RemoteAddr = remote
	for k, v := range hdr {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func reportsByStatus(t *testing.T, db *store.DB, status string) []store.Report {
	t.Helper()
	rs, err := db.Reports(context.Background(), store.ReportFilter{Status: status})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestHandlerProtocol1(t *testing.T) {
	db := openTestDB(t)
	var woken atomic.Int32
	h := Handler(db, Options{}, nil, func() { woken.Add(1) })
	hdr, path, body := fixtureRequest(t, "patchman-protocol1-debian12")
	ctype := hdr.Get("Content-Type")

	rec := post(h, path, "192.168.1.20:40000", hdr, body)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("got %d %q, want 204", rec.Code, rec.Body)
	}
	if woken.Load() != 1 {
		t.Errorf("got %d notifications, want 1", woken.Load())
	}
	pending := reportsByStatus(t, db, store.ReportPending)
	if len(pending) != 1 || pending[0].Hostname != "testhost.example.org" || pending[0].RemoteAddr != "192.168.1.20" || pending[0].Protocol != "1" {
		t.Fatalf("got pending %+v, want one protocol 1 report from 192.168.1.20", pending)
	}
	hr, err := db.ReportPayload(context.Background(), pending[0].ID)
	if err != nil || len(hr.Packages) != 741 || hr.RemoteIP != "192.168.1.20" {
		t.Errorf("got payload with %d packages from %q, %v, want 741 from 192.168.1.20", len(hr.Packages), hr.RemoteIP, err)
	}

	echo := bytes.Replace(body, []byte("name=\"report\"\r\n\r\nfalse"), []byte("name=\"report\"\r\n\r\ntrue"), 1)
	rec = post(h, "/reports/upload", "[::1]:5000", hdr, echo)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Packages: 741") ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Errorf("report=true: got %d %q, want 200 text summary with 741 packages", rec.Code, rec.Body)
	}

	tests := []struct {
		name, path, remote, ctype string
		body                      []byte
		want                      int
		rejected                  bool
	}{
		{"public address", "/reports/upload/", "203.0.113.9:1000", ctype, body, http.StatusForbidden, false},
		{"malformed package line", "/reports/upload/", "10.1.2.3:1000", ctype,
			bytes.Replace(body, []byte("'adduser' '' '3.134' '' 'all' 'deb'"), []byte("'adduser' '' '3.134"), 1), http.StatusBadRequest, true},
		{"not multipart", "/reports/upload/", "10.1.2.3:1000", "text/plain", body, http.StatusBadRequest, true},
		{"too large", "/reports/upload/", "10.1.2.3:1000", ctype, bytes.Repeat([]byte("x"), 2048), http.StatusRequestEntityTooLarge, true},
	}
	small := Handler(db, Options{MaxBodyBytes: 1024}, nil, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(reportsByStatus(t, db, store.ReportRejected))
			h := h
			if tt.want == http.StatusRequestEntityTooLarge {
				h = small
			}
			rec := post(h, tt.path, tt.remote, http.Header{"Content-Type": {tt.ctype}}, tt.body)
			if rec.Code != tt.want {
				t.Fatalf("got %d %q, want %d", rec.Code, rec.Body, tt.want)
			}
			if got := len(reportsByStatus(t, db, store.ReportRejected)) - before; got != map[bool]int{true: 1}[tt.rejected] {
				t.Errorf("got %d new rejected reports, want rejected=%t", got, tt.rejected)
			}
		})
	}
	rej := reportsByStatus(t, db, store.ReportRejected)
	if r, err := db.Report(context.Background(), rej[len(rej)-1].ID); err != nil || !strings.Contains(r.Error, "packages line 1") || len(r.Raw) == 0 {
		t.Errorf("got rejected report %q with %d raw bytes, %v, want the line named and the body kept", r.Error, len(r.Raw), err)
	}
	req := httptest.NewRequest(http.MethodGet, "/reports/upload/", nil)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: got %d, want 405", rec.Code)
	}
}

func TestHandlerProtocol2Auth(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	valid, _, err := db.CreateAPIKey(ctx, "fleet", "patchman", "")
	if err != nil {
		t.Fatal(err)
	}
	revoked, rk, err := db.CreateAPIKey(ctx, "old", "patchman", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeAPIKey(ctx, rk.ID); err != nil {
		t.Fatal(err)
	}
	apiKind, _, err := db.CreateAPIKey(ctx, "ui", "api", "")
	if err != nil {
		t.Fatal(err)
	}
	_, path, body := fixtureRequest(t, "patchman4-protocol2-debian12.http")
	open := Handler(db, Options{}, nil, nil)
	strict := Handler(db, Options{RequirePatchmanKey: true}, nil, nil)
	tests := []struct {
		name   string
		h      http.Handler
		remote string
		key    string
		body   []byte
		want   int
	}{
		{"valid key from anywhere", open, "203.0.113.9:1000", valid, body, http.StatusAccepted},
		{"no key from allowed network", open, "10.0.0.1:1000", "", body, http.StatusAccepted},
		{"no key from public address", open, "203.0.113.9:1000", "", body, http.StatusForbidden},
		{"no key when required", strict, "10.0.0.1:1000", "", body, http.StatusForbidden},
		{"valid key when required", strict, "10.0.0.1:1000", valid, body, http.StatusAccepted},
		{"invalid key", open, "10.0.0.1:1000", "benchkey.placeholder", body, http.StatusForbidden},
		{"revoked key", open, "10.0.0.1:1000", revoked, body, http.StatusForbidden},
		{"api kind key", open, "10.0.0.1:1000", apiKind, body, http.StatusForbidden},
		{"missing hostname", open, "10.0.0.1:1000", valid, []byte(`{"protocol":2,"os":"x","kernel":"1","arch":"x"}`), http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := http.Header{"Content-Type": {"application/json"}}
			if tt.key != "" {
				hdr.Set("Authorization", "Api-Key "+tt.key)
			}
			rec := post(tt.h, path, tt.remote, hdr, tt.body)
			if rec.Code != tt.want {
				t.Fatalf("got %d %s, want %d", rec.Code, rec.Body, tt.want)
			}
			var resp map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Fatalf("response %q is not JSON: %v", rec.Body, err)
			}
			switch tt.want {
			case http.StatusAccepted:
				if resp["status"] != "accepted" || resp["report_id"] == nil || resp["message"] != "Report queued for processing" {
					t.Errorf("got %v, want Patchman's accepted body", resp)
				}
			case http.StatusBadRequest:
				if errs, _ := resp["errors"].(map[string]any); resp["status"] != "error" || errs["hostname"] == nil {
					t.Errorf("got %v, want status error with a hostname field error", resp)
				}
			case http.StatusForbidden:
				if resp["detail"] == nil {
					t.Errorf("got %v, want a detail message", resp)
				}
			}
		})
	}
}

func TestHandlerNative(t *testing.T) {
	db := openTestDB(t)
	key, _, err := db.CreateAPIKey(context.Background(), "agent", "patchman", "")
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(db, Options{MaxBodyBytes: 4096}, nil, nil)
	body := []byte(`{"version":1,"hostname":"n.example.org","os":"Debian 13","kernel":"6.12","arch":"x86_64","packages":[]}`)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(body)
	zw.Close()
	var bomb bytes.Buffer
	zw = gzip.NewWriter(&bomb)
	zw.Write(bytes.Repeat([]byte(" "), 8192))
	zw.Close()
	tests := []struct {
		name, remote, auth, enc string
		body                    []byte
		want                    int
	}{
		{"bearer key", "203.0.113.9:1", "Bearer " + key, "", body, http.StatusAccepted},
		{"gzip from allowed network", "127.0.0.1:1", "", "gzip", gz.Bytes(), http.StatusAccepted},
		{"bad key", "127.0.0.1:1", "Bearer nope.nope", "", body, http.StatusUnauthorized},
		{"public without key", "203.0.113.9:1", "", "", body, http.StatusForbidden},
		{"gzip expands past the limit", "127.0.0.1:1", "", "gzip", bomb.Bytes(), http.StatusRequestEntityTooLarge},
		{"not gzip", "127.0.0.1:1", "", "gzip", body, http.StatusBadRequest},
		{"wrong version", "127.0.0.1:1", "", "", []byte(`{"version":7}`), http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := http.Header{"Content-Type": {"application/json"}}
			if tt.auth != "" {
				hdr.Set("Authorization", tt.auth)
			}
			if tt.enc != "" {
				hdr.Set("Content-Encoding", tt.enc)
			}
			if rec := post(h, "/api/v1/reports", tt.remote, hdr, tt.body); rec.Code != tt.want {
				t.Errorf("got %d %s, want %d", rec.Code, rec.Body, tt.want)
			}
		})
	}
}
