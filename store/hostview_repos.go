package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// HostRepo is one repository a host reported, with the priority the host gives it.
type HostRepo struct {
	ID       int64
	Name     string
	Type     string
	Ident    string
	Priority int // higher wins
	Security bool
	Enabled  bool
	URLs     []string
}

// HostRepos lists a host's repositories, highest priority first.
func (db *DB) HostRepos(ctx context.Context, hostID int64) ([]HostRepo, error) {
	var out []HostRepo
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := db.cachedQueryRow(ctx, tx, `SELECT count(*) FROM hosts WHERE id = ?`, hostID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		rows, err := db.cachedQuery(ctx, tx, `SELECT r.id, r.name, r.type, r.repo_ident, m.priority, r.security, r.enabled
			FROM hosts h JOIN repo_set_members m ON m.set_id = h.repo_set_id
			JOIN repos r ON r.id = m.repo_id
			WHERE h.id = ? ORDER BY m.priority DESC, r.name, r.id`, hostID)
		if err != nil {
			return err
		}
		defer rows.Close()
		idx := map[int64]int{}
		for rows.Next() {
			var r HostRepo
			if err := rows.Scan(&r.ID, &r.Name, &r.Type, &r.Ident, &r.Priority, &r.Security, &r.Enabled); err != nil {
				return err
			}
			idx[r.ID] = len(out)
			out = append(out, r)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		urls, err := db.cachedQuery(ctx, tx, `SELECT mi.repo_id, mi.url FROM hosts h
			JOIN repo_set_members m ON m.set_id = h.repo_set_id
			JOIN mirrors mi ON mi.repo_id = m.repo_id
			WHERE h.id = ? ORDER BY mi.url`, hostID)
		if err != nil {
			return err
		}
		defer urls.Close()
		for urls.Next() {
			var id int64
			var u string
			if err := urls.Scan(&id, &u); err != nil {
				return err
			}
			if i, ok := idx[id]; ok {
				out[i].URLs = append(out[i].URLs, u)
			}
		}
		return urls.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("repos of host %d: %w", hostID, err)
	}
	return out, nil
}

// MirrorStatus is one mirror of a repository and the outcome of its refreshes.
type MirrorStatus struct {
	ID           int64
	URL          string
	Enabled      bool
	LastAttempt  time.Time // zero if never tried
	LastSuccess  time.Time // zero if never refreshed
	Freshness    time.Time // the index's own date (Release Date, repomd revision); zero if unknown
	LastError    string
	FailCount    int
	PackageCount int
}

// Failing reports whether the mirror's last refresh attempt failed.
func (m MirrorStatus) Failing() bool { return m.FailCount > 0 || m.LastError != "" }

// RepoSummary is one repository with its mirrors and how many hosts use it.
type RepoSummary struct {
	ID       int64
	Name     string
	Type     string
	Arch     string
	Ident    string
	Security bool
	// SecuritySetByUser is set once a person chose the flag; intake then leaves it alone.
	SecuritySetByUser bool
	Enabled           bool
	Hosts             int
	Mirrors           []MirrorStatus
}

// Repos lists every repository with its mirrors, by name.
func (db *DB) Repos(ctx context.Context) ([]RepoSummary, error) {
	out, err := db.repoSummaries(ctx, 0)
	if err != nil {
		return nil, fmt.Errorf("list repos: %w", err)
	}
	return out, nil
}

// Repo returns one repository with its mirrors; ErrNotFound if unknown.
func (db *DB) Repo(ctx context.Context, id int64) (RepoSummary, error) {
	out, err := db.repoSummaries(ctx, id)
	if err != nil {
		return RepoSummary{}, fmt.Errorf("repo %d: %w", id, err)
	}
	if len(out) == 0 {
		return RepoSummary{}, fmt.Errorf("repo %d: %w", id, ErrNotFound)
	}
	return out[0], nil
}

// repoSummaries loads all repos, or only repo id when id > 0, in one read snapshot.
func (db *DB) repoSummaries(ctx context.Context, id int64) ([]RepoSummary, error) {
	var out []RepoSummary
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT r.id, r.name, r.type, r.arch, r.repo_ident, r.security,
			r.security_set_by_user, r.enabled,
			(SELECT count(*) FROM hosts h JOIN repo_set_members m ON m.set_id = h.repo_set_id WHERE m.repo_id = r.id)
			FROM repos r WHERE ? = 0 OR r.id = ? ORDER BY r.name, r.arch, r.id`, id, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		idx := map[int64]int{}
		for rows.Next() {
			var r RepoSummary
			if err := rows.Scan(&r.ID, &r.Name, &r.Type, &r.Arch, &r.Ident, &r.Security,
				&r.SecuritySetByUser, &r.Enabled, &r.Hosts); err != nil {
				return err
			}
			idx[r.ID] = len(out)
			out = append(out, r)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		mirrors, err := tx.QueryContext(ctx, `SELECT id, repo_id, url, enabled, last_attempt, last_success,
			freshness, last_error, fail_count, package_count
			FROM mirrors WHERE ? = 0 OR repo_id = ? ORDER BY url`, id, id)
		if err != nil {
			return err
		}
		defer mirrors.Close()
		for mirrors.Next() {
			var m MirrorStatus
			var repoID int64
			var attempt, success, fresh sql.NullTime
			if err := mirrors.Scan(&m.ID, &repoID, &m.URL, &m.Enabled, &attempt, &success, &fresh,
				&m.LastError, &m.FailCount, &m.PackageCount); err != nil {
				return err
			}
			m.LastAttempt, m.LastSuccess, m.Freshness = attempt.Time, success.Time, fresh.Time
			if i, ok := idx[repoID]; ok {
				out[i].Mirrors = append(out[i].Mirrors, m)
			}
		}
		return mirrors.Err()
	})
	return out, err
}

// SetRepoSecurity sets a repository's security flag as chosen by a person (intake will not
// override it) and marks dirty every computation that uses the repository.
func (db *DB) SetRepoSecurity(ctx context.Context, repoID int64, security bool) error {
	err := db.updateRepoFlag(ctx, repoID, `UPDATE repos SET security = ?, security_set_by_user = 1 WHERE id = ?`, security)
	if err != nil {
		return fmt.Errorf("set security of repo %d: %w", repoID, err)
	}
	return nil
}

// SetRepoEnabled enables or disables a repository and marks dirty every computation that uses it.
func (db *DB) SetRepoEnabled(ctx context.Context, repoID int64, enabled bool) error {
	err := db.updateRepoFlag(ctx, repoID, `UPDATE repos SET enabled = ? WHERE id = ?`, enabled)
	if err != nil {
		return fmt.Errorf("set enabled of repo %d: %w", repoID, err)
	}
	return nil
}

// updateRepoFlag runs a one-flag UPDATE on a repo and, in the same transaction, marks dirty
// the computations whose inputs include the repo: through a host's repo set, or (group mode)
// through the OS group's repos.
func (db *DB) updateRepoFlag(ctx context.Context, repoID int64, update string, value bool) error {
	return db.withTx(ctx, func(tx *sql.Tx) error {
		if err := expectRow(tx.ExecContext(ctx, update, boolInt(value), repoID)); err != nil {
			return err
		}
		return markRepoDirty(ctx, tx, repoID)
	})
}
