package store

import (
	"context"
	"database/sql"
	"fmt"
)

// RebootCheck is a host whose reboot decision must be (re)made: its running kernel and the
// package set it has installed.
type RebootCheck struct {
	HostID       int64
	Kernel       string
	PackageSetID int64
	// Reboot and Reason are the result: whether our own kernel check says the host needs a
	// reboot, and why.
	Reboot bool
	Reason string
}

// UncheckedReboots lists the hosts whose kernel check is due (their kernel or packages changed
// since the last check), limited to hostIDs when it is not nil.
func (db *DB) UncheckedReboots(ctx context.Context, hostIDs []int64) ([]RebootCheck, error) {
	q := `SELECT id, kernel, package_set_id FROM hosts WHERE reboot_checked = 0 AND package_set_id IS NOT NULL`
	args := make([]any, len(hostIDs))
	for i, id := range hostIDs {
		args[i] = id
	}
	if hostIDs != nil {
		if len(hostIDs) == 0 {
			return nil, nil
		}
		q += ` AND id IN (` + placeholders(len(args)) + `)`
	}
	rows, err := db.read.QueryContext(ctx, q+` ORDER BY package_set_id, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list reboot checks: %w", err)
	}
	defer rows.Close()
	var out []RebootCheck
	for rows.Next() {
		var c RebootCheck
		if err := rows.Scan(&c.HostID, &c.Kernel, &c.PackageSetID); err != nil {
			return nil, fmt.Errorf("list reboot checks: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list reboot checks: %w", err)
	}
	return out, nil
}

// SaveReboots stores the results of kernel checks in one transaction. reboot_required becomes
// the client's own flag OR ours: a client's "reboot required" is never discarded. A check made
// for a kernel or package set the host no longer has is dropped (a newer report came in).
func (db *DB) SaveReboots(ctx context.Context, checks []RebootCheck) error {
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `UPDATE hosts SET kernel_reboot = ?1, reboot_reason = ?2, reboot_checked = 1,
			reboot_required = max(client_reboot, ?1) WHERE id = ?3 AND kernel = ?4 AND package_set_id = ?5`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, c := range checks {
			if _, err := st.ExecContext(ctx, boolInt(c.Reboot), c.Reason, c.HostID, c.Kernel, c.PackageSetID); err != nil {
				return fmt.Errorf("host %d: %w", c.HostID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save reboot checks: %w", err)
	}
	return nil
}

// PackageSet returns the packages of a package set, sorted by id, through the cache.
func (c *InputCache) PackageSet(ctx context.Context, id int64) ([]Package, error) {
	var out []Package
	err := c.db.withReadTx(ctx, func(tx *sql.Tx) error {
		var members []byte
		if err := tx.QueryRowContext(ctx, `SELECT members FROM package_sets WHERE id = ?`, id).Scan(&members); err != nil {
			return err
		}
		ids, err := DecodeIDSet(members)
		if err != nil {
			return err
		}
		out, err = c.packages(ctx, tx, ids)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load package set %d: %w", id, err)
	}
	return out, nil
}
