// Package netlist parses the lists of CIDR networks that several settings take (intake's
// allowed networks and trusted proxies, the metrics endpoint's allowed networks) one way.
package netlist

import (
	"fmt"
	"net/netip"
	"strings"
)

// Parse parses cidrs into masked prefixes. Bad entries are all named in one error that starts
// with the setting's name, so a configuration check can report them together.
func Parse(setting string, cidrs []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	var bad []string
	for _, c := range cidrs {
		p, err := netip.ParsePrefix(strings.TrimSpace(c))
		if err != nil {
			bad = append(bad, fmt.Sprintf("%q", c))
			continue
		}
		out = append(out, p.Masked())
	}
	if len(bad) > 0 {
		return out, fmt.Errorf("%s: not CIDR networks: %s", setting, strings.Join(bad, ", "))
	}
	return out, nil
}

// Contains reports whether addr is in any of nets (IPv4-mapped IPv6 addresses count as IPv4).
func Contains(nets []netip.Prefix, addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, n := range nets {
		if n.Contains(addr) {
			return true
		}
	}
	return false
}
