package repo

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestVerifyRealInRelease checks the InRelease files apt downloaded on this machine against
// the distribution's own keyring: real signatures (RSA, SHA-512, subkeys) verify, and a
// single changed byte in the signed text does not. Only Debian's own suites are checked: a
// third-party list on the machine (nodesource, say) is signed by a key that is not in Debian's
// keyring, which is exactly the case a real refresh reports as unverified.
func TestVerifyRealInRelease(t *testing.T) {
	all, _ := filepath.Glob("/var/lib/apt/lists/*_InRelease")
	var files []string
	for _, f := range all {
		if data, err := os.ReadFile(f); err == nil && bytes.Contains(data, []byte("\nOrigin: Debian\n")) {
			files = append(files, f)
		}
	}
	if _, err := os.Stat(DefaultKeyring); err != nil || len(files) == 0 {
		if os.Getenv("PATCHWARD_REQUIRE_TOOLS") == "1" {
			t.Fatalf("need %s and apt lists: %v", DefaultKeyring, err)
		}
		t.Skip("no distribution keyring or no apt InRelease files on this machine")
	}
	k, err := loadKeyrings(Options{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, verified, err := k.verifyInRelease("http://mirror.example.org/dists/x", data)
		if err != nil || !verified {
			t.Errorf("%s: got verified %v, %v; want a good signature", filepath.Base(f), verified, err)
		}
		bad := []byte(string(data))
		for i := 200; i < len(bad); i++ {
			if bad[i] == 'a' {
				bad[i] = 'b'
				break
			}
		}
		if _, _, err := k.verifyInRelease("http://mirror.example.org/dists/x", bad); err == nil {
			t.Errorf("%s: got no error for altered signed text", filepath.Base(f))
		}
	}
}
