package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"patchward/store"
	"patchward/ui/app"
	"patchward/ui/output"
)

// Diff is `patchward diff HOSTA HOSTB`: Patchman's -D, the installed packages of two hosts as a
// diff: "- " only on A, "+ " only on B, "~ " at different versions.
func Diff(ctx context.Context, env *Env, args []string) error {
	f, asJSON := queryFlags(env, "HOSTA HOSTB")
	return f.withApp(ctx, args, "", func(a *app.App, args []string) error {
		if len(args) != 2 {
			return errors.New("diff: want two host names")
		}
		var pkgs [2][]store.PackageKey
		for i, name := range args {
			h, err := a.DB().HostByName(ctx, name)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no host named %q", name)
			} else if err != nil {
				return err
			}
			if pkgs[i], err = a.DB().HostPackages(ctx, h.ID); err != nil {
				return err
			}
		}
		rows := diffPackages(pkgs[0], pkgs[1])
		if *asJSON {
			return output.WriteJSON(env.Stdout, rows)
		}
		var b strings.Builder
		for _, r := range rows {
			switch r.Change {
			case "only_a":
				fmt.Fprintf(&b, "- %s %s %s\n", r.Name, r.A, r.Arch)
			case "only_b":
				fmt.Fprintf(&b, "+ %s %s %s\n", r.Name, r.B, r.Arch)
			default:
				fmt.Fprintf(&b, "~ %s %s -> %s %s\n", r.Name, r.A, r.B, r.Arch)
			}
		}
		_, err := fmt.Fprint(env.Stdout, b.String())
		return err
	})
}

// diffPackages compares by name and arch; a name and arch installed at several versions
// (kernels) compares as the set of its versions.
func diffPackages(a, b []store.PackageKey) []output.HostDiff {
	type na struct{ name, arch string }
	versions := func(pkgs []store.PackageKey) map[na][]string {
		m := map[na][]string{}
		for _, k := range pkgs {
			m[na{k.Name, k.Arch}] = append(m[na{k.Name, k.Arch}], k.EVR())
		}
		for k, v := range m {
			slices.Sort(v)
			m[k] = slices.Compact(v)
		}
		return m
	}
	av, bv := versions(a), versions(b)
	out := []output.HostDiff{}
	add := func(k na, x, y []string) {
		d := output.HostDiff{Name: k.name, Arch: k.arch, A: strings.Join(x, ", "), B: strings.Join(y, ", ")}
		switch {
		case x == nil:
			d.Change = "only_b"
		case y == nil:
			d.Change = "only_a"
		case slices.Equal(x, y):
			return
		default:
			d.Change = "version"
		}
		out = append(out, d)
	}
	for k, x := range av {
		add(k, x, bv[k])
	}
	for k, y := range bv {
		if _, ok := av[k]; !ok {
			add(k, nil, y)
		}
	}
	slices.SortFunc(out, func(x, y output.HostDiff) int {
		return cmp.Or(strings.Compare(x.Name, y.Name), strings.Compare(x.Arch, y.Arch))
	})
	return out
}
