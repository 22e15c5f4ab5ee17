package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"patchward/store"
	"patchward/ui/app"
)

// DNSCheck is `patchward dns-check`: Patchman's -n, the reverse DNS of each host's last
// reporting address compared with its name, for the hosts whose check_dns setting is on (or
// the one --host names). Only a report shows it: a mismatch is not an error.
func DNSCheck(ctx context.Context, env *Env, args []string) error {
	f := dataFlags(env, "")
	host := f.String("host", "", "only this host")
	server := f.String("dns-server", "", "ask this DNS server (HOST:PORT, UDP) instead of the system resolver")
	return f.withApp(ctx, args, "", func(a *app.App, _ []string) error {
		hosts, _, err := a.DB().Hosts(ctx, store.HostFilter{Sort: "hostname"})
		if err != nil {
			return err
		}
		if *host != "" {
			h, err := a.DB().HostByName(ctx, *host)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no host named %q", *host)
			} else if err != nil {
				return err
			}
			hosts = []store.HostSummary{h}
		}
		results := checkDNS(ctx, resolver(*server), hosts, *host != "")
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "HOST\tADDRESS\tRESULT\tPTR")
		for i, h := range hosts {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", h.Hostname, h.IP, results[i].result, strings.Join(results[i].names, " "))
		}
		return tw.Flush()
	})
}

// resolver is the system resolver, or one asking only server.
func resolver(server string) *net.Resolver {
	if server == "" {
		return net.DefaultResolver
	}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", server)
	}}
}

type dnsResult struct {
	result string // match, mismatch, no PTR, no address, or the lookup's error
	names  []string
}

// checkDNS looks the hosts' addresses up a few at a time: a fleet's worth of PTR queries one
// after another would take minutes when the DNS server is slow. Hosts with check_dns off are
// left out unless named (--host).
func checkDNS(ctx context.Context, r *net.Resolver, hosts []store.HostSummary, named bool) []dnsResult {
	out := make([]dnsResult, len(hosts))
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i, h := range hosts {
		if !h.CheckDNS && !named {
			out[i] = dnsResult{result: "not checked (check_dns off)"}
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i] = checkHostDNS(ctx, r, h)
		}()
	}
	wg.Wait()
	return out
}

func checkHostDNS(ctx context.Context, r *net.Resolver, h store.HostSummary) dnsResult {
	if h.IP == "" {
		return dnsResult{result: "no address"}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	names, err := r.LookupAddr(ctx, h.IP)
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound || err == nil && len(names) == 0 {
		return dnsResult{result: "no PTR"}
	} else if err != nil {
		return dnsResult{result: "error: " + err.Error()}
	}
	for i, n := range names {
		names[i] = strings.TrimSuffix(n, ".")
		if strings.EqualFold(names[i], h.Hostname) {
			return dnsResult{result: "match", names: names[i : i+1]}
		}
	}
	return dnsResult{result: "mismatch", names: names}
}
