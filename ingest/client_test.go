package ingest

import (
	"testing"
)

// TestClientOfReports: what each protocol says about the client. Patchman's captured 3.x and
// 4.x uploads carry no client version (protocol 1's User-Agent is curl's), so only the kind
// and protocol are known; the agent's native report carries its version.
func TestClientOfReports(t *testing.T) {
	for _, name := range []string{"patchman-protocol1-debian12", "patchman4-protocol1-debian12.http"} {
		h, _, _ := fixtureRequest(t, name)
		if ua := h.Get("User-Agent"); ua != "curl/7.88.1" {
			t.Errorf("%s: User-Agent %q: the capture is not curl's", name, ua)
		}
		r, _, err := ParseProtocol1(fixtureFields(t, name))
		if err != nil {
			t.Fatal(err)
		}
		if r.Client != "patchman-client" || r.ClientVersion != "" || r.ClientProtocol != "1" {
			t.Errorf("%s: client %q %q protocol %q, want patchman-client, no version, 1", name, r.Client, r.ClientVersion, r.ClientProtocol)
		}
	}
	_, _, body := fixtureRequest(t, "patchman4-protocol2-debian12.http")
	r, _, err := ParseProtocol2(body)
	if err != nil {
		t.Fatal(err)
	}
	if r.Client != "patchman-client" || r.ClientVersion != "" || r.ClientProtocol != "2" {
		t.Errorf("protocol 2: client %q %q protocol %q", r.Client, r.ClientVersion, r.ClientProtocol)
	}

	tests := []struct {
		name, body           string
		client, version, upd string
	}{
		{"agent_version wins", `{"version":1,"hostname":"a.example.org","os":"x","kernel":"k","arch":"x86_64","agent":"patchward-agent/0.9","agent_version":"1.0.0"}`,
			"patchward-agent", "1.0.0", ""},
		{"older agent: version from agent", `{"version":1,"hostname":"a.example.org","os":"x","kernel":"k","arch":"x86_64","agent":"patchward-agent/0.9"}`,
			"patchward-agent", "0.9", ""},
		{"no agent", `{"version":1,"hostname":"a.example.org","os":"x","kernel":"k","arch":"x86_64"}`, "", "", ""},
		{"self-update refused", `{"version":1,"hostname":"a.example.org","os":"x","kernel":"k","arch":"x86_64","agent":"patchward-agent/1.0.0",
			"self_update":{"at":"2026-12-07T10:00:00Z","from":"1.0.0","to":"1.1.0","ok":false,"error":"checksum mismatch"}}`,
			"patchward-agent", "1.0.0", "refused update from 1.0.0 to 1.1.0: checksum mismatch"},
		{"self-update done", `{"version":1,"hostname":"a.example.org","os":"x","kernel":"k","arch":"x86_64","agent":"patchward-agent/1.1.0",
			"self_update":{"at":"2026-12-07T10:00:00Z","from":"1.0.0","to":"1.1.0","ok":true}}`,
			"patchward-agent", "1.1.0", "updated from 1.0.0 to 1.1.0"},
		{"malformed self-update is left out", `{"version":1,"hostname":"a.example.org","os":"x","kernel":"k","arch":"x86_64","agent":"patchward-agent/1.1.0",
			"self_update":{"at":"yesterday","from":1}}`, "patchward-agent", "1.1.0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, err := ParseNative([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if r.Client != tt.client || r.ClientVersion != tt.version || r.AgentUpdate != tt.upd || r.ClientProtocol != "native" {
				t.Errorf("got client %q version %q update %q protocol %q, want %q %q %q native",
					r.Client, r.ClientVersion, r.AgentUpdate, r.ClientProtocol, tt.client, tt.version, tt.upd)
			}
		})
	}
}
