package metrics

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestProtect(t *testing.T) {
	const token = "0123456789abcdef-metrics"
	h := Protect(Handler(), Options{AllowedNetworks: DefaultAllowedNetworks, Token: token})
	noToken := Protect(Handler(), Options{AllowedNetworks: DefaultAllowedNetworks})
	tests := []struct {
		name   string
		h      http.Handler
		remote string
		auth   string
		want   int
	}{
		{"loopback", h, "127.0.0.1:1234", "", http.StatusOK},
		{"loopback v6", h, "[::1]:1234", "", http.StatusOK},
		{"remote without token", h, "192.0.2.7:1234", "", http.StatusForbidden},
		{"remote with token", h, "192.0.2.7:1234", "Bearer " + token, http.StatusOK},
		{"remote with wrong token", h, "192.0.2.7:1234", "Bearer " + token + "x", http.StatusUnauthorized},
		{"loopback with wrong token", h, "127.0.0.1:1234", "Bearer nope", http.StatusUnauthorized},
		{"remote, no token configured", noToken, "192.0.2.7:1234", "Bearer " + token, http.StatusForbidden},
		{"forwarded header is not trusted", h, "192.0.2.7:1234", "", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			req.RemoteAddr = tt.remote
			req.Header.Set("X-Forwarded-For", "127.0.0.1")
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			tt.h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("got %d, want %d", rec.Code, tt.want)
			}
			if tt.want == http.StatusOK && !strings.Contains(rec.Body.String(), "patchward_reports_received_total") &&
				!strings.Contains(rec.Body.String(), "go_goroutines") {
				t.Errorf("body lacks metrics:\n%.500s", rec.Body.String())
			}
		})
	}
}

func TestValidate(t *testing.T) {
	if err := (Options{AllowedNetworks: []string{"10.0.0.0/8"}, Token: "0123456789abcdef"}).Validate(); err != nil {
		t.Errorf("valid options: got %v", err)
	}
	err := Options{AllowedNetworks: []string{"nonsense"}, Token: "short"}.Validate()
	if err == nil || !strings.Contains(err.Error(), "nonsense") || !strings.Contains(err.Error(), "16 characters") {
		t.Errorf("got %v, want both problems", err)
	}
}

// TestMiddlewareLogsNoSecrets sends every kind of secret a request can carry and checks the log
// line has the request's shape but none of them.
func TestMiddlewareLogsNoSecrets(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := Middleware(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		w.Write([]byte("short and stout"))
	}))
	secrets := []string{"Api-Key pwk_SECRETKEY", "pwh_HOSTTOKEN", "session=SESSIONCOOKIE", "hunter2password", "QUERYTOKEN"}
	req := httptest.NewRequest(http.MethodPost, "/login?token=QUERYTOKEN", strings.NewReader("password=hunter2password"))
	req.Header.Set("Authorization", secrets[0])
	req.Header.Set("X-Host-Token", secrets[1])
	req.Header.Set("Cookie", secrets[2])
	h.ServeHTTP(httptest.NewRecorder(), req)
	line := buf.String()
	for _, want := range []string{`"method":"POST"`, `"path":"/login"`, `"status":418`, `"took":`, `"bytes":15`} {
		if !strings.Contains(line, want) {
			t.Errorf("log line lacks %s: %s", want, line)
		}
	}
	for _, s := range []string{"SECRETKEY", "HOSTTOKEN", "SESSIONCOOKIE", "hunter2password", "QUERYTOKEN"} {
		if strings.Contains(line, s) {
			t.Errorf("log line leaks %s: %s", s, line)
		}
	}
}

func TestArea(t *testing.T) {
	for req, want := range map[string]string{
		"POST /reports/upload/": "intake", "POST /patchman/api/report/": "intake", "POST /api/v1/reports": "intake",
		"POST /api/v1/enroll": "intake", "GET /api/v1/reports": "ui", "GET /reports/upload/": "ui",
		"GET /api/v1/hosts": "ui", "GET /": "ui", "GET /static/app.css": "static", "GET /healthz": "health",
		"GET /metrics": "metrics",
	} {
		method, path, _ := strings.Cut(req, " ")
		if got := Area(method, path); got != want {
			t.Errorf("Area(%s %q): got %s, want %s", method, path, got, want)
		}
	}
}

func TestRecorders(t *testing.T) {
	before, err := Gather()
	if err != nil {
		t.Fatal(err)
	}
	ReportReceived("1", Accepted, 3*time.Millisecond)
	ReportProcessed(Applied, 5*time.Millisecond)
	ObserveRefresh(2, 3, 1, time.Second)
	ObserveFindUpdates(4, time.Second)
	JobRun("refresh", nil)
	ObserveMirror("deb", time.Second)
	after, err := Gather()
	if err != nil {
		t.Fatal(err)
	}
	for name, delta := range map[string]float64{
		"patchward_reports_received_total": 1, "patchward_report_intake_seconds": 1,
		"patchward_reports_processed_total": 1, "patchward_report_process_seconds": 1,
		"patchward_mirrors_refreshed_total": 6, "patchward_refresh_seconds": 1,
		"patchward_update_computations_total": 4, "patchward_find_updates_seconds": 1, "patchward_job_runs_total": 1,
		"patchward_mirror_refresh_seconds": 1,
	} {
		if got := after[name] - before[name]; got != delta {
			t.Errorf("%s: got +%v, want +%v", name, got, delta)
		}
	}
}
