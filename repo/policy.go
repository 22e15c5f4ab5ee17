package repo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// ErrDenied is returned for a URL whose host the network policy does not let refresh contact.
var ErrDenied = errors.New("refused by policy")

// alwaysDenied are link-local and cloud metadata addresses: denied unless allowed explicitly.
var alwaysDenied = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("fd00:ec2::254/128"),
	netip.MustParsePrefix("100.100.100.200/32"), // another cloud's metadata service
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("0.0.0.0/8"), // Linux connects 0.0.0.0 to the local host
	netip.MustParsePrefix("::/128"),
}

// trustedKey marks a request context whose URL came from a rewrite rule (the operator's
// configuration, not a host's report): loopback and the server's own addresses are allowed.
type trustedKey struct{}

// netPolicy decides which addresses refresh may connect to. It is checked on every dial, so
// DNS names that resolve to a denied address and redirects to one are caught as well.
type netPolicy struct {
	allow, deny []netip.Prefix
	selfMu      sync.RWMutex
	self        []netip.AddrPort // this server's listen addresses
	proxies     sync.Map         // netip.AddrPort of proxies the configuration names
}

func newNetPolicy(allow, deny, self []string) (*netPolicy, error) {
	p := &netPolicy{}
	if err := p.addSelf(self); err != nil {
		return nil, err
	}
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

// addSelf records the listen addresses; an empty or unspecified host means every address of
// this machine.
func (p *netPolicy) addSelf(self []string) error {
	p.selfMu.Lock()
	defer p.selfMu.Unlock()
	var local []netip.Addr
	for _, s := range self {
		host, port, err := net.SplitHostPort(s)
		if err != nil {
			return fmt.Errorf("listen address %q: %w", s, err)
		}
		pn, err := strconv.ParseUint(port, 10, 16)
		if err != nil || pn == 0 {
			continue // a port chosen at listen time is not known here
		}
		addr, err := netip.ParseAddr(host)
		if err == nil && !addr.IsUnspecified() {
			p.self = append(p.self, netip.AddrPortFrom(addr.Unmap(), uint16(pn)))
			continue
		}
		if local == nil {
			local = localAddrs()
		}
		for _, a := range local {
			p.self = append(p.self, netip.AddrPortFrom(a, uint16(pn)))
		}
	}
	return nil
}

// localAddrs are the addresses of this machine's interfaces, loopback included.
func localAddrs() []netip.Addr {
	out := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback(), netip.IPv4Unspecified(), netip.IPv6Unspecified()}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if pf, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, pf.Addr().Unmap())
		}
	}
	return out
}

// allowedAddrPort is allowed plus the refusal of this server's own listen addresses; trusted
// (a rewrite target) skips both.
func (p *netPolicy) allowedAddrPort(ap netip.AddrPort, trusted bool) bool {
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	if trusted {
		return !slices.ContainsFunc(p.deny, func(pf netip.Prefix) bool { return pf.Contains(ap.Addr()) })
	}
	if _, ok := p.proxies.Load(ap); ok {
		return true
	}
	p.selfMu.RLock()
	own := slices.Contains(p.self, ap)
	p.selfMu.RUnlock()
	return !own && p.allowed(ap.Addr())
}

// control is the dialer hook: it sees the resolved address of every connection, so names
// that resolve (or re-resolve: DNS rebinding) to a refused address are caught.
func (p *netPolicy) control(ctx context.Context, network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	if !p.allowedAddrPort(ap, ctx.Value(trustedKey{}) != nil) {
		return fmt.Errorf("dial %s: %w", address, ErrDenied)
	}
	return nil
}

// proxy wraps a proxy function: a request that goes through a proxy is checked here, with
// its host resolved locally, since the dial then reaches only the proxy. The proxy's own
// address (from the configuration or the environment) may be dialled.
func (p *netPolicy) proxy(next func(*http.Request) (*url.URL, error)) func(*http.Request) (*url.URL, error) {
	return func(req *http.Request) (*url.URL, error) {
		pu, err := next(req)
		if pu == nil || err != nil {
			return pu, err
		}
		ctx := req.Context()
		trusted := ctx.Value(trustedKey{}) != nil
		if err := p.checkResolved(ctx, req.URL, trusted); err != nil {
			return nil, err
		}
		addrs, err := resolve(ctx, pu)
		if err != nil {
			return nil, fmt.Errorf("proxy %s: %w", pu.Redacted(), err)
		}
		for _, ap := range addrs {
			p.proxies.Store(ap, true)
		}
		return pu, nil
	}
}

// checkResolved resolves u's host and refuses it if any address is refused.
func (p *netPolicy) checkResolved(ctx context.Context, u *url.URL, trusted bool) error {
	addrs, err := resolve(ctx, u)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", u.Host, err)
	}
	for _, ap := range addrs {
		if !p.allowedAddrPort(ap, trusted) {
			return fmt.Errorf("host %s: %w", u.Host, ErrDenied)
		}
	}
	return nil
}

// resolve returns the addresses and port a URL's host names.
func resolve(ctx context.Context, u *url.URL) ([]netip.AddrPort, error) {
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	pn, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("port %q: %w", port, err)
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.AddrPort{netip.AddrPortFrom(a.Unmap(), uint16(pn))}, nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	out := make([]netip.AddrPort, len(ips))
	for i, a := range ips {
		out[i] = netip.AddrPortFrom(a.Unmap(), uint16(pn))
	}
	return out, nil
}

// checkHost rejects a URL whose host is a denied address literal, or this server's own
// address and port, before any request is made: with a proxy configured the dial goes to the
// proxy, and a pooled connection is not dialled again, so literals are checked here too.
func (p *netPolicy) checkHost(ctx context.Context, u *url.URL) error {
	host := u.Hostname()
	addr, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil || ctx.Value(trustedKey{}) != nil {
		return nil // a name: checked when dialled
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	pn, _ := strconv.ParseUint(port, 10, 16)
	if !p.allowedAddrPort(netip.AddrPortFrom(addr, uint16(pn)), false) {
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
	return p.checkHost(req.Context(), req.URL)
}
