package cli

import (
	"context"
	"fmt"

	"patchward/repo"
	"patchward/ui/app"
)

// All is `patchward all`: Patchman's -a, every maintenance job in order for one cron line:
// refresh, process, find-updates, clean-reports, dbcheck. It stops at the first that fails.
func All(ctx context.Context, env *Env, args []string) error {
	f := dataFlags(env, "")
	fix := f.Bool("fix", false, "let dbcheck delete the unused rows it finds")
	quiet := f.quietFlag()
	return f.withApp(ctx, args, "", func(a *app.App, _ []string) error {
		steps := []struct {
			name string
			run  func() error
		}{
			{"refresh", func() error { return refresh(ctx, env, a, repo.Request{}, *quiet) }},
			{"process", func() error { return process(ctx, env, a) }},
			{"find-updates", func() error { return findAll(ctx, env, a, false) }},
			{"clean-reports", func() error { return cleanReports(ctx, env, a, 0) }},
			{"dbcheck", func() error { return dbCheck(ctx, env, a, *fix) }},
		}
		for _, s := range steps {
			if err := s.run(); err != nil {
				return fmt.Errorf("all: %s: %w", s.name, err)
			}
		}
		return nil
	})
}
