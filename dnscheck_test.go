package main

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/dns/dnsmessage"

	"patchward/store"
)

// fakeDNS answers PTR queries on a loopback UDP port from ptr (reverse name -> host names);
// any other name is NXDOMAIN. It returns the server's address.
func fakeDNS(t *testing.T, ptr map[string][]string) string {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	must(t, err)
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, addr, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			var q dnsmessage.Message
			if q.Unpack(buf[:n]) != nil || len(q.Questions) != 1 {
				continue
			}
			res := dnsmessage.Message{Header: dnsmessage.Header{ID: q.ID, Response: true, Authoritative: true,
				RCode: dnsmessage.RCodeNameError}, Questions: q.Questions}
			question := q.Questions[0]
			if names, ok := ptr[strings.ToLower(question.Name.String())]; ok && question.Type == dnsmessage.TypePTR {
				res.RCode = dnsmessage.RCodeSuccess
				for _, name := range names {
					res.Answers = append(res.Answers, dnsmessage.Resource{
						Header: dnsmessage.ResourceHeader{Name: question.Name, Type: dnsmessage.TypePTR, Class: dnsmessage.ClassINET, TTL: 60},
						Body:   &dnsmessage.PTRResource{PTR: dnsmessage.MustNewName(name)}})
				}
			}
			if b, err := res.Pack(); err == nil {
				_, _ = conn.WriteTo(b, addr)
			}
		}
	}()
	return conn.LocalAddr().String()
}

// dnsHosts makes hosts that last reported from the given addresses (TEST-NET, which
// /etc/hosts does not name, so every lookup reaches the fake server).
func dnsHosts(t *testing.T, addrs map[string]string) string {
	t.Helper()
	data := t.TempDir()
	db := store.OpenTestFile(t, filepath.Join(data, "patchward.db"))
	for name, ip := range addrs {
		_, err := db.ApplyHostReport(t.Context(), 0, store.HostReport{Hostname: name, OS: "Debian GNU/Linux 12 (bookworm)",
			Arch: "amd64", Packages: []store.PackageKey{deb("bash", "5.2.15-2")}, RemoteIP: ip})
		must(t, err)
	}
	db.Close()
	return data
}

// TestCLIDNSCheck: match (case and trailing dot aside), mismatch, no PTR and no address, from a
// fake DNS server on loopback.
func TestCLIDNSCheck(t *testing.T) {
	server := fakeDNS(t, map[string][]string{
		"10.2.0.192.in-addr.arpa.": {"WEB1.example.org."},
		"11.2.0.192.in-addr.arpa.": {"something-else.example.org.", "other.example.org."},
	})
	data := dnsHosts(t, map[string]string{"web1.example.org": "192.0.2.10", "web2.example.org": "192.0.2.11",
		"web3.example.org": "192.0.2.12", "web4.example.org": "", "web5.example.org": "192.0.2.10"})
	db := store.OpenTestFile(t, filepath.Join(data, "patchward.db"))
	h, err := db.HostByName(t.Context(), "web5.example.org")
	must(t, err)
	if !h.CheckDNS {
		t.Error("check_dns: got off for a new host, want on")
	}
	must(t, db.SetHostCheckDNS(t.Context(), h.ID, false))
	db.Close()
	out := runCLI(t, data, "dns-check", "--dns-server", server)
	for _, want := range []string{
		`web1.example.org +192.0.2.10 +match +WEB1.example.org\n`,
		`web2.example.org +192.0.2.11 +mismatch +something-else.example.org other.example.org\n`,
		`web3.example.org +192.0.2.12 +no PTR *\n`,
		`web4.example.org +no address *\n`,
		`web5.example.org +192.0.2.10 +not checked \(check_dns off\) *\n`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("dns-check: got\n%s\nwant a line matching %q", out, want)
		}
	}
	out = runCLI(t, data, "dns-check", "--dns-server", server, "--host", "web2.example.org")
	if strings.Contains(out, "web1") || !strings.Contains(out, "mismatch") {
		t.Errorf("dns-check --host web2.example.org: got\n%s", out)
	}
	if out := runCLI(t, data, "dns-check", "--dns-server", server, "--host", "web5.example.org"); !strings.Contains(out, "mismatch") {
		t.Errorf("dns-check --host web5.example.org (check_dns off, but named): got\n%s, want it checked", out)
	}
	err = run(t.Context(), []string{"dns-check", "--host", "nosuch", "--data", data}, nil, strings.NewReader(""), &strings.Builder{}, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), `"nosuch"`) {
		t.Errorf("unknown host: got %v, want an error naming it", err)
	}
}

// TestCLIDNSCheckSystemResolver: with the system resolver, 127.0.0.1 is localhost where
// /etc/hosts says so (answered from the file, no network).
func TestCLIDNSCheckSystemResolver(t *testing.T) {
	b, err := os.ReadFile("/etc/hosts")
	if err != nil || !regexp.MustCompile(`(?m)^127\.0\.0\.1\s+localhost(\s|$)`).Match(b) {
		t.Skip("/etc/hosts does not name 127.0.0.1 localhost first")
	}
	data := dnsHosts(t, map[string]string{"localhost": "127.0.0.1"})
	if out := runCLI(t, data, "dns-check"); !regexp.MustCompile(`localhost +127\.0\.0\.1 +match +localhost\n`).MatchString(out) {
		t.Errorf("dns-check: got\n%s\nwant localhost to match", out)
	}
}
