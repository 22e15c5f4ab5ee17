package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// HostUpdate is one pending update of a host: either found by update finding (from the
// mirrors of the host's repos) or reported by the client itself (Client set).
type HostUpdate struct {
	Name      string
	Arch      string
	Type      string
	Installed string // full EVR
	Available string // full EVR
	Repo      string
	RepoID    int64 // 0 when unknown or client-reported
	Security  bool
	Client    bool // computed by the client (Patchman -u), not by us
	Held      bool // the package is on hold: shown, never counted as pending
}

// HostUpdates lists a host's updates: pending ones security first, then by name and arch, and
// updates of held packages last.
func (db *DB) HostUpdates(ctx context.Context, hostID int64) ([]HostUpdate, error) {
	var out []HostUpdate
	var psMembers []byte
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		// One look at the host says which of the rarer parts (held packages, updates its
		// client reported) there are to read: most hosts have neither.
		var hasClient, hasHolds bool
		if err := db.cachedQueryRow(ctx, tx, `SELECT
			EXISTS (SELECT 1 FROM host_client_updates WHERE host_id = h.id),
			EXISTS (SELECT 1 FROM host_holds WHERE host_id = h.id)
			FROM hosts h WHERE h.id = ?`, hostID).Scan(&hasClient, &hasHolds); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		var err error
		if out, err = db.computedHostUpdates(ctx, tx, hostID, hasHolds); err != nil {
			return err
		}
		if !hasClient {
			return nil
		}
		if err := db.cachedQueryRow(ctx, tx, `SELECT COALESCE(ps.members, x'') FROM hosts h
			LEFT JOIN package_sets ps ON ps.id = h.package_set_id WHERE h.id = ?`, hostID).Scan(&psMembers); err != nil {
			return err
		}
		client, err := db.clientHostUpdates(ctx, tx, hostID)
		out = append(out, client...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("updates of host %d: %w", hostID, err)
	}
	if err := db.fillClientInstalled(ctx, out, psMembers); err != nil {
		return nil, fmt.Errorf("updates of host %d: %w", hostID, err)
	}
	slices.SortStableFunc(out, func(a, b HostUpdate) int {
		if a.Held != b.Held {
			if b.Held {
				return -1
			}
			return 1
		}
		if a.Security != b.Security {
			if a.Security {
				return -1
			}
			return 1
		}
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Arch, b.Arch))
	})
	return out, nil
}

func (db *DB) computedHostUpdates(ctx context.Context, tx *sql.Tx, hostID int64, hasHolds bool) ([]HostUpdate, error) {
	// Held packages are looked up once, not joined on every update row: a host holds few
	// packages, usually none.
	held := map[string]bool{}
	if hasHolds {
		rows, err := db.cachedQuery(ctx, tx, `SELECT name FROM host_holds WHERE host_id = ?`, hostID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				rows.Close()
				return nil, err
			}
			held[name] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	// Both versions come out as one EVR string each (as PackageKey.EVR builds it): fewer
	// columns to fetch is most of the cost of a 100-update host's rows.
	rows, err := db.cachedQuery(ctx, tx, `SELECT op.name, op.arch, op.type, `+sqlEVR("op")+`, `+sqlEVR("np")+`,
		COALESCE(r.name, ''), COALESCE(cu.repo_id, 0), cu.security
		FROM hosts h
		JOIN computed_updates cu ON cu.computation_id = h.computation_id
		JOIN packages op ON op.id = cu.old_package_id
		JOIN packages np ON np.id = cu.new_package_id
		LEFT JOIN repos r ON r.id = cu.repo_id
		WHERE h.id = ?`, hostID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HostUpdate
	for rows.Next() {
		var u HostUpdate
		if err := rows.Scan(&u.Name, &u.Arch, &u.Type, &u.Installed, &u.Available, &u.Repo, &u.RepoID, &u.Security); err != nil {
			return nil, err
		}
		u.Held = held[u.Name]
		out = append(out, u)
	}
	return out, rows.Err()
}

func (db *DB) clientHostUpdates(ctx context.Context, tx *sql.Tx, hostID int64) ([]HostUpdate, error) {
	rows, err := db.cachedQuery(ctx, tx, `SELECT name, arch, version, repo, security
		FROM host_client_updates WHERE host_id = ?`, hostID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HostUpdate
	for rows.Next() {
		u := HostUpdate{Client: true}
		if err := rows.Scan(&u.Name, &u.Arch, &u.Available, &u.Repo, &u.Security); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// fillClientInstalled fills Installed and Type of client-reported updates from the host's
// package set; the client only says what is available.
func (db *DB) fillClientInstalled(ctx context.Context, ups []HostUpdate, members []byte) error {
	if !slices.ContainsFunc(ups, func(u HostUpdate) bool { return u.Client }) {
		return nil
	}
	pkgs, err := db.decodePackageSet(ctx, members)
	if err != nil {
		return err
	}
	type nameArch struct{ name, arch string }
	installed := make(map[nameArch]PackageKey, len(pkgs))
	for _, k := range pkgs {
		installed[nameArch{k.Name, k.Arch}] = k
	}
	for i := range ups {
		if k, ok := installed[nameArch{ups[i].Name, ups[i].Arch}]; ok && ups[i].Client {
			ups[i].Installed, ups[i].Type = k.EVR(), k.Type
		}
	}
	return nil
}

// decodePackageSet turns a package_sets.members BLOB into package keys sorted by name, arch.
func (db *DB) decodePackageSet(ctx context.Context, members []byte) ([]PackageKey, error) {
	ids, err := DecodeIDSet(members)
	if err != nil {
		return nil, err
	}
	byID, err := db.PackagesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]PackageKey, 0, len(byID))
	for _, k := range byID {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b PackageKey) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Arch, b.Arch),
			strings.Compare(a.EVR(), b.EVR()))
	})
	return out, nil
}

// HostPackages lists a host's installed packages sorted by name and arch.
func (db *DB) HostPackages(ctx context.Context, hostID int64) ([]PackageKey, error) {
	var members []byte
	err := db.cachedQueryRow(ctx, nil, `SELECT COALESCE(ps.members, x'') FROM hosts h
		LEFT JOIN package_sets ps ON ps.id = h.package_set_id WHERE h.id = ?`, hostID).Scan(&members)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("packages of host %d: %w", hostID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("packages of host %d: %w", hostID, err)
	}
	pkgs, err := db.decodePackageSet(ctx, members)
	if err != nil {
		return nil, fmt.Errorf("packages of host %d: %w", hostID, err)
	}
	return pkgs, nil
}

// sqlEVR is PackageKey.EVR in SQL for the packages row aliased t.
func sqlEVR(t string) string {
	return `iif(` + t + `.epoch != '', ` + t + `.epoch || ':', '') || ` + t + `.version || iif(` + t + `.release != '', '-' || ` + t + `.release, '')`
}
