package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"patchward/ingest"
	"patchward/repo"
	"patchward/store"
	"patchward/ui/app"
)

// Process is `patchward process`: process pending reports.
func Process(ctx context.Context, env *Env, args []string) error {
	f := dataFlags(env, "")
	f.quietFlag()
	return f.withApp(ctx, args, "", func(a *app.App, _ []string) error {
		return process(ctx, env, a)
	})
}

func process(ctx context.Context, env *Env, a *app.App) error {
	n, err := a.ProcessReports(ctx)
	fmt.Fprintf(env.Stdout, "processed %d report(s)\n", n)
	return err
}

// Ingest is `patchward ingest FILE...`: it stores report files written by `patchward report
// --output` (carried across an air gap) as pending reports, then processes them.
func Ingest(ctx context.Context, env *Env, args []string) error {
	f := dataFlags(env, "FILE...")
	f.quietFlag()
	return f.withApp(ctx, args, "", func(a *app.App, files []string) error {
		if len(files) == 0 {
			return errors.New("ingest: want one or more report files")
		}
		n, err := ingest.ImportFiles(ctx, a.DB(), a.Logger(), files)
		fmt.Fprintf(env.Stdout, "stored %d report(s)\n", n)
		if err != nil {
			return err
		}
		return process(ctx, env, a)
	})
}

// Refresh is `patchward refresh`: refresh repository metadata, then the updates it changed.
func Refresh(ctx context.Context, env *Env, args []string) error {
	f := dataFlags(env, "")
	force := f.Bool("force", false, "ignore stored checksums and validators")
	repoID := f.Int64("repo", 0, "refresh only this repository id")
	quiet := f.quietFlag()
	return f.withApp(ctx, args, "", func(a *app.App, _ []string) error {
		return refresh(ctx, env, a, repo.Request{Force: *force, RepoID: *repoID}, *quiet)
	})
}

func refresh(ctx context.Context, env *Env, a *app.App, req repo.Request, quiet bool) error {
	progress := newProgress(env.Stderr, quiet)
	req.Progress = progress.update
	sum, err := a.Refresh(ctx, req)
	progress.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "refreshed %d mirror(s): %d changed, %d unchanged, %d failed, %d packages, took %s\n",
		sum.Mirrors, sum.Changed, sum.Unchanged, sum.Failed, sum.Packages, sum.Took.Round(time.Millisecond))
	if sum.Failed > 0 {
		return fmt.Errorf("%d mirror(s) failed (see 'patchward repos')", sum.Failed)
	}
	return nil
}

// FindUpdates is `patchward find-updates`: find updates for every host or one.
func FindUpdates(ctx context.Context, env *Env, args []string) error {
	f := dataFlags(env, "")
	host := f.String("host", "", "only this host")
	force := f.Bool("force", false, "recompute everything")
	f.quietFlag()
	return f.withApp(ctx, args, "", func(a *app.App, _ []string) error {
		if *host != "" {
			return findForHost(ctx, env, a, *host)
		}
		return findAll(ctx, env, a, *force)
	})
}

func findAll(ctx context.Context, env *Env, a *app.App, force bool) error {
	sum, err := a.Finder().FindAll(ctx, force)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "computed %d distinct host state(s): %d updates (%d security), took %s\n",
		sum.Computations, sum.Updates, sum.Security, sum.Took.Round(time.Millisecond))
	return nil
}

func findForHost(ctx context.Context, env *Env, a *app.App, name string) error {
	h, err := a.DB().HostByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no host named %q", name)
	} else if err != nil {
		return err
	}
	if err := a.Finder().FindForHost(ctx, h.ID); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "found updates for %s\n", h.Hostname)
	return nil
}
