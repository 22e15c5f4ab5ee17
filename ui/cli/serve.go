package cli

import (
	"context"

	"patchward/ui/app"
)

// Serve is `patchward serve`: the server (UI, API, report intake, metrics, jobs) until ctx ends.
func Serve(ctx context.Context, env *Env, args []string) error {
	f := dataFlags(env, "")
	f.StringVar(&f.listen, "listen", "", "listen address")
	if _, err := f.parse(args); err != nil {
		return err
	}
	a, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	a.Version = app.BuildVersion(env.Version)
	a.Console = env.Stderr
	if env.Jobs != nil {
		a.Jobs = env.Jobs(a)
	}
	return a.Run(ctx)
}
