package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// OSVariant is one OS string as hosts report it, with its group and host count.
type OSVariant struct {
	ID      int64
	Name    string
	GroupID int64 // 0 if in no group
	Group   string
	Hosts   int
}

// OSGroup groups OS variants (e.g. every Rocky Linux 9.x); hosts that do not use only their own
// repos also get the group's repos.
type OSGroup struct {
	ID       int64
	Name     string
	Variants int
	Hosts    int
	RepoIDs  []int64
	Repos    []string
}

// OSVariants lists every OS variant by name.
func (db *DB) OSVariants(ctx context.Context) ([]OSVariant, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT ov.id, ov.name, COALESCE(ov.os_group_id, 0), COALESCE(og.name, ''),
		(SELECT count(*) FROM hosts h WHERE h.os_variant_id = ov.id)
		FROM os_variants ov LEFT JOIN os_groups og ON og.id = ov.os_group_id ORDER BY ov.name`)
	if err != nil {
		return nil, fmt.Errorf("list os variants: %w", err)
	}
	defer rows.Close()
	var out []OSVariant
	for rows.Next() {
		var v OSVariant
		if err := rows.Scan(&v.ID, &v.Name, &v.GroupID, &v.Group, &v.Hosts); err != nil {
			return nil, fmt.Errorf("list os variants: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list os variants: %w", err)
	}
	return out, nil
}

// OSGroups lists every OS group by name with its repos.
func (db *DB) OSGroups(ctx context.Context) ([]OSGroup, error) {
	var out []OSGroup
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT og.id, og.name,
			(SELECT count(*) FROM os_variants ov WHERE ov.os_group_id = og.id),
			(SELECT count(*) FROM hosts h JOIN os_variants ov ON ov.id = h.os_variant_id WHERE ov.os_group_id = og.id),
			COALESCE((SELECT group_concat(r.id || char(31) || r.name, char(30)) FROM os_group_repos g
				JOIN repos r ON r.id = g.repo_id WHERE g.os_group_id = og.id), '')
			FROM os_groups og ORDER BY og.name`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var g OSGroup
			var repos string
			if err := rows.Scan(&g.ID, &g.Name, &g.Variants, &g.Hosts, &repos); err != nil {
				return err
			}
			for _, r := range strings.Split(repos, "\x1e") {
				id, name, ok := strings.Cut(r, "\x1f")
				if !ok {
					continue
				}
				var n int64
				fmt.Sscan(id, &n)
				g.RepoIDs, g.Repos = append(g.RepoIDs, n), append(g.Repos, name)
			}
			out = append(out, g)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list os groups: %w", err)
	}
	return out, nil
}

// CreateOSGroup creates an OS group; ErrConflict if the name is taken.
func (db *DB) CreateOSGroup(ctx context.Context, name string) (int64, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return 0, fmt.Errorf("create os group: empty name: %w", ErrConflict)
	}
	var id int64
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO os_groups (name) VALUES (?) RETURNING id`, name).Scan(&id)
		if isConstraint(err) {
			return ErrConflict
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("create os group %q: %w", name, err)
	}
	return id, nil
}

// SetVariantGroup puts an OS variant in a group (groupID 0: in none) and marks dirty the
// group-mode computations of its hosts, whose repos depend on the group.
func (db *DB) SetVariantGroup(ctx context.Context, variantID, groupID int64) error {
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		var group any
		if groupID != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM os_groups WHERE id = ?`, groupID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return ErrNotFound
			}
			group = groupID
		}
		if err := expectRow(tx.ExecContext(ctx, `UPDATE os_variants SET os_group_id = ? WHERE id = ?`, group, variantID)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE computations SET dirty = 1 WHERE mode = 'group'
			AND id IN (SELECT computation_id FROM hosts WHERE os_variant_id = ?)`, variantID)
		return err
	})
	if err != nil {
		return fmt.Errorf("set group of os variant %d: %w", variantID, err)
	}
	return nil
}

// osGroupExists reports ErrNotFound for an unknown group.
func (db *DB) osGroupExists(ctx context.Context, id int64) error {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT 1 FROM os_groups WHERE id = ?`, id).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// SetGroupRepos replaces the repos attached to an OS group; ErrNotFound for an unknown group.
func (db *DB) SetGroupRepos(ctx context.Context, groupID int64, repoIDs []int64) error {
	if err := db.osGroupExists(ctx, groupID); err != nil {
		return fmt.Errorf("set repos of os group %d: %w", groupID, err)
	}
	return db.SetOSGroupRepos(ctx, groupID, repoIDs)
}
