package repo

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"patchward/store"
)

// Import loads repository metadata carried into an air-gapped site on removable media. dir
// holds copies of the mirrors' metadata in one of these layouts, tried in order for each
// enabled mirror:
//
//   - dir/HOST/PATH: a tree mirroring the URL (wget -x, rsync of the mirror's paths)
//   - dir/mirror/HOST/PATH: apt-mirror's base_path
//   - dir/PATH: the URL path without the host
//   - dir/REPOID: reposync --download-metadata, by the client's repo id (rpm)
//
// Each mirror found is refreshed from the local copy exactly as from the network (checksums,
// signatures against the configured keyrings, unchanged indexes skipped); mirrors with no copy
// in dir are left alone. The hosts keep reporting their own URLs.
func Import(ctx context.Context, db *store.DB, dir string, opts Options, log *slog.Logger) (Summary, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Summary{}, fmt.Errorf("import %s: %w", dir, err)
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return Summary{}, fmt.Errorf("import %s: not a directory", dir)
	}
	mirrors, err := db.MirrorsToRefresh(ctx, 0)
	if err != nil {
		return Summary{}, fmt.Errorf("import %s: %w", dir, err)
	}
	var ids []int64
	var rules []Rewrite
	for _, m := range mirrors {
		if rw, ok := localCopy(abs, m); ok {
			rules = append(rules, rw)
			ids = append(ids, m.ID)
		}
	}
	if len(ids) == 0 {
		return Summary{}, fmt.Errorf("import %s: no mirror's metadata found (layouts: HOST/PATH, mirror/HOST/PATH, PATH, REPOID)", dir)
	}
	// The local copies take precedence over any configured rewrite of the same URLs.
	opts.Rewrites = append(rules, opts.Rewrites...)
	r := NewRefresher(db, opts, log)
	return r.Refresh(ctx, Request{Mirrors: ids})
}

// localCopy finds m's metadata under dir and returns the rewrite that reads it there. For a
// Debian suite URL the rule maps the archive root (before /dists/), so the suite's Release is
// found as well.
func localCopy(dir string, m store.Mirror) (Rewrite, bool) {
	u, err := url.Parse(m.URL)
	if err != nil || u.Host == "" {
		return Rewrite{}, false
	}
	root, rootPath := m.URL, u.Path
	if i := strings.LastIndex(m.URL, "/dists/"); i >= 0 && m.RepoType == "deb" {
		root = m.URL[:i]
		rootPath = strings.TrimSuffix(u.Path, m.URL[i:])
	}
	rest := strings.TrimPrefix(m.URL, root) // "" or "/dists/..."
	cands := []string{
		filepath.Join(dir, u.Host, filepath.FromSlash(rootPath)),
		filepath.Join(dir, "mirror", u.Host, filepath.FromSlash(rootPath)),
		filepath.Join(dir, filepath.FromSlash(rootPath)),
	}
	if m.RepoIdent != "" && m.RepoType == "rpm" {
		cands = append(cands, filepath.Join(dir, m.RepoIdent))
	}
	for _, c := range slices.Compact(cands) {
		if !within(dir, c) {
			continue
		}
		if st, err := os.Stat(c + filepath.FromSlash(rest)); err == nil && st.IsDir() && c != dir {
			return Rewrite{From: root, To: "file://" + filepath.ToSlash(c)}, true
		}
	}
	return Rewrite{}, false
}

// within reports whether path is dir or below it (a URL path with ".." must not leave dir).
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
