package ingest

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"patchward/store"
)

// TestTrustedProxies checks that X-Forwarded-For decides the client address only when the peer
// is a configured trusted proxy, and then only the hops our proxies appended.
func TestTrustedProxies(t *testing.T) {
	hdr, path, body := fixtureRequest(t, "patchman-protocol1-debian12")
	tests := []struct {
		name    string
		proxies []string
		remote  string
		xff     []string
		want    int
		wantIP  string
	}{
		{"no proxies configured: header ignored, public peer refused", nil, "203.0.113.9:5000", []string{"192.168.1.5"}, http.StatusForbidden, ""},
		{"no proxies configured: header cannot make a private peer public", nil, "192.168.1.5:5000", []string{"203.0.113.7"}, http.StatusNoContent, "192.168.1.5"},
		{"trusted proxy forwards a private client", []string{"203.0.113.0/24"}, "203.0.113.9:5000", []string{"192.168.1.5"}, http.StatusNoContent, "192.168.1.5"},
		{"trusted proxy forwards a public client", []string{"192.168.1.0/24"}, "192.168.1.1:5000", []string{"198.51.100.4"}, http.StatusForbidden, ""},
		{"client forges a private hop before the proxy's", []string{"192.168.1.0/24"}, "192.168.1.1:5000", []string{"10.0.0.1, 198.51.100.4"}, http.StatusForbidden, ""},
		{"chain of trusted proxies", []string{"192.168.1.0/24", "203.0.113.0/24"}, "192.168.1.1:5000", []string{"10.0.0.7", "203.0.113.2"}, http.StatusNoContent, "10.0.0.7"},
		{"untrusted peer's header ignored", []string{"192.168.1.0/24"}, "198.51.100.9:5000", []string{"10.0.0.7"}, http.StatusForbidden, ""},
		{"malformed hop: trust stops there", []string{"203.0.113.0/24"}, "203.0.113.9:5000", []string{"192.168.1.5, not-an-ip"}, http.StatusForbidden, ""},
		{"trusted proxy without the header is the client", []string{"192.168.1.0/24"}, "192.168.1.1:5000", nil, http.StatusNoContent, "192.168.1.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTestDB(t)
			h := Handler(db, Options{AllowedNetworks: []string{"192.168.0.0/16", "10.0.0.0/8"}, TrustedProxies: tt.proxies}, nil, nil)
			hh := hdr.Clone()
			for _, v := range tt.xff {
				hh.Add("X-Forwarded-For", v)
			}
			rec := post(h, path, tt.remote, hh, body)
			if rec.Code != tt.want {
				t.Fatalf("got %d %q, want %d", rec.Code, rec.Body, tt.want)
			}
			if tt.wantIP == "" {
				return
			}
			rs := reportsByStatus(t, db, store.ReportPending)
			if len(rs) != 1 || rs[0].RemoteAddr != tt.wantIP {
				t.Errorf("stored remote address: got %+v, want %s", rs, tt.wantIP)
			}
		})
	}
}

func TestTrustedProxiesValidate(t *testing.T) {
	err := Options{TrustedProxies: []string{"10.0.0.0/8", "proxy.example.org"}}.Validate()
	if err == nil {
		t.Fatal("got nil error for a host name in trusted_proxies, want one")
	}
	if got := err.Error(); got != `trusted_proxies: not CIDR networks: "proxy.example.org"` {
		t.Errorf("got %q", got)
	}
}

// TestProcessFinishesCurrentReport cancels the context while the first of two reports is being
// applied: that report must still be processed completely, the second left pending for later.
func TestProcessFinishesCurrentReport(t *testing.T) {
	db := openTestDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, h := range []string{"first.example.org", "second.example.org"} {
		hr := store.HostReport{Hostname: h, OS: "Debian 12.11", Kernel: "6.1.0-1-amd64", Arch: "x86_64",
			Packages: []store.PackageKey{{Name: "bash", Version: "5.2.15", Release: "2", Arch: "amd64", Type: "deb"}}}
		if _, err := db.SaveReport(ctx, store.Report{Protocol: "native", Hostname: h}, hr); err != nil {
			t.Fatal(err)
		}
	}
	var seen []int64
	p := NewProcessor(db, nil, func(ctx context.Context, hostID int64) {
		cancel() // shutdown arrives while this report's work is still running
		if ctx.Err() != nil {
			t.Errorf("the report's own work saw the cancellation: %v", ctx.Err())
		}
		seen = append(seen, hostID)
	})
	n, err := p.ProcessPending(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("ProcessPending: got err %v, want context.Canceled", err)
	}
	if n != 1 || len(seen) != 1 {
		t.Errorf("processed: got %d (callbacks %d), want 1", n, len(seen))
	}
	if got := len(reportsByStatus(t, db, store.ReportProcessed)); got != 1 {
		t.Errorf("processed reports: got %d, want 1", got)
	}
	pending := reportsByStatus(t, db, store.ReportPending)
	if len(pending) != 1 || pending[0].Hostname != "second.example.org" {
		t.Errorf("pending reports: got %+v, want second.example.org", pending)
	}
}
