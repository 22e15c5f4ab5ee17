package repo

import (
	"context"

	"patchward/store"
)

// refreshFunc fetches and parses one mirror's metadata.
type refreshFunc func(r *Refresher, ctx context.Context, m store.Mirror, run *runState) (outcome, error)

// metadataParsers registers, per package type of updates/version.Types, how a mirror of that
// type is refreshed. A type whose repositories publish no metadata patchward reads is listed
// with nil, so that its mirrors are skipped on purpose; an unlisted type is skipped too, but the
// table test in the root package fails for it. Adding a distribution is one entry here.
var metadataParsers = map[string]refreshFunc{
	"deb": (*Refresher).refreshDeb,
	"rpm": func(r *Refresher, ctx context.Context, m store.Mirror, _ *runState) (outcome, error) {
		return r.refreshRPM(ctx, m)
	},
	"arch": func(r *Refresher, ctx context.Context, m store.Mirror, _ *runState) (outcome, error) {
		return r.refreshArch(ctx, m)
	},
	"apk": func(r *Refresher, ctx context.Context, m store.Mirror, _ *runState) (outcome, error) {
		return r.refreshAPK(ctx, m)
	},
	// Gentoo repositories are rsync or git trees of ebuilds with no package index, and the
	// intake maps their URLs to the distfiles mirror list: there is nothing to refresh.
	"gentoo": nil,
}

// Metadata reports whether package type typ is registered here (listed) and whether its
// repositories have metadata that a refresh reads (parsed); listed && !parsed is a type
// without repository metadata by design.
func Metadata(typ string) (listed, parsed bool) {
	f, ok := metadataParsers[typ]
	return ok, f != nil
}
