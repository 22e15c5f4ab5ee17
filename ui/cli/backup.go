package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"patchward/store"
	"patchward/ui/app"
)

// Backup is `patchward backup FILE`: a verified copy of the database, taken while everything
// else keeps running.
func Backup(ctx context.Context, env *Env, args []string) error {
	f := dataFlags(env, "FILE")
	f.quietFlag()
	return f.withApp(ctx, args, "destination file", func(a *app.App, args []string) error {
		start := time.Now()
		size, err := a.Backup(ctx, args[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "backup written to %s (%d bytes, integrity ok), took %s\n", args[0], size,
			time.Since(start).Round(time.Millisecond))
		return nil
	})
}

// Restore is `patchward restore FILE`: it replaces the database with a backup, and refuses
// while the server or another command has the database open.
func Restore(ctx context.Context, env *Env, args []string) error {
	f := dataFlags(env, "FILE")
	f.quietFlag()
	args, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return errors.New("restore: want exactly one backup file")
	}
	// No App: restore needs the database closed by everyone, this process included.
	cfg, err := f.loadConfig()
	if err != nil {
		return err
	}
	if err := store.Restore(ctx, args[0], cfg.DBPath()); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "restored %s from %s (previous database kept as %s.before-restore)\n",
		cfg.DBPath(), args[0], cfg.DBPath())
	return nil
}
