package netlist

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParseAndContains(t *testing.T) {
	nets, err := Parse("allowed_networks", []string{"10.0.0.0/8", " 192.168.1.7/24 ", "::1/128"})
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{"10.1.2.3": true, "192.168.1.200": true, "192.168.2.1": false,
		"::1": true, "::ffff:10.9.9.9": true, "8.8.8.8": false} {
		if got := Contains(nets, netip.MustParseAddr(addr)); got != want {
			t.Errorf("Contains(%s): got %v, want %v", addr, got, want)
		}
	}
	_, err = Parse("metrics.allowed_networks", []string{"10.0.0.0/33", "ok/8", "127.0.0.0/8"})
	if err == nil || !strings.HasPrefix(err.Error(), "metrics.allowed_networks: ") || !strings.Contains(err.Error(), `"ok/8"`) {
		t.Errorf("got %v, want both bad entries named under the setting", err)
	}
}
