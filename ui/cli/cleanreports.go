package cli

import (
	"context"
	"fmt"

	"patchward/ui/app"
)

// CleanReports is `patchward clean-reports`: Patchman's -c for reports. It deletes processed
// reports beyond the newest --keep of each host (ingest.keep_reports by default) and rejected
// uploads older than ingest.keep_rejected; pending reports stay.
func CleanReports(ctx context.Context, env *Env, args []string) error {
	f := dataFlags(env, "")
	keep := f.Int("keep", 0, "processed reports to keep per host (default: ingest.keep_reports)")
	f.quietFlag()
	return f.withApp(ctx, args, "", func(a *app.App, _ []string) error {
		if *keep < 0 {
			return fmt.Errorf("clean-reports: --keep %d: want at least 1", *keep)
		}
		return cleanReports(ctx, env, a, *keep)
	})
}

func cleanReports(ctx context.Context, env *Env, a *app.App, keep int) error {
	cfg := a.Config().Ingest
	if keep == 0 {
		keep = cfg.KeepReports
	}
	p, err := a.DB().PruneReportCounts(ctx, keep, a.DB().Now().Add(-cfg.KeepRejected))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "deleted %d processed report(s) beyond the newest %d per host, %d rejected report(s) older than %s\n",
		p.Processed, keep, p.Rejected, cfg.KeepRejected)
	return nil
}
