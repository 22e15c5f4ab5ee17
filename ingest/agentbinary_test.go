package ingest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"patchward/ingest/wire"
)

func get(h http.Handler, path string, hdr http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range hdr {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestAgentBinaryEndpoints: the configured agent binary is served to enrolled hosts only, with
// a manifest that verifies against the key the enrolment answer gave.
func TestAgentBinaryEndpoints(t *testing.T) {
	db := openTestDB(t)
	bin := filepath.Join(t.TempDir(), "patchward-arm64")
	body := []byte("\x7fELF pretend arm64 build")
	if err := os.WriteFile(bin, body, 0o755); err != nil {
		t.Fatal(err)
	}
	h := Handler(db, Options{ServerVersion: "1.1.0", AgentBinary: bin}, nil, nil)
	enroll, err := CreateEnrollToken(context.Background(), db, "site")
	if err != nil {
		t.Fatal(err)
	}
	rec := post(h, "/api/v1/enroll", "203.0.113.7:5000", bearer(enroll), []byte(`{"hostname":"web1.example.org"}`))
	var er EnrollResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &er); err != nil || er.HostToken == "" {
		t.Fatalf("enroll: %d %s", rec.Code, rec.Body)
	}
	pub, err := wire.DecodeKey(er.UpdateKey)
	if err != nil {
		t.Fatalf("enrolment update_key %q: %v", er.UpdateKey, err)
	}

	for _, hdr := range []http.Header{nil, bearer(enroll), bearer(er.HostToken + "x")} {
		for _, p := range []string{"/api/v1/agent/update", "/api/v1/agent/binary"} {
			if rec := get(h, p, hdr); rec.Code != http.StatusUnauthorized {
				t.Errorf("GET %s with %v: %d, want 401", p, hdr, rec.Code)
			}
		}
	}
	rec = get(h, "/api/v1/agent/update", bearer(er.HostToken))
	var m wire.UpdateManifest
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("manifest: %d %s", rec.Code, rec.Body)
	}
	if m.Version != "1.1.0" || m.Size != int64(len(body)) {
		t.Errorf("manifest %+v", m)
	}
	if err := wire.VerifyUpdate(pub, m, body); err != nil {
		t.Errorf("manifest does not verify with the enrolment key: %v", err)
	}
	rec = get(h, "/api/v1/agent/binary", bearer(er.HostToken))
	if rec.Code != http.StatusOK || rec.Body.String() != string(body) {
		t.Fatalf("binary: %d, %d bytes", rec.Code, rec.Body.Len())
	}
	if rec.Header().Get("X-Patchward-Signature") != m.Signature || rec.Header().Get("X-Patchward-SHA256") != m.SHA256 {
		t.Error("binary headers differ from the manifest")
	}

	// A missing binary is a 503, not a crash, and says nothing of the path.
	h = Handler(db, Options{ServerVersion: "1.1.0", AgentBinary: filepath.Join(t.TempDir(), "gone")}, nil, nil)
	if rec := get(h, "/api/v1/agent/update", bearer(er.HostToken)); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("missing binary: %d, want 503", rec.Code)
	}
}
