package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// computationKey is everything that determines a computation's result: hosts with equal keys
// share one computation.
type computationKey struct {
	packageSet int64
	repoSet    int64
	reposOnly  bool          // host mode; otherwise group mode with osGroup's repos
	osGroup    sql.NullInt64 // the host's OS group (only used in group mode)
	modules    string        // moduleKey of the host's enabled streams
}

// computationID finds or creates the computation for k, created dirty. A host that asked for
// its OS group's repos but has no OS group computes in host mode. The single writer makes
// find-then-insert race free.
func computationID(ctx context.Context, tx *sql.Tx, k computationKey) (int64, error) {
	mode, group := "host", any(nil)
	if !k.reposOnly && k.osGroup.Valid {
		mode, group = "group", k.osGroup.Int64
	}
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM computations WHERE package_set_id = ? AND ifnull(repo_set_id, 0) = ?
		AND mode = ? AND ifnull(os_group_id, 0) = ifnull(?, 0) AND module_key = ?`,
		k.packageSet, k.repoSet, mode, group, k.modules).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, `INSERT INTO computations (package_set_id, repo_set_id, mode, os_group_id,
			module_key, dirty) VALUES (?, ?, ?, ?, ?, 1) RETURNING id`,
			k.packageSet, nullID(k.repoSet), mode, group, k.modules).Scan(&id)
	}
	if err != nil {
		return 0, fmt.Errorf("resolve computation: %w", err)
	}
	return id, nil
}

// moduleKey is the canonical form of a set of enabled module streams: sorted, distinct
// "name:stream" lines. Only name and stream decide which packages are candidates.
func moduleKey(mods []ReportedModule) string {
	keys := make([]string, 0, len(mods))
	for _, m := range mods {
		if m.Name != "" {
			keys = append(keys, m.Name+":"+m.Stream)
		}
	}
	slices.Sort(keys)
	return strings.Join(slices.Compact(keys), "\n")
}

// ParseModuleKey returns the "name:stream" streams a computation's module key holds.
func ParseModuleKey(key string) []string {
	if key == "" {
		return nil
	}
	return strings.Split(key, "\n")
}

func hostModuleKey(ctx context.Context, tx *sql.Tx, hostID int64) (string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, stream FROM host_modules WHERE host_id = ?`, hostID)
	if err != nil {
		return "", fmt.Errorf("load modules: %w", err)
	}
	defer rows.Close()
	var mods []ReportedModule
	for rows.Next() {
		var m ReportedModule
		if err := rows.Scan(&m.Name, &m.Stream); err != nil {
			return "", fmt.Errorf("load modules: %w", err)
		}
		mods = append(mods, m)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("load modules: %w", err)
	}
	return moduleKey(mods), nil
}

func replaceHostHolds(ctx context.Context, tx *sql.Tx, hostID int64, names []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM host_holds WHERE host_id = ?`, hostID); err != nil {
		return fmt.Errorf("replace holds: %w", err)
	}
	for _, n := range names {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO host_holds (host_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			hostID, n); err != nil {
			return fmt.Errorf("replace holds: %w", err)
		}
	}
	return nil
}

// HostHolds returns the names of the packages the host holds, sorted.
func (db *DB) HostHolds(ctx context.Context, hostID int64) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT name FROM host_holds WHERE host_id = ? ORDER BY name`, hostID)
	if err != nil {
		return nil, fmt.Errorf("holds of host %d: %w", hostID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("holds of host %d: %w", hostID, err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("holds of host %d: %w", hostID, err)
	}
	return out, nil
}

// UpdateCounts is a host's pending updates with held packages left out (Held counts them).
type UpdateCounts struct {
	Security, Bugfix, Held int
}

// HostUpdateCounts returns the host's update counts from the host_update_counts view.
func (db *DB) HostUpdateCounts(ctx context.Context, hostID int64) (UpdateCounts, error) {
	var c UpdateCounts
	err := db.read.QueryRowContext(ctx, `SELECT security_count, bugfix_count, held_count FROM host_update_counts
		WHERE host_id = ?`, hostID).Scan(&c.Security, &c.Bugfix, &c.Held)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("update counts of host %d: %w", hostID, ErrNotFound)
	} else if err != nil {
		return c, fmt.Errorf("update counts of host %d: %w", hostID, err)
	}
	return c, nil
}
