package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"patchward/ingest"
	"patchward/store"
	"patchward/ui/app"
)

// openWithArg parses a command that takes one positional argument and opens the App.
func openWithArg(ctx context.Context, env *Env, args []string, what string) (*app.App, string, error) {
	f := dataFlags(env, strings.ToUpper(strings.ReplaceAll(what, " ", "_")))
	args, err := f.parse(args)
	if err != nil {
		return nil, "", err
	}
	if err := wantArgs(env, args, what); err != nil {
		return nil, "", err
	}
	a, err := f.open(ctx)
	return a, args[0], err
}

// EnrollTokenAdd is `patchward enroll-token add NAME`: a site token agents enroll with.
func EnrollTokenAdd(ctx context.Context, env *Env, args []string) error {
	a, name, err := openWithArg(ctx, env, args, "token name")
	if err != nil {
		return err
	}
	defer a.Close()
	plain, err := ingest.CreateEnrollToken(ctx, a.DB(), name)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "created enrollment token %s; it is shown only once:\n%s\n", name, plain)
	return nil
}

// EnrollTokenList is `patchward enroll-token list`.
func EnrollTokenList(ctx context.Context, env *Env, args []string) error {
	f := dataFlags(env, "")
	if _, err := f.parse(args); err != nil {
		return err
	}
	a, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	toks, err := a.DB().EnrollTokens(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tCREATED\tLAST USED\tHOSTS\tREVOKED")
	for _, t := range toks {
		revoked := "no"
		if !t.Revoked.IsZero() {
			revoked = fmtTime(t.Revoked)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", t.ID, t.Name, t.Prefix, fmtTime(t.Created), fmtTime(t.LastUsed), t.Uses, revoked)
	}
	return tw.Flush()
}

// EnrollTokenRevoke is `patchward enroll-token revoke ID`.
func EnrollTokenRevoke(ctx context.Context, env *Env, args []string) error {
	a, arg, err := openWithArg(ctx, env, args, "token id")
	if err != nil {
		return err
	}
	defer a.Close()
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil {
		return fmt.Errorf("enroll-token revoke: %q is not a token id", arg)
	}
	if err := a.DB().RevokeEnrollToken(ctx, id); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no enrollment token with id %d", id)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "revoked enrollment token %d\n", id)
	return nil
}

// HostTokenRevoke is `patchward host-token revoke HOSTNAME`: its agent enrolls again.
func HostTokenRevoke(ctx context.Context, env *Env, args []string) error {
	a, host, err := openWithArg(ctx, env, args, "host name")
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.DB().RevokeHostToken(ctx, host); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no host token for %q", host)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "revoked the token of %s; its agent enrolls again on its next run\n", host)
	return nil
}
