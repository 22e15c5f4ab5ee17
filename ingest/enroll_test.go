package ingest

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"patchward/store"
)

func nativeBody(host string) []byte {
	return []byte(`{"version":1,"hostname":"` + host + `","os":"Debian 12.11","kernel":"6.1.0","arch":"x86_64",` +
		`"packages":[{"type":"deb","name":"bash","arch":"amd64","version":"5.2.15","release":"2"}],"collected":"2026-05-01T10:00:00Z"}`)
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

func TestEnrollEndpointAndHostTokens(t *testing.T) {
	db := openTestDB(t)
	h := Handler(db, Options{AllowedNetworks: []string{"10.0.0.0/8"}}, nil, nil)
	ctx := context.Background()
	enroll, err := CreateEnrollToken(ctx, db, "site")
	if err != nil {
		t.Fatal(err)
	}
	const remote = "203.0.113.7:5000" // outside the allowed networks
	rec := post(h, "/api/v1/enroll", remote, bearer(enroll), []byte(`{"hostname":"Web1.example.org"}`))
	if rec.Code != http.StatusCreated {
		t.Fatalf("enroll: got %d %s, want 201", rec.Code, rec.Body)
	}
	var er EnrollResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &er); err != nil || er.Hostname != "web1.example.org" || er.HostToken == "" {
		t.Fatalf("enroll answer: got %s, %v", rec.Body, err)
	}
	rec = post(h, "/api/v1/enroll", remote, bearer(enroll), []byte(`{"hostname":"web2.example.org"}`))
	var er2 EnrollResponse
	json.Unmarshal(rec.Body.Bytes(), &er2)

	tests := []struct {
		name, path string
		hdr        http.Header
		remote     string
		body       []byte
		want       int
	}{
		{"enroll: enrolled name again", "/api/v1/enroll", bearer(enroll), remote, []byte(`{"hostname":"web1.example.org"}`), 403},
		{"enroll: bad token", "/api/v1/enroll", bearer(enroll + "x"), remote, []byte(`{"hostname":"web3.example.org"}`), 401},
		{"enroll: host token", "/api/v1/enroll", bearer(er.HostToken), remote, []byte(`{"hostname":"web3.example.org"}`), 401},
		{"enroll: no token", "/api/v1/enroll", nil, remote, []byte(`{"hostname":"web3.example.org"}`), 401},
		{"enroll: bad hostname", "/api/v1/enroll", bearer(enroll), remote, []byte(`{"hostname":"a b"}`), 400},
		{"enroll: not JSON", "/api/v1/enroll", bearer(enroll), remote, []byte(`hostname=x`), 400},
		{"report: own token", "/api/v1/reports", bearer(er.HostToken), remote, nativeBody("web1.example.org"), 202},
		{"report: own token, name case", "/api/v1/reports", bearer(er.HostToken), remote, nativeBody("WEB1.example.org"), 202},
		{"report: other host's token", "/api/v1/reports", bearer(er2.HostToken), remote, nativeBody("web1.example.org"), 403},
		{"report: token for an unenrolled name", "/api/v1/reports", bearer(er.HostToken), remote, nativeBody("new.example.org"), 403},
		{"report: wrong host token", "/api/v1/reports", bearer(er.HostToken + "x"), remote, nativeBody("web1.example.org"), 401},
		{"report: enrollment token", "/api/v1/reports", bearer(enroll), remote, nativeBody("web1.example.org"), 401},
		{"report: keyless from allowed net, enrolled name", "/api/v1/reports", nil, "10.1.2.3:5000", nativeBody("web1.example.org"), 403},
		{"report: keyless from allowed net, other name", "/api/v1/reports", nil, "10.1.2.3:5000", nativeBody("db1.example.org"), 202},
		{"report: keyless from outside", "/api/v1/reports", nil, remote, nativeBody("db1.example.org"), 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := post(h, tt.path, tt.remote, tt.hdr, tt.body)
			if rec.Code != tt.want {
				t.Errorf("got %d %s, want %d", rec.Code, rec.Body, tt.want)
			}
		})
	}
	if got := len(reportsByStatus(t, db, store.ReportPending)); got != 3 {
		t.Errorf("got %d pending reports, want 3", got)
	}
}

func TestImportFiles(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	dir := t.TempDir()
	good := filepath.Join(dir, "web1.json")
	os.WriteFile(good, nativeBody("web1.example.org"), 0o644)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"version":2}`), 0o644)
	n, err := ImportFiles(ctx, db, nil, []string{good, bad, filepath.Join(dir, "missing.json"), good})
	if n != 2 || err == nil {
		t.Fatalf("got %d, %v; want 2 stored and errors for the bad and missing files", n, err)
	}
	pending := reportsByStatus(t, db, store.ReportPending)
	if len(pending) != 2 {
		t.Fatalf("got %d pending, want 2", len(pending))
	}
	want := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	if !pending[0].Received.Equal(want) || pending[0].Protocol != "native" || pending[0].UserAgent != "import web1.json" {
		t.Errorf("got %+v, want dated by its collected time %v", pending[0], want)
	}
	if rej := reportsByStatus(t, db, store.ReportRejected); len(rej) != 1 {
		t.Errorf("got %d rejected, want 1 (the bad file)", len(rej))
	}
	p := NewProcessor(db, nil, nil)
	if n, err := p.ProcessPending(ctx); err != nil || n != 2 {
		t.Errorf("processing the duplicate imports: got %d, %v; want 2 processed", n, err)
	}
}
