package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"

	"patchward/ingest"
	"patchward/store"
	"patchward/ui/app"
)

// EnrollTokenAdd is `patchward enroll-token add NAME`: a site token agents enroll with.
func EnrollTokenAdd(ctx context.Context, env *Env, args []string) error {
	return dataFlags(env, "NAME").withApp(ctx, args, "token name", func(a *app.App, args []string) error {
		plain, err := ingest.CreateEnrollToken(ctx, a.DB(), args[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "created enrollment token %s; it is shown only once:\n%s\n", args[0], plain)
		return nil
	})
}

// EnrollTokenList is `patchward enroll-token list`.
func EnrollTokenList(ctx context.Context, env *Env, args []string) error {
	return dataFlags(env, "").withApp(ctx, args, "", func(a *app.App, _ []string) error {
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
	})
}

// EnrollTokenRevoke is `patchward enroll-token revoke ID`.
func EnrollTokenRevoke(ctx context.Context, env *Env, args []string) error {
	return dataFlags(env, "ID").withApp(ctx, args, "token id", func(a *app.App, args []string) error {
		id, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil {
			return fmt.Errorf("enroll-token revoke: %q is not a token id", args[0])
		}
		if err := a.DB().RevokeEnrollToken(ctx, id); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no enrollment token with id %d", id)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "revoked enrollment token %d\n", id)
		return nil
	})
}

// HostTokenRevoke is `patchward host-token revoke HOSTNAME`: its agent enrolls again.
func HostTokenRevoke(ctx context.Context, env *Env, args []string) error {
	return dataFlags(env, "HOSTNAME").withApp(ctx, args, "host name", func(a *app.App, args []string) error {
		if err := a.DB().RevokeHostToken(ctx, args[0]); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no host token for %q", args[0])
		} else if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "revoked the token of %s; its agent enrolls again on its next run\n", args[0])
		return nil
	})
}
