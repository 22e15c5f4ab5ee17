package cli

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"patchward/repo"
	"patchward/store"
	"patchward/ui/app"
)

// RepoImport is `patchward repo import DIR`: it loads repository metadata carried into an
// air-gapped site on removable media, then recomputes the updates it changed.
func RepoImport(ctx context.Context, env *Env, args []string) error {
	f := dataFlags(env, "DIR")
	f.quietFlag()
	return f.withApp(ctx, args, "directory", func(a *app.App, args []string) error {
		return repoImport(ctx, env, a, args[0])
	})
}

func repoImport(ctx context.Context, env *Env, a *app.App, dir string) error {
	sum, err := repo.Import(ctx, a.DB(), dir, a.Config().Repo, a.Logger())
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "imported %d mirror(s): %d changed, %d unchanged, %d failed, %d skipped, %d packages\n",
		sum.Mirrors, sum.Changed, sum.Unchanged, sum.Failed, sum.Skipped, sum.Packages)
	for _, l := range sum.Local {
		state := "updated"
		if l.Created {
			state = "new"
		}
		fmt.Fprintf(env.Stdout, "%s repository %d (%s): %s\n", state, l.RepoID, l.Type, l.URL)
		for _, res := range sum.Results {
			if res.MirrorID == l.MirrorID && res.Err != nil {
				fmt.Fprintf(env.Stdout, "  failed: %v\n", res.Err)
			}
		}
	}
	if len(sum.Local) > 0 {
		fmt.Fprintln(env.Stdout, "attach them to OS groups (OS page), or map hosts' repository URLs onto them with [[repo.rewrites]];"+
			" unreadable package files are named in the log and skipped")
	}
	if err := a.FindUpdates(ctx); err != nil {
		return err
	}
	if sum.Failed > 0 {
		return fmt.Errorf("%d mirror(s) could not be imported (see 'patchward repos')", sum.Failed)
	}
	return nil
}

// RepoLink is `patchward repo link`: it lists Debian mirrors in different repos that serve
// identical indexes (the same repository reached by two URLs) and, with --apply, links each
// pair into one repo.
func RepoLink(ctx context.Context, env *Env, args []string) error {
	f := dataFlags(env, "")
	apply := f.Bool("apply", false, "link every suggested pair (otherwise only list them)")
	f.quietFlag()
	return f.withApp(ctx, args, "", func(a *app.App, _ []string) error {
		return repoLink(ctx, env, a, *apply)
	})
}

func repoLink(ctx context.Context, env *Env, a *app.App, apply bool) error {
	db := a.DB()
	sugg, err := db.SuggestMirrorLinks(ctx)
	if err != nil {
		return err
	}
	if len(sugg) == 0 {
		fmt.Fprintln(env.Stdout, "no mirrors to link: no two repos serve identical indexes")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REPO\tMIRROR\tSAME AS REPO\tMIRROR\tPACKAGES")
	for _, s := range sugg {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%d\n", s.RepoID, s.MirrorURL, s.OtherRepoID, s.OtherMirrorURL, s.Packages)
	}
	if err := tw.Flush(); err != nil || !apply {
		if err == nil {
			fmt.Fprintln(env.Stdout, "run 'patchward repo link --apply' to link them")
		}
		return err
	}
	moved := map[int64]bool{}
	for _, s := range sugg {
		if moved[s.OtherMirrorID] {
			continue
		}
		if err := db.MoveMirror(ctx, s.OtherMirrorID, s.RepoID); errors.Is(err, store.ErrNotFound) {
			continue // an earlier link of this run folded that repo away
		} else if err != nil {
			return err
		}
		moved[s.OtherMirrorID] = true
		_ = db.Audit(ctx, "cli", "mirror.link", fmt.Sprintf("mirror %d into repo %d", s.OtherMirrorID, s.RepoID))
	}
	fmt.Fprintf(env.Stdout, "linked %d mirror(s)\n", len(moved))
	return a.FindUpdates(ctx)
}
