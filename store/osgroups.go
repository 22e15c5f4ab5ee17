package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// OSName is an OS string taken apart the way Patchman's get_os does (spec section 2.4 step 3):
// Variant is the normalised variant name, Group the OS release (the OS group hosts are assigned
// to, e.g. "Rocky Linux 9", "Ubuntu 22.04 LTS", "Debian 12"), Codename and CPE the "(...)" and
// "[...]" suffixes.
type OSName struct {
	Variant  string
	Group    string
	Codename string
	CPE      string
}

var (
	osCPE      = regexp.MustCompile(`\s*\[([^\]]*)\]\s*$`)
	osCodename = regexp.MustCompile(`\s*\(([^)]*)\)\s*$`)
	osMajor    = regexp.MustCompile(`^(.*?\s)(\d+)(\.[\d.]*)?(\s.*)?$`)
	ubuntuVer  = regexp.MustCompile(`^Ubuntu (\d+\.\d+)(?:\.\d+)?(.*)$`)
)

// ParseOS splits an OS string into variant, group, codename and CPE. Unknown OSes are their own
// group, named by the OS string.
func ParseOS(s string) OSName {
	var n OSName
	s = strings.Join(strings.Fields(s), " ")
	if m := osCPE.FindStringSubmatch(s); m != nil {
		n.CPE, s = m[1], s[:len(s)-len(m[0])]
	}
	if m := osCodename.FindStringSubmatch(s); m != nil {
		n.Codename, s = m[1], s[:len(s)-len(m[0])]
	}
	n.Variant, n.Group = s, s
	switch {
	case strings.HasPrefix(s, "Gentoo"):
		n.Group = "Gentoo Linux"
	case strings.HasPrefix(s, "Arch Linux"):
		n.Group = "Arch Linux"
	case strings.HasPrefix(s, "Debian"):
		v := strings.TrimPrefix(strings.TrimPrefix(s, "Debian"), " GNU/Linux")
		if f := strings.Fields(v); len(f) > 0 {
			major, _, _ := strings.Cut(f[0], ".")
			n.Group = "Debian " + major
		}
	case strings.HasPrefix(s, "Ubuntu"):
		if m := ubuntuVer.FindStringSubmatch(s); m != nil {
			n.Group = "Ubuntu " + m[1] + m[2]
		}
	case strings.HasPrefix(s, "Amazon Linux AMI"):
		n.Variant, n.Group = "Amazon Linux 1", "Amazon Linux 1"
	case isELLike(s):
		v := s
		if strings.HasPrefix(v, "AlmaLinux") {
			v = "Alma Linux" + strings.TrimPrefix(v, "AlmaLinux")
		}
		v = strings.Replace(v, " release ", " ", 1)
		if strings.HasPrefix(v, "Oracle Linux Server") {
			v = "Oracle Linux" + strings.TrimPrefix(v, "Oracle Linux Server")
		}
		n.Variant, n.Group = v, v
		if m := osMajor.FindStringSubmatch(v); m != nil && !strings.HasPrefix(v, "CentOS Stream") {
			n.Group = m[1] + m[2] + m[4]
		}
	}
	return n
}

func isELLike(s string) bool {
	for _, p := range [...]string{"Rocky Linux", "AlmaLinux", "Alma Linux", "CentOS", "Red Hat Enterprise Linux",
		"Oracle Linux", "Fedora"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// osVariantID finds or creates the os_variants row for the OS string ("" gives NULL) and
// returns it with the OS group it belongs to. A new variant is assigned to the OS group named
// by ParseOS, created if needed; a variant an admin re-assigned keeps its group.
func osVariantID(ctx context.Context, tx *sql.Tx, name string) (variant, group sql.NullInt64, err error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return variant, group, nil
	}
	err = tx.QueryRowContext(ctx, `SELECT id, os_group_id FROM os_variants WHERE name = ?`, name).Scan(&variant, &group)
	if errors.Is(err, sql.ErrNoRows) {
		var gid int64
		if gid, err = osGroupID(ctx, tx, ParseOS(name).Group); err == nil {
			group = sql.NullInt64{Int64: gid, Valid: true}
			err = tx.QueryRowContext(ctx, `INSERT INTO os_variants (name, os_group_id) VALUES (?, ?) RETURNING id`,
				name, gid).Scan(&variant)
		}
	}
	if err != nil {
		return variant, group, fmt.Errorf("resolve os variant %q: %w", name, err)
	}
	return variant, group, nil
}

func osGroupID(ctx context.Context, tx *sql.Tx, name string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM os_groups WHERE name = ?`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, `INSERT INTO os_groups (name) VALUES (?) RETURNING id`, name).Scan(&id)
	}
	if err != nil {
		return 0, fmt.Errorf("resolve os group %q: %w", name, err)
	}
	return id, nil
}

// SetOSGroupRepos replaces the repos of an OS group (used by hosts with host_repos_only off)
// and marks dirty every computation in that group's mode.
func (db *DB) SetOSGroupRepos(ctx context.Context, groupID int64, repoIDs []int64) error {
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM os_group_repos WHERE os_group_id = ?`, groupID); err != nil {
			return err
		}
		for _, id := range repoIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO os_group_repos (os_group_id, repo_id) VALUES (?, ?)
				ON CONFLICT DO NOTHING`, groupID, id); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE computations SET dirty = 1 WHERE os_group_id = ?`, groupID)
		return err
	})
	if err != nil {
		return fmt.Errorf("set repos of os group %d: %w", groupID, err)
	}
	return nil
}

// SetHostReposOnly switches a host between its own repos only (true, the default) and its own
// repos plus its OS group's, moving it to the computation for the new mode.
func (db *DB) SetHostReposOnly(ctx context.Context, hostID int64, only bool) error {
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		if err := expectRow(tx.ExecContext(ctx, `UPDATE hosts SET host_repos_only = ? WHERE id = ?`, boolInt(only), hostID)); err != nil {
			return err
		}
		return rekeyHost(ctx, tx, hostID)
	})
	if err != nil {
		return fmt.Errorf("set host %d repos only: %w", hostID, err)
	}
	return nil
}

// SetHostCheckDNS switches `patchward dns-check` on or off for a host (Patchman's check_dns).
func (db *DB) SetHostCheckDNS(ctx context.Context, hostID int64, on bool) error {
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		return expectRow(tx.ExecContext(ctx, `UPDATE hosts SET check_dns = ? WHERE id = ?`, boolInt(on), hostID))
	})
	if err != nil {
		return fmt.Errorf("set host %d check_dns: %w", hostID, err)
	}
	return nil
}

// rekeyHost moves a host to the computation its current package set, repo set, mode, OS
// group and modules call for (created dirty if new).
func rekeyHost(ctx context.Context, tx *sql.Tx, hostID int64) error {
	var ps, rs, group sql.NullInt64
	var only bool
	err := tx.QueryRowContext(ctx, `SELECT h.package_set_id, h.repo_set_id, v.os_group_id, h.host_repos_only FROM hosts h
		LEFT JOIN os_variants v ON v.id = h.os_variant_id WHERE h.id = ?`, hostID).Scan(&ps, &rs, &group, &only)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	} else if err != nil {
		return err
	}
	if !ps.Valid {
		return nil // never reported: the first report picks the computation
	}
	mods, err := hostModuleKey(ctx, tx, hostID)
	if err != nil {
		return err
	}
	cid, err := computationID(ctx, tx, computationKey{ps.Int64, rs.Int64, only, group, mods})
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE hosts SET computation_id = ? WHERE id = ?`, cid, hostID)
	return err
}

// RenameOSGroup renames an OS group; ErrNotFound for an unknown group, ErrConflict if the name
// is taken. A variant first reported later whose OS names the old name starts a new group.
func (db *DB) RenameOSGroup(ctx context.Context, id int64, name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return fmt.Errorf("rename os group %d: empty name: %w", id, ErrConflict)
	}
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		err := expectRow(tx.ExecContext(ctx, `UPDATE os_groups SET name = ? WHERE id = ?`, name, id))
		if isConstraint(err) {
			return ErrConflict
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("rename os group %d to %q: %w", id, name, err)
	}
	return nil
}

// DeleteOSGroup deletes an OS group: its variants are left in no group, its repos detached,
// and its hosts moved to the computations that mode calls for (hosts that used the group's
// repos are recomputed without them). ErrNotFound for an unknown group.
func (db *DB) DeleteOSGroup(ctx context.Context, id int64) error {
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM os_groups WHERE id = ?`, id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		// Hosts of the group's variants, and any host still on one of its computations.
		rows, err := tx.QueryContext(ctx, `SELECT h.id FROM hosts h JOIN os_variants v ON v.id = h.os_variant_id
			WHERE v.os_group_id = ?1
			UNION SELECT h.id FROM hosts h JOIN computations c ON c.id = h.computation_id WHERE c.os_group_id = ?1`, id)
		if err != nil {
			return err
		}
		var hosts []int64
		for rows.Next() {
			var h int64
			if err := rows.Scan(&h); err != nil {
				rows.Close()
				return err
			}
			hosts = append(hosts, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE os_variants SET os_group_id = NULL WHERE os_group_id = ?`, id); err != nil {
			return err
		}
		for _, h := range hosts {
			if err := rekeyHost(ctx, tx, h); err != nil {
				return err
			}
		}
		// Cascades to os_group_repos and the group's computations, which no host uses now.
		_, err = tx.ExecContext(ctx, `DELETE FROM os_groups WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete os group %d: %w", id, err)
	}
	return nil
}
