package cli

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"patchward/store"
	"patchward/ui/app"
)

// HostsDelete is `patchward hosts delete --match GLOB [--yes]`: list the hosts whose name
// matches, and delete them only with --yes, so that a pattern is always seen before it acts.
func HostsDelete(ctx context.Context, env *Env, args []string) error {
	f := dataFlags(env, "--match GLOB [--yes]")
	match := f.String("match", "", "hostname pattern, case-insensitive: * any characters, ? one, [a-z] a class (e.g. 'test-*.example.org')")
	yes := f.Bool("yes", false, "delete the matching hosts; without it they are only listed")
	return f.withApp(ctx, args, "", func(a *app.App, args []string) error {
		if len(args) != 0 {
			return fmt.Errorf("%s: unexpected argument %q (give the pattern with --match)", env.Name, args[0])
		}
		pattern := strings.ToLower(strings.TrimSpace(*match))
		if pattern == "" {
			return fmt.Errorf("%s: give --match GLOB (e.g. --match 'test-*')", env.Name)
		}
		if _, err := path.Match(pattern, ""); errors.Is(err, path.ErrBadPattern) {
			return fmt.Errorf("%s: bad pattern %q", env.Name, *match)
		}
		db := a.DB()
		hosts, _, err := db.Hosts(ctx, store.HostFilter{})
		if err != nil {
			return err
		}
		var names []string
		for _, h := range hosts {
			if ok, _ := path.Match(pattern, strings.ToLower(h.Hostname)); ok {
				names = append(names, h.Hostname)
			}
		}
		if len(names) == 0 {
			fmt.Fprintf(env.Stdout, "no host matches %q\n", *match)
			return nil
		}
		for _, n := range names {
			fmt.Fprintln(env.Stdout, n)
		}
		if !*yes {
			fmt.Fprintf(env.Stdout, "would delete %s; run again with --yes to delete them\n", hostCount(len(names)))
			return nil
		}
		ids, err := db.HostIDs(ctx, names)
		if err != nil {
			return err
		}
		n, err := db.DeleteHosts(ctx, ids)
		if err != nil {
			return err
		}
		_ = db.Audit(ctx, "cli", "hosts.delete", fmt.Sprintf("%s matching %q", hostCount(n), *match))
		fmt.Fprintf(env.Stdout, "deleted %s\n", hostCount(n))
		return nil
	})
}

func hostCount(n int) string {
	if n == 1 {
		return "1 host"
	}
	return fmt.Sprintf("%d hosts", n)
}
