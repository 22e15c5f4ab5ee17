package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// knownMirror is a mirrors row found by URL, with the flags of its repo.
type knownMirror struct {
	repoID      int64
	ident       string
	security    bool
	securitySet bool
}

// NormalizeMirrorURL is the form mirrors.url is stored and matched in: surrounding space and
// trailing slashes removed (clients differ on the slash; Patchman strips it too).
func NormalizeMirrorURL(u string) string {
	return strings.TrimRight(strings.TrimSpace(u), "/")
}

// resolveRepoSet resolves each reported repo to a repos row (by mirror URL, creating repos and
// mirrors as needed) and returns the shared repo_sets row for the resulting (repo, priority)
// pairs.
func resolveRepoSet(ctx context.Context, tx *sql.Tx, repos []ReportedRepo, arch string, now time.Time) (int64, error) {
	urls := make([][]string, len(repos))
	var all []string
	for i, rr := range repos {
		for _, u := range rr.URLs {
			if u = NormalizeMirrorURL(u); u != "" && !slices.Contains(urls[i], u) {
				urls[i] = append(urls[i], u)
				all = append(all, u)
			}
		}
	}
	known, err := mirrorsByURL(ctx, tx, all)
	if err != nil {
		return 0, err
	}
	prio := make(map[int64]int, len(repos))
	for i, rr := range repos {
		id, err := resolveRepo(ctx, tx, rr, urls[i], arch, known, now)
		if err != nil {
			return 0, fmt.Errorf("resolve repo %q: %w", rr.Name, err)
		}
		// Two reported repos resolving to one (same mirror listed twice): the higher priority wins.
		if p, ok := prio[id]; !ok || rr.Priority > p {
			prio[id] = rr.Priority
		}
	}
	return repoSetID(ctx, tx, prio)
}

// mirrorsByURL looks all URLs up in one statement per 500.
func mirrorsByURL(ctx context.Context, tx *sql.Tx, urls []string) (map[string]knownMirror, error) {
	out := make(map[string]knownMirror, len(urls))
	for start := 0; start < len(urls); start += 500 {
		part := urls[start:min(start+500, len(urls))]
		args := make([]any, len(part))
		for i, u := range part {
			args[i] = u
		}
		rows, err := tx.QueryContext(ctx, `SELECT m.url, r.id, r.repo_ident, r.security, r.security_set_by_user
			FROM mirrors m JOIN repos r ON r.id = m.repo_id WHERE m.url IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("look up mirrors: %w", err)
		}
		for rows.Next() {
			var u string
			var m knownMirror
			if err := rows.Scan(&u, &m.repoID, &m.ident, &m.security, &m.securitySet); err != nil {
				rows.Close()
				return nil, fmt.Errorf("look up mirrors: %w", err)
			}
			out[u] = m
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("look up mirrors: %w", err)
		}
	}
	return out, nil
}

// resolveRepo returns the repo a reported repo is: the repo of its first URL that is a known
// mirror; else a repo with the same type, name, arch and client id; else a new repo. Its URLs
// not yet known become mirrors of that repo, and a URL containing "security" flags the repo as a
// security repo unless a user set that flag by hand.
func resolveRepo(ctx context.Context, tx *sql.Tx, rr ReportedRepo, urls []string, arch string,
	known map[string]knownMirror, now time.Time) (int64, error) {
	var m knownMirror
	found := false
	for _, u := range urls {
		if m, found = known[u]; found {
			break
		}
	}
	if !found {
		err := tx.QueryRowContext(ctx, `SELECT id, repo_ident, security, security_set_by_user FROM repos
			WHERE type = ? AND name = ? AND arch = ? AND repo_ident = ? ORDER BY id LIMIT 1`,
			rr.Type, rr.Name, arch, rr.Ident).Scan(&m.repoID, &m.ident, &m.security, &m.securitySet)
		if errors.Is(err, sql.ErrNoRows) {
			err = tx.QueryRowContext(ctx, `INSERT INTO repos (name, type, arch, repo_ident, created)
				VALUES (?, ?, ?, ?, ?) RETURNING id`, rr.Name, rr.Type, arch, rr.Ident, now).Scan(&m.repoID)
			m.ident = rr.Ident
		}
		if err != nil {
			return 0, err
		}
	}
	if rr.Ident != "" && rr.Ident != m.ident {
		if _, err := tx.ExecContext(ctx, `UPDATE repos SET repo_ident = ? WHERE id = ?`, rr.Ident, m.repoID); err != nil {
			return 0, err
		}
	}
	security := false
	for _, u := range urls {
		security = security || strings.Contains(strings.ToLower(u), "security")
		if _, ok := known[u]; ok {
			continue
		}
		// Another reported repo may have claimed the URL earlier in this report: keep its claim.
		if _, err := tx.ExecContext(ctx, `INSERT INTO mirrors (repo_id, url) VALUES (?, ?) ON CONFLICT (url) DO NOTHING`,
			m.repoID, u); err != nil {
			return 0, err
		}
		known[u] = m
	}
	if security && !m.security && !m.securitySet {
		if err := flagSecurityRepo(ctx, tx, m.repoID); err != nil {
			return 0, err
		}
		for u, k := range known {
			if k.repoID == m.repoID {
				k.security = true
				known[u] = k
			}
		}
	}
	return m.repoID, nil
}

// flagSecurityRepo marks a repo as a security repo and, because that changes how its updates
// are classified, marks dirty every computation whose repo set contains it.
func flagSecurityRepo(ctx context.Context, tx *sql.Tx, repoID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE repos SET security = 1 WHERE id = ?`, repoID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE computations SET dirty = 1 WHERE repo_set_id IN
		(SELECT set_id FROM repo_set_members WHERE repo_id = ?)
		OR os_group_id IN (SELECT os_group_id FROM os_group_repos WHERE repo_id = ?)`, repoID, repoID)
	return err
}

// repoSetID finds or creates the repo_sets row for exactly these (repo, priority) pairs. The
// digest is SHA-256 over the pairs sorted by repo id, each as uvarint id and varint priority.
func repoSetID(ctx context.Context, tx *sql.Tx, prio map[int64]int) (int64, error) {
	ids := make([]int64, 0, len(prio))
	for id := range prio {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	buf := make([]byte, 0, len(ids)*6)
	for _, id := range ids {
		buf = binary.AppendUvarint(buf, uint64(id))
		buf = binary.AppendVarint(buf, int64(prio[id]))
	}
	sum := sha256.Sum256(buf)
	var setID int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM repo_sets WHERE digest = ?`, sum[:]).Scan(&setID)
	if err == nil {
		return setID, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("look up repo set: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO repo_sets (digest) VALUES (?) RETURNING id`, sum[:]).Scan(&setID); err != nil {
		return 0, fmt.Errorf("create repo set: %w", err)
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO repo_set_members (set_id, repo_id, priority) VALUES (?, ?, ?)`,
			setID, id, prio[id]); err != nil {
			return 0, fmt.Errorf("create repo set: %w", err)
		}
	}
	return setID, nil
}
