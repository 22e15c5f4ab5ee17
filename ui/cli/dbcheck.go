package cli

import (
	"context"
	"fmt"
	"strings"

	"patchward/ui/app"
)

// DBCheck is `patchward dbcheck`: Patchman's -d (and -n, -a), SQLite's integrity and foreign
// key checks and the rows nothing uses any more, counted; --fix deletes those in one
// transaction. A database SQLite finds damaged is an error, so cron mails it.
func DBCheck(ctx context.Context, env *Env, args []string) error {
	f := dataFlags(env, "")
	fix := f.Bool("fix", false, "delete the unused rows")
	f.quietFlag()
	return f.withApp(ctx, args, "", func(a *app.App, _ []string) error {
		return dbCheck(ctx, env, a, *fix)
	})
}

func dbCheck(ctx context.Context, env *Env, a *app.App, fix bool) error {
	out := env.Stdout
	in, err := a.DB().CheckIntegrity(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "integrity: %s\nforeign keys: %d violation(s)\n", strings.Join(in.Check, "; "), len(in.ForeignKeys))
	for _, v := range in.ForeignKeys {
		fmt.Fprintf(out, "  %s\n", v)
	}
	orphans, err := a.DB().CleanOrphans(ctx, fix)
	if err != nil {
		return err
	}
	verb := "would delete"
	if fix {
		verb = "deleted"
	}
	for _, o := range orphans {
		fmt.Fprintf(out, "%s %d %s\n", verb, o.Count, o.What)
	}
	if fix {
		if in, err = a.DB().CheckIntegrity(ctx); err != nil {
			return err
		}
		fmt.Fprintf(out, "after: integrity %s, %d foreign key violation(s)\n", strings.Join(in.Check, "; "), len(in.ForeignKeys))
	}
	if !in.OK() {
		return fmt.Errorf("dbcheck: integrity %s, %d foreign key violation(s)", strings.Join(in.Check, "; "), len(in.ForeignKeys))
	}
	return nil
}
