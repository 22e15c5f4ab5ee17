package repo

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRefreshClientCertificate refreshes from a server that demands a client certificate
// (RHEL CDN style), trusting the server through the credential's CA file.
func TestRefreshClientCertificate(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "patchward-client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	certFile, keyFile := write("client.crt", "CERTIFICATE", der), write("client.key", "EC PRIVATE KEY", keyDER)
	clientCert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(clientCert)
	srv := httptest.NewUnstartedServer(http.FileServer(http.Dir("testdata")))
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.StartTLS()
	defer srv.Close()
	caFile := write("server-ca.crt", "CERTIFICATE", srv.Certificate().Raw)

	f := newFixture(t, Options{Credentials: []Credential{{Prefix: srv.URL + "/", CertFile: certFile, KeyFile: keyFile, CAFile: caFile}}})
	f.addMirror(t, "rpm", srv.URL+rpmDir)
	if s := f.refresh(t, Request{}); s.Changed != 1 {
		t.Fatalf("got %+v, want changed with the client certificate", s)
	}
	g := newFixture(t, Options{Retries: -1, Credentials: []Credential{{Prefix: srv.URL + "/", CAFile: caFile}}})
	g.addMirror(t, "rpm", srv.URL+rpmDir)
	if s := g.refresh(t, Request{}); s.Failed != 1 {
		t.Fatalf("got %+v, want failed without a client certificate", s)
	}
}
