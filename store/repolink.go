package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// LinkSuggestion is a pair of Debian mirrors in different repos that serve exactly the same
// package list: most likely the same repository reached through two mirror hosts, which
// Patchman makes an administrator find and link by hand. Linking moves Mirror into Repo's
// sibling: MoveMirror(ctx, s.OtherMirrorID, s.RepoID).
type LinkSuggestion struct {
	RepoID, OtherRepoID       int64
	RepoName, OtherRepoName   string
	MirrorID, OtherMirrorID   int64
	MirrorURL, OtherMirrorURL string
	Packages                  int
}

// SuggestMirrorLinks lists pairs of enabled deb mirrors of the same architecture, in
// different repos, whose last refresh stored identical non-empty package sets. Each pair
// appears once, the lower repo id first.
func (db *DB) SuggestMirrorLinks(ctx context.Context) ([]LinkSuggestion, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT ra.id, rb.id, ra.name, rb.name, a.id, b.id, a.url, b.url, a.package_count
		FROM mirror_packages pa
		JOIN mirror_packages pb ON pb.members = pa.members AND pb.mirror_id <> pa.mirror_id
		JOIN mirrors a ON a.id = pa.mirror_id
		JOIN mirrors b ON b.id = pb.mirror_id
		JOIN repos ra ON ra.id = a.repo_id
		JOIN repos rb ON rb.id = b.repo_id
		WHERE ra.id < rb.id AND ra.type = 'deb' AND rb.type = 'deb' AND ra.arch = rb.arch
			AND a.enabled = 1 AND b.enabled = 1 AND a.package_count > 0
		ORDER BY ra.id, rb.id, a.id, b.id`)
	if err != nil {
		return nil, fmt.Errorf("suggest mirror links: %w", err)
	}
	defer rows.Close()
	var out []LinkSuggestion
	for rows.Next() {
		var s LinkSuggestion
		if err := rows.Scan(&s.RepoID, &s.OtherRepoID, &s.RepoName, &s.OtherRepoName, &s.MirrorID, &s.OtherMirrorID,
			&s.MirrorURL, &s.OtherMirrorURL, &s.Packages); err != nil {
			return nil, fmt.Errorf("suggest mirror links: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("suggest mirror links: %w", err)
	}
	return out, nil
}

// StaleMirror is an enabled mirror whose metadata is older than the configured age: the
// hosts using it see updates late ("your hosts' mirror is N days behind").
type StaleMirror struct {
	MirrorID, RepoID int64
	URL, RepoName    string
	Freshness        time.Time
	Behind           time.Duration // now minus Freshness
}

// StaleMirrors lists enabled mirrors whose freshness (Release Date, repomd revision) is
// older than maxAge, most stale first. maxAge <= 0 lists none (staleness check off).
func (db *DB) StaleMirrors(ctx context.Context, maxAge time.Duration) ([]StaleMirror, error) {
	if maxAge <= 0 {
		return nil, nil
	}
	now := db.Now()
	rows, err := db.read.QueryContext(ctx, `SELECT m.id, m.repo_id, m.url, r.name, m.freshness
		FROM mirrors m JOIN repos r ON r.id = m.repo_id
		WHERE m.enabled = 1 AND r.enabled = 1 AND m.freshness IS NOT NULL AND m.freshness < ?
		ORDER BY m.freshness, m.id`, now.Add(-maxAge))
	if err != nil {
		return nil, fmt.Errorf("list stale mirrors: %w", err)
	}
	defer rows.Close()
	var out []StaleMirror
	for rows.Next() {
		var s StaleMirror
		var fresh sql.NullTime
		if err := rows.Scan(&s.MirrorID, &s.RepoID, &s.URL, &s.RepoName, &fresh); err != nil {
			return nil, fmt.Errorf("list stale mirrors: %w", err)
		}
		s.Freshness = fresh.Time.UTC()
		s.Behind = now.Sub(s.Freshness)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list stale mirrors: %w", err)
	}
	return out, nil
}

// RepoOSNames returns the distinct OS strings (as clients send them, e.g. "Rocky Linux 9.3")
// of the hosts that use repoID, most common first, at most limit. Refresh uses it to expand
// $releasever in mirrorlist and metalink URLs.
func (db *DB) RepoOSNames(ctx context.Context, repoID int64, limit int) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT ov.name FROM repo_set_members rsm
		JOIN computations c ON c.repo_set_id = rsm.set_id
		JOIN hosts h ON h.computation_id = c.id
		JOIN os_variants ov ON ov.id = h.os_variant_id
		WHERE rsm.repo_id = ? GROUP BY ov.name ORDER BY count(*) DESC, ov.name`+limitSQL(limit, 0), repoID)
	if err != nil {
		return nil, fmt.Errorf("os names of repo %d: %w", repoID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("os names of repo %d: %w", repoID, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("os names of repo %d: %w", repoID, err)
	}
	return out, nil
}
