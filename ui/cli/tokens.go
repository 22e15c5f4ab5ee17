package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"

	"patchward/store"
	"patchward/ui/app"
)

// EnrollTokenAdd is `patchward enroll-token add NAME`: a site token agents enroll with.
// With --allow-existing its agents may enroll names that already report without an admin's
// approval.
func EnrollTokenAdd(ctx context.Context, env *Env, args []string) error {
	f := dataFlags(env, "NAME")
	allowExisting := f.Bool("allow-existing", false, "may enroll names that already report, without approval")
	return f.withApp(ctx, args, "token name", func(a *app.App, args []string) error {
		plain, _, err := a.DB().CreateEnrollTokenWith(ctx, store.EnrollTokenSpec{Name: args[0], AllowExisting: *allowExisting})
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

// EnrollTokenPending is `patchward enroll-token pending`: enrollments of names that already
// report, waiting for an admin's approval.
func EnrollTokenPending(ctx context.Context, env *Env, args []string) error {
	return dataFlags(env, "").withApp(ctx, args, "", func(a *app.App, _ []string) error {
		reqs, err := a.DB().PendingEnrollments(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "HOSTNAME\tTOKEN\tREQUESTED\tAPPROVED")
		for _, r := range reqs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Hostname, r.TokenName, fmtTime(r.Requested), fmtTime(r.Approved))
		}
		return tw.Flush()
	})
}

// EnrollTokenApprove is `patchward enroll-token approve HOSTNAME`.
func EnrollTokenApprove(ctx context.Context, env *Env, args []string) error {
	return dataFlags(env, "HOSTNAME").withApp(ctx, args, "host name", func(a *app.App, args []string) error {
		if err := a.DB().ApproveEnrollment(ctx, args[0]); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no enrollment of %q waits for approval (see patchward enroll-token pending)", args[0])
		} else if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "approved the enrollment of %s; its agent enrolls on its next run\n", args[0])
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
