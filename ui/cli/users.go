package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"patchward/store"
	"patchward/ui/app"
)

// UserAdd is `patchward user add NAME`: create a user with a random or given password.
func UserAdd(ctx context.Context, env *Env, args []string) error {
	f := dataFlags(env, "NAME")
	role := f.String("role", "admin", "admin, operator or viewer")
	stdin := f.Bool("password-stdin", false, "read the password from standard input")
	return f.withApp(ctx, args, "user name", func(a *app.App, args []string) error {
		password, err := readPassword(env, *stdin)
		if err != nil {
			return err
		}
		u, err := a.DB().CreateUser(ctx, args[0], password, *role)
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("user %q already exists", args[0])
		} else if err != nil {
			return err
		}
		if *stdin {
			fmt.Fprintf(env.Stdout, "created %s user %s\n", u.Role, u.Name)
		} else {
			fmt.Fprintf(env.Stdout, "created %s user %s with password: %s\n", u.Role, u.Name, password)
		}
		return nil
	})
}

// UserPasswd is `patchward user passwd NAME`: set a user's password (ending their sessions).
func UserPasswd(ctx context.Context, env *Env, args []string) error {
	f := dataFlags(env, "NAME")
	stdin := f.Bool("password-stdin", false, "read the new password from standard input")
	return f.withApp(ctx, args, "user name", func(a *app.App, args []string) error {
		password, err := readPassword(env, *stdin)
		if err != nil {
			return err
		}
		if err := a.DB().SetPassword(ctx, args[0], password); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no user named %q", args[0])
		} else if err != nil {
			return err
		}
		if *stdin {
			fmt.Fprintf(env.Stdout, "password of %s changed\n", args[0])
		} else {
			fmt.Fprintf(env.Stdout, "password of %s changed to: %s\n", args[0], password)
		}
		return nil
	})
}

// readPassword reads a password from stdin (--password-stdin) or makes a random one.
func readPassword(env *Env, fromStdin bool) (string, error) {
	if !fromStdin {
		return app.RandomPassword(), nil
	}
	b, err := io.ReadAll(io.LimitReader(env.Stdin, 4096))
	if err != nil {
		return "", fmt.Errorf("%s: read password: %w", env.Name, err)
	}
	password := strings.TrimRight(string(b), "\r\n")
	if len(password) < 8 {
		return "", fmt.Errorf("%s: password must be at least 8 characters", env.Name)
	}
	return password, nil
}

// APIKeyAdd is `patchward apikey add NAME`: create an API key, printed once.
func APIKeyAdd(ctx context.Context, env *Env, args []string) error {
	f := dataFlags(env, "NAME")
	kind := f.String("kind", "patchman", "patchman (protocol 2 uploads) or api (/api/v1)")
	role := f.String("role", "viewer", "role of an api key")
	return f.withApp(ctx, args, "key name", func(a *app.App, args []string) error {
		if *kind != "patchman" && *kind != "api" {
			return fmt.Errorf("apikey add: --kind %q: want patchman or api", *kind)
		}
		plain, k, err := a.DB().CreateAPIKey(ctx, args[0], *kind, *role)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "created %s key %s (prefix %s); it is shown only once:\n%s\n", k.Kind, k.Name, k.Prefix, plain)
		return nil
	})
}
