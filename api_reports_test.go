package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestAPIReportsGet: GET /api/v1/reports is the documented, authenticated list of reports
// (the intake takes POSTs on the same path), and a 405 carries the security headers.
func TestAPIReportsGet(t *testing.T) {
	data := t.TempDir()
	key := strings.TrimSpace(lastLine(runCLI(t, data, "apikey", "add", "reader", "--kind", "api", "--role", "viewer")))
	base, _ := startServer(t, data)

	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/reports", nil)
	if resp := do(t, req); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/reports without credentials: got %d, want 401", resp.StatusCode)
	}
	req, _ = http.NewRequest(http.MethodGet, base+"/api/v1/reports", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp := do(t, req)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("GET /api/v1/reports with a viewer key: got %d %q, want 200 JSON", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, path := range []string{"/reports/upload/", "/api/v1/enroll"} {
		req, _ = http.NewRequest(http.MethodGet, base+path, nil)
		resp = do(t, req)
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET %s: got %d, want 405", path, resp.StatusCode)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s (405): X-Content-Type-Options %q, want nosniff", path, got)
		}
		if resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s (405): no Content-Security-Policy", path)
		}
	}
}
