package repo

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"syscall"
)

// ErrDenied is returned for a URL whose host the network policy does not let refresh contact.
var ErrDenied = errors.New("address denied by repo network policy")

// alwaysDenied are link-local and cloud metadata addresses: denied unless allowed explicitly.
var alwaysDenied = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("fd00:ec2::254/128"),
	netip.MustParsePrefix("100.100.100.200/32"), // another cloud's metadata service
}

// netPolicy decides which addresses refresh may connect to. It is checked on every dial, so
// DNS names that resolve to a denied address and redirects to one are caught as well.
type netPolicy struct {
	allow, deny []netip.Prefix
}

func newNetPolicy(allow, deny []string) (*netPolicy, error) {
	p := &netPolicy{}
	for _, list := range []struct {
		in  []string
		out *[]netip.Prefix
	}{{allow, &p.allow}, {deny, &p.deny}} {
		for _, s := range list.in {
			pf, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("repo network %q: %w", s, err)
			}
			*list.out = append(*list.out, pf.Masked())
		}
	}
	return p, nil
}

// allowed reports whether refresh may connect to addr.
func (p *netPolicy) allowed(addr netip.Addr) bool {
	addr = addr.Unmap()
	contains := func(list []netip.Prefix) bool {
		return slices.ContainsFunc(list, func(pf netip.Prefix) bool { return pf.Contains(addr) })
	}
	if contains(p.deny) {
		return false
	}
	if contains(p.allow) {
		return true
	}
	if len(p.allow) > 0 || contains(alwaysDenied) {
		return false
	}
	return true
}

// control is the dialer hook: it sees the resolved address of every connection.
func (p *netPolicy) control(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	if !p.allowed(addr) {
		return fmt.Errorf("dial %s: %w", address, ErrDenied)
	}
	return nil
}

// checkHost rejects a URL host that is a denied address literal before any request is made
// (with a proxy configured the dial goes to the proxy, so literals are checked here too).
func (p *netPolicy) checkHost(host string) error {
	addr, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return nil // a name: checked when dialled
	}
	if !p.allowed(addr) {
		return fmt.Errorf("host %s: %w", host, ErrDenied)
	}
	return nil
}

// checkRedirect applies checkHost to redirect targets and bounds redirect chains.
func (p *netPolicy) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirect to %s: unsupported scheme", req.URL.Redacted())
	}
	return p.checkHost(req.URL.Hostname())
}
