package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"patchward/store"
	"patchward/ui/app"
	"patchward/ui/output"
)

// Updates is `patchward updates`: the fleet's pending updates, one row per distinct update
// with the hosts that need it (the /updates page and GET /api/v1/updates).
func Updates(ctx context.Context, env *Env, args []string) error {
	f, asJSON := queryFlags(env, "")
	pkg := f.String("package", "", "only updates of this package (exact name)")
	security := f.Bool("security", false, "only security updates")
	tag := f.String("tag", "", "only hosts with this tag")
	osName := f.String("os", "", "only hosts of this OS variant or OS group")
	return f.withApp(ctx, args, "", func(a *app.App, _ []string) error {
		v, err := a.DB().NewFleetIndex().Load(ctx)
		if err != nil {
			return err
		}
		uf := store.UpdateFilter{Package: *pkg}
		if *security {
			uf.Security = security
		}
		if *tag != "" || *osName != "" {
			snap, err := a.DB().LoadHostSnapshot(ctx)
			if err != nil {
				return err
			}
			hosts, _ := snap.Hosts(store.HostFilter{Tag: *tag, OS: *osName})
			uf.Hosts = v.HostSetOfHosts(hosts)
		}
		ups := output.Map(v.Updates(uf), output.FleetUpdateOf)
		if *asJSON {
			return output.WriteJSON(env.Stdout, ups)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PACKAGE\tARCH\tINSTALLED\tAVAILABLE\tSECURITY\tREPO\tHOSTS\tON")
		for _, u := range ups {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", u.Name, u.Arch, u.Installed, u.Available, yesNo(u.Security),
				u.Repo, u.HostCount, shortList(u.Hosts, 5))
		}
		return tw.Flush()
	})
}

// Packages is `patchward packages`: installed package names with host counts, or with
// --orphaned the packages that come from no repository (apt's [installed,local]).
func Packages(ctx context.Context, env *Env, args []string) error {
	f, asJSON := queryFlags(env, "")
	orphaned := f.Bool("orphaned", false, "only packages from no repository (no repository of the host offers the installed version or a newer one)")
	host := f.String("host", "", "with --orphaned: only this host's")
	return f.withApp(ctx, args, "", func(a *app.App, _ []string) error {
		if !*orphaned {
			if *host != "" {
				return errors.New("packages: --host needs --orphaned (a host's packages: patchward host NAME, or /hosts/NAME?packages=1)")
			}
			names, err := a.DB().PackageNames(ctx)
			if err != nil {
				return err
			}
			rows := output.Map(names, output.PackageOf)
			if *asJSON {
				return output.WriteJSON(env.Stdout, rows)
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PACKAGE\tTYPES\tVERSIONS\tHOSTS")
			for _, p := range names {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", p.Name, p.Types, p.Versions, p.Hosts)
			}
			return tw.Flush()
		}
		v, err := a.DB().NewFleetIndex().Load(ctx)
		if err != nil {
			return err
		}
		var hosts store.HostSet
		if *host != "" {
			h, err := a.DB().HostByName(ctx, *host)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no host named %q", *host)
			} else if err != nil {
				return err
			}
			hosts = v.HostSetOf([]int64{h.ID})
		}
		rows := output.Map(v.Local(hosts), output.LocalPackageOf)
		if *asJSON {
			return output.WriteJSON(env.Stdout, rows)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PACKAGE\tVERSION\tARCH\tHOSTS\tON")
		for _, p := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", p.Name, p.Version, p.Arch, p.HostCount, shortList(p.Hosts, 5))
		}
		return tw.Flush()
	})
}

// shortList is the first n names, and how many more.
func shortList(names []string, n int) string {
	s := strings.Join(names[:min(n, len(names))], ",")
	if len(names) > n {
		s += fmt.Sprintf(" +%d more", len(names)-n)
	}
	return s
}
