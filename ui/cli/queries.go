package cli

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"patchward/store"
	"patchward/ui/app"
	"patchward/ui/output"
)

// queryFlags are the flags of the query commands: --config, --data and --json.
func queryFlags(env *Env, synopsis string) (*flags, *bool) {
	f := dataFlags(env, synopsis)
	return f, f.Bool("json", false, "JSON output")
}

// Hosts is `patchward hosts`: hosts with their update counts.
func Hosts(ctx context.Context, env *Env, args []string) error {
	f, asJSON := queryFlags(env, "")
	return f.withApp(ctx, args, "", func(a *app.App, _ []string) error {
		return hosts(ctx, env, a, *asJSON)
	})
}

func hosts(ctx context.Context, env *Env, a *app.App, asJSON bool) error {
	hosts, _, err := a.DB().Hosts(ctx, store.HostFilter{Sort: "hostname"})
	if err != nil {
		return err
	}
	if asJSON {
		return output.WriteJSON(env.Stdout, output.HostsOf(hosts))
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tOS\tKERNEL\tPACKAGES\tSECURITY\tBUGFIX\tREBOOT\tLAST REPORT")
	for _, h := range hosts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", h.Hostname, h.OS, h.Kernel, h.Packages,
			h.SecurityUpdates, h.BugfixUpdates, yesNo(h.RebootRequired), fmtTime(h.LastReport))
	}
	return tw.Flush()
}

// Host is `patchward host NAME`: one host with its updates.
func Host(ctx context.Context, env *Env, args []string) error {
	f, asJSON := queryFlags(env, "NAME")
	return f.withApp(ctx, args, "host name", func(a *app.App, args []string) error {
		return host(ctx, env, a, args[0], *asJSON)
	})
}

func host(ctx context.Context, env *Env, a *app.App, name string, asJSON bool) error {
	h, err := a.DB().HostByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no host named %q", name)
	} else if err != nil {
		return err
	}
	ups, err := a.DB().HostUpdates(ctx, h.ID)
	if err != nil {
		return err
	}
	if asJSON {
		errata, err := a.DB().UpdateErrata(ctx, h.ID)
		if err != nil {
			return err
		}
		return output.WriteJSON(env.Stdout, output.HostDetailOf(h, ups, errata))
	}
	fmt.Fprintf(env.Stdout, "%s\n  os: %s\n  kernel: %s\n  arch: %s\n  packages: %d\n  reboot required: %s\n  last report: %s\n  updates: %d security, %d bugfix\n",
		h.Hostname, h.OS, h.Kernel, h.Arch, h.Packages, yesNo(h.RebootRequired), fmtTime(h.LastReport),
		h.SecurityUpdates, h.BugfixUpdates)
	if len(ups) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nPACKAGE\tARCH\tINSTALLED\tAVAILABLE\tSECURITY\tREPO")
	for _, u := range ups {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, u.Arch, u.Installed, u.Available, yesNo(u.Security), u.Repo)
	}
	return tw.Flush()
}

// Repos is `patchward repos`: repositories and the status of their mirrors.
func Repos(ctx context.Context, env *Env, args []string) error {
	f, asJSON := queryFlags(env, "")
	return f.withApp(ctx, args, "", func(a *app.App, _ []string) error {
		return repos(ctx, env, a, *asJSON)
	})
}

func repos(ctx context.Context, env *Env, a *app.App, asJSON bool) error {
	repos, err := a.DB().Repos(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return output.WriteJSON(env.Stdout, output.ReposOf(repos))
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tSECURITY\tENABLED\tHOSTS\tPACKAGES\tLAST SUCCESS\tMIRROR\tERROR")
	for _, r := range repos {
		for _, m := range r.Mirrors {
			last := "never"
			if !m.LastSuccess.IsZero() {
				last = fmtTime(m.LastSuccess)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", r.ID, r.Type, yesNo(r.Security), yesNo(r.Enabled && m.Enabled),
				r.Hosts, m.PackageCount, last, m.URL, m.LastError)
		}
	}
	return tw.Flush()
}

// History is `patchward history HOST`: the host's changes, newest first.
func History(ctx context.Context, env *Env, args []string) error {
	f, asJSON := queryFlags(env, "HOST")
	limit := f.Int("limit", 100, "at most this many events (0: all)")
	return f.withApp(ctx, args, "host name", func(a *app.App, args []string) error {
		h, err := a.DB().HostByName(ctx, args[0])
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no host named %q", args[0])
		} else if err != nil {
			return err
		}
		evs, err := a.DB().HostEvents(ctx, h.ID, *limit)
		if err != nil {
			return err
		}
		if *asJSON {
			return output.WriteJSON(env.Stdout, evs)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "WHEN\tKIND\tPACKAGE\tARCH\tOLD\tNEW")
		for _, e := range evs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", fmtTime(e.At), e.Kind, e.Name, e.Arch, e.Old, e.New)
		}
		return tw.Flush()
	})
}
