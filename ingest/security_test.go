package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"patchward/store"
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

// p1Request builds a minimal protocol 1 multipart upload for host.
func p1Request(t *testing.T, host string) (http.Header, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, kv := range [][2]string{{"host", host}, {"os", "Debian 12"}, {"kernel", "6.1.0"}, {"arch", "x86_64"},
		{"packages", "'bash' '' '5.2.15' '2' 'amd64' 'deb'\n"}} {
		if err := mw.WriteField(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	mw.Close()
	return http.Header{"Content-Type": {mw.FormDataContentType()}}, b.Bytes()
}

// p2For is a keyless or keyed protocol 2 upload for host.
func p2For(host, key string) (http.Header, []byte) {
	hdr := http.Header{"Content-Type": {"application/json"}}
	if key != "" {
		hdr.Set("Authorization", "Api-Key "+key)
	}
	return hdr, []byte(`{"protocol":2,"hostname":"` + host + `","arch":"x86_64","kernel":"6.1","os":"Debian 12"}`)
}

// TestHostBinding checks that a host bound to a credential (its host token, or the Patchman key
// it reported with) refuses reports for its name without that credential, whatever the
// protocol and however the name is spelled.
func TestHostBinding(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	opts := Options{BindHosts: true}
	h := Handler(db, opts, nil, nil)
	enroll, err := CreateEnrollToken(ctx, db, "site")
	if err != nil {
		t.Fatal(err)
	}
	rec := post(h, "/api/v1/enroll", "10.0.0.5:1000", bearer(enroll), []byte(`{"hostname":"agent-b.example.org"}`))
	if rec.Code != http.StatusCreated {
		t.Fatalf("enroll: got %d %s", rec.Code, rec.Body)
	}
	k1, _, err := db.CreateAPIKey(ctx, "fleet-1", "patchman", "")
	if err != nil {
		t.Fatal(err)
	}
	k2, _, err := db.CreateAPIKey(ctx, "fleet-2", "patchman", "")
	if err != nil {
		t.Fatal(err)
	}
	if hdr, body := p2For("keyed.example.org", k1); post(h, "/api/report/", "10.0.0.9:1", hdr, body).Code != http.StatusAccepted {
		t.Fatal("first keyed report refused")
	}
	type req struct {
		path string
		hdr  http.Header
		body []byte
	}
	p1 := func(host string) req { hdr, body := p1Request(t, host); return req{"/reports/upload/", hdr, body} }
	p2 := func(host, key string) req { hdr, body := p2For(host, key); return req{"/api/report/", hdr, body} }
	tests := []struct {
		name string
		r    req
		want int
		msg  string
	}{
		{"protocol 1 for an enrolled host", p1("agent-b.example.org"), 403, "patchward host-token revoke agent-b.example.org"},
		{"protocol 1, trailing dot and case", p1("Agent-B.example.org."), 403, "host-token revoke"},
		{"protocol 2 keyless for an enrolled host", p2("agent-b.example.org", ""), 403, "host-token revoke"},
		{"protocol 2 key for an enrolled host", p2("agent-b.example.org", k1), 403, "host-token revoke"},
		{"native keyless, trailing dot", req{"/api/v1/reports", nil, nativeBody("agent-b.example.org.")}, 403, "host token"},
		{"protocol 1 for a key-bound host", p1("keyed.example.org"), 403, "fleet-1"},
		{"protocol 2 keyless for a key-bound host", p2("keyed.example.org.", ""), 403, "patchward host-token revoke keyed.example.org"},
		{"protocol 2 other key for a key-bound host", p2("keyed.example.org", k2), 403, "fleet-1"},
		{"protocol 2 its own key", p2("KEYED.example.org", k1), 202, ""},
		{"protocol 1 for an unbound host", p1("free.example.org"), 204, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := post(h, tt.r.path, "10.0.0.7:2000", tt.r.hdr, tt.r.body)
			if rec.Code != tt.want || !strings.Contains(rec.Body.String(), tt.msg) {
				t.Fatalf("got %d %q, want %d with %q", rec.Code, rec.Body, tt.want, tt.msg)
			}
		})
	}
	t.Run("re-bind with host-token revoke", func(t *testing.T) {
		if err := db.RevokeHostToken(ctx, "keyed.example.org."); err != nil {
			t.Fatal(err)
		}
		hdr, body := p2For("keyed.example.org", k2)
		if rec := post(h, "/api/report/", "10.0.0.7:2000", hdr, body); rec.Code != 202 {
			t.Fatalf("after revoke: got %d %q, want 202", rec.Code, rec.Body)
		}
		hdr, body = p2For("keyed.example.org", k1)
		if rec := post(h, "/api/report/", "10.0.0.7:2000", hdr, body); rec.Code != 403 {
			t.Errorf("old key after re-bind: got %d %q, want 403", rec.Code, rec.Body)
		}
	})
	t.Run("bind_hosts off", func(t *testing.T) {
		hdr, body := p1Request(t, "agent-b.example.org")
		if rec := post(Handler(db, Options{}, nil, nil), "/reports/upload/", "10.0.0.7:2000", hdr, body); rec.Code != 204 {
			t.Errorf("got %d %q, want 204", rec.Code, rec.Body)
		}
	})
}

// TestHostnameIsDNSName checks that every protocol refuses host names that are not DNS names
// and folds a trailing dot, through one validation.
func TestHostnameIsDNSName(t *testing.T) {
	for _, host := range []string{"bad\uFFFD.example.org", "+cmd.example", "@sum(1+1)*cmd.example", "a..example.org",
		"-lead.example.org", "x;rm.example", strings.Repeat("a", 64) + ".example.org"} {
		f := baseFields()
		f["host"] = host
		if _, _, err := ParseProtocol1(f); err == nil {
			t.Errorf("protocol 1 %q: accepted, want refused", host)
		}
		if _, _, err := ParseNative(nativeBody(host)); err == nil {
			t.Errorf("native %q: accepted, want refused", host)
		}
		if _, _, err := ParseProtocol2([]byte(`{"protocol":2,"hostname":"` + host + `","arch":"x","kernel":"1","os":"x"}`)); err == nil {
			t.Errorf("protocol 2 %q: accepted, want refused", host)
		}
	}
	for _, host := range []string{"agent-b.example.org.", "AGENT-B.Example.Org", "testhost", "under_score.example.org", "10.0.0.1"} {
		f := baseFields()
		f["host"] = host
		r, _, err := ParseProtocol1(f)
		if err != nil {
			t.Errorf("protocol 1 %q: %v, want accepted", host, err)
			continue
		}
		if want := strings.TrimSuffix(strings.ToLower(host), "."); r.Hostname != want {
			t.Errorf("protocol 1 %q: got %q, want %q", host, r.Hostname, want)
		}
	}
}

// TestIntakeKeyKinds checks that intake takes Patchman (intake) keys but not the people-facing
// API keys, whatever their role, and that an intake key never overrides a host's binding.
func TestIntakeKeyKinds(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	h := Handler(db, Options{BindHosts: true}, nil, nil)
	enroll, _ := CreateEnrollToken(ctx, db, "site")
	if rec := post(h, "/api/v1/enroll", "10.0.0.5:1000", bearer(enroll), []byte(`{"hostname":"web1.example.org"}`)); rec.Code != 201 {
		t.Fatalf("enroll: got %d %s", rec.Code, rec.Body)
	}
	intake, _, err := db.CreateAPIKey(ctx, "fleet", "patchman", "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, auth, host string
		want             int
	}{
		{"patchman key, Bearer", "Bearer " + intake, "n1.example.org", 202},
		{"patchman key, Api-Key", "Api-Key " + intake, "n2.example.org", 202},
		{"patchman key for an enrolled host", "Bearer " + intake, "web1.example.org", 403},
	}
	for _, role := range []string{"viewer", "operator", "admin"} {
		k, _, err := db.CreateAPIKey(ctx, "ui-"+role, "api", role)
		if err != nil {
			t.Fatal(err)
		}
		tests = append(tests, struct {
			name, auth, host string
			want             int
		}{"api key, " + role, "Bearer " + k, "n3.example.org", 401},
			struct {
				name, auth, host string
				want             int
			}{"api key, " + role + ", enrolled host", "Api-Key " + k, "web1.example.org", 401})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := http.Header{"Content-Type": {"application/json"}, "Authorization": {tt.auth}}
			rec := post(h, "/api/v1/reports", "203.0.113.9:1", hdr, nativeBody(tt.host))
			if rec.Code != tt.want {
				t.Fatalf("got %d %s, want %d", rec.Code, rec.Body, tt.want)
			}
		})
	}
}

// TestEnrollExistingHost checks that an enrollment token cannot claim a name that has been
// reporting keyless: that needs an admin's approval or a token made with allow-existing. A host
// that was enrolled before and whose token an admin revoked enrolls again without approval.
func TestEnrollExistingHost(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	h := Handler(db, Options{BindHosts: true}, nil, nil)
	proc := NewProcessor(db, nil, nil)
	for _, host := range []string{"old.example.org", "old2.example.org"} {
		hdr, body := p1Request(t, host)
		if rec := post(h, "/reports/upload/", "10.0.0.7:1", hdr, body); rec.Code != 204 {
			t.Fatalf("report %s: got %d %s", host, rec.Code, rec.Body)
		}
	}
	if _, err := proc.ProcessPending(ctx); err != nil {
		t.Fatal(err)
	}
	site, _, err := db.CreateEnrollToken(ctx, "site")
	if err != nil {
		t.Fatal(err)
	}
	rebuild, _, err := db.CreateEnrollTokenWith(ctx, store.EnrollTokenSpec{Name: "rebuild", AllowExisting: true})
	if err != nil {
		t.Fatal(err)
	}
	enroll := func(tok, host string) *httptest.ResponseRecorder {
		return post(h, "/api/v1/enroll", "10.0.0.8:1", bearer(tok), []byte(`{"hostname":"`+host+`"}`))
	}
	if rec := enroll(site, "old.example.org"); rec.Code != 403 || !strings.Contains(rec.Body.String(), "patchward enroll-token approve old.example.org") {
		t.Fatalf("claiming an existing host: got %d %s, want 403 naming the approval command", rec.Code, rec.Body)
	}
	pending, err := db.PendingEnrollments(ctx)
	if err != nil || len(pending) != 1 || pending[0].Hostname != "old.example.org" || pending[0].TokenName != "site" {
		t.Fatalf("pending: got %+v, %v; want old.example.org from site", pending, err)
	}
	hdr, body := p1Request(t, "old.example.org")
	if rec := post(h, "/reports/upload/", "10.0.0.7:1", hdr, body); rec.Code != 204 {
		t.Errorf("keyless report while enrollment waits: got %d %s, want 204", rec.Code, rec.Body)
	}
	if err := db.ApproveEnrollment(ctx, "OLD.example.org."); err != nil {
		t.Fatal(err)
	}
	if rec := enroll(site, "old.example.org"); rec.Code != 201 {
		t.Errorf("after approval: got %d %s, want 201", rec.Code, rec.Body)
	}
	if pending, _ := db.PendingEnrollments(ctx); len(pending) != 0 {
		t.Errorf("pending after enrolling: got %+v, want none", pending)
	}
	if rec := enroll(rebuild, "old2.example.org"); rec.Code != 201 {
		t.Errorf("allow-existing token: got %d %s, want 201", rec.Code, rec.Body)
	}
	if rec := enroll(site, "new.example.org"); rec.Code != 201 {
		t.Errorf("new name: got %d %s, want 201", rec.Code, rec.Body)
	}
	if err := db.RevokeHostToken(ctx, "old.example.org"); err != nil {
		t.Fatal(err)
	}
	if rec := enroll(site, "old.example.org"); rec.Code != 201 {
		t.Errorf("re-enroll after revocation: got %d %s, want 201", rec.Code, rec.Body)
	}
	if err := db.ApproveEnrollment(ctx, "nobody.example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("approve without a request: got %v, want ErrNotFound", err)
	}
}

// TestRepoCredentialsStripped checks that user:secret@ in reported repository URLs (and in deb
// repo names, which carry the URL) is never stored: not in the canonical report, not in a
// rejected upload's kept body, not in the rejection reason.
func TestRepoCredentialsStripped(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	h := Handler(db, Options{}, nil, nil)
	const secret = "s3cr3t-pw"
	fields := baseFields()
	fields["repos"] = "'deb' 'Debian 12 repo at https://user:" + secret + "@deb.example.org/debian/dists/bookworm/main/binary-amd64' '500' " +
		"'https://user:" + secret + "@deb.example.org/debian/dists/bookworm/main/binary-amd64'\n" +
		"'rpm' 'r' 'r' '10' 'https://" + secret + "@rpm.example.org/el9/' 'ftp://u:" + secret + "@ftp.example.org/x/'"
	r1, _, err := ParseProtocol1(fields)
	if err != nil {
		t.Fatal(err)
	}
	r2, _, err := ParseProtocol2([]byte(`{"protocol":2,"hostname":"p2.example.org","arch":"x86_64","kernel":"1","os":"x",` +
		`"repos":[{"type":"rpm","name":"r","id":"r","priority":"10","urls":["https://user:` + secret + `@rpm.example.org/el9/"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	r3, _, err := ParseNative([]byte(`{"version":1,"hostname":"n.example.org","kernel":"1","arch":"x","os":"x","packages":[],` +
		`"repos":[{"type":"deb","name":"d","priority":500,"urls":["http://u:` + secret + `@deb.example.org/debian"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []store.HostReport{r1, r2, r3} {
		if len(r.Repos) == 0 {
			t.Fatalf("%s: no repos parsed", r.Hostname)
		}
		for _, rr := range r.Repos {
			if s := fmt.Sprint(rr); strings.Contains(s, secret) || strings.Contains(s, "user@") || strings.Contains(s, "u@") {
				t.Errorf("%s: repo %s keeps the credentials", r.Hostname, s)
			}
			if !strings.Contains(strings.Join(rr.URLs, " "), ".example.org/") {
				t.Errorf("%s: repo URLs %v lost their host", r.Hostname, rr.URLs)
			}
		}
	}
	// A rejected upload's body and reason are kept for the UI: the secret is cut from both.
	hdr, _ := p2For("bad.example.org", "")
	body := []byte(`{"protocol":2,"hostname":"bad.example.org","arch":"x86_64","kernel":"1","os":"x",` +
		`"repos":[{"type":"deb","name":"d","priority":"x","urls":["https://user:` + secret + `@deb.example.org/"]}],"packages":"https:\/\/u:` + secret + `@x.example.org/"}`)
	if rec := post(h, "/api/report/", "10.0.0.1:1", hdr, body); rec.Code != 400 {
		t.Fatalf("got %d %s, want 400", rec.Code, rec.Body)
	}
	hdr, body = p1Request(t, "bad.example.org")
	body = bytes.Replace(body, []byte("'bash' '' '5.2.15'"), []byte("https://user:"+secret+"@deb.example.org/ '5.2.15'"), 1)
	if rec := post(h, "/reports/upload/", "10.0.0.1:1", hdr, body); rec.Code != 400 {
		t.Fatalf("got %d %s, want 400", rec.Code, rec.Body)
	}
	rejected := reportsByStatus(t, db, store.ReportRejected)
	if len(rejected) != 2 {
		t.Fatalf("got %d rejected reports, want 2", len(rejected))
	}
	for _, rep := range rejected {
		full, err := db.Report(ctx, rep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(full.Raw), secret) || strings.Contains(full.Error, secret) {
			t.Errorf("rejected report %d keeps the secret: error %q, raw %q", rep.ID, full.Error, full.Raw)
		}
		if len(full.Raw) == 0 {
			t.Errorf("rejected report %d: raw body not kept", rep.ID)
		}
	}
}

// TestRejectionRateLimit checks that one address cannot fill the disk with bad uploads: past
// its rejection budget its uploads get 429 before they are read, and are not kept; other
// addresses are not affected, and the budget comes back with time.
func TestRejectionRateLimit(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	db := store.OpenTest(t, store.WithClock(func() time.Time { return now }))
	h := Handler(db, Options{MaxRejectedPerMinute: 3}, nil, nil)
	bad := func(remote string) *httptest.ResponseRecorder {
		hdr, body := p1Request(t, "bad host.example.org")
		return post(h, "/reports/upload/", remote, hdr, body)
	}
	for i := range 3 {
		if rec := bad("10.0.0.1:1"); rec.Code != 400 {
			t.Fatalf("bad upload %d: got %d %s, want 400", i, rec.Code, rec.Body)
		}
	}
	rec := bad("10.0.0.1:1")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("past the budget: got %d %q (Retry-After %q), want 429 with Retry-After", rec.Code, rec.Body, rec.Header().Get("Retry-After"))
	}
	hdr, body := p1Request(t, "good.example.org")
	if rec := post(h, "/reports/upload/", "10.0.0.1:1", hdr, body); rec.Code != http.StatusTooManyRequests {
		t.Errorf("good upload past the budget: got %d, want 429", rec.Code)
	}
	if rec := bad("10.0.0.2:1"); rec.Code != 400 {
		t.Errorf("another address: got %d, want 400", rec.Code)
	}
	if got := len(reportsByStatus(t, db, store.ReportRejected)); got != 4 {
		t.Errorf("got %d rejected uploads kept, want 4 (refused ones are not kept)", got)
	}
	now = now.Add(time.Minute)
	if rec := bad("10.0.0.1:1"); rec.Code != 400 {
		t.Errorf("a minute later: got %d, want 400", rec.Code)
	}
}
