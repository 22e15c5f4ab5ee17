package cli

import (
	"context"
	"io"

	"patchward/ui/app"
)

// Version is `patchward version`.
func Version(ctx context.Context, env *Env, args []string) error {
	if _, err := newFlags(env, "").parse(args); err != nil {
		return err
	}
	_, err := io.WriteString(env.Stdout, "patchward "+app.BuildVersion(env.Version)+"\n")
	return err
}
