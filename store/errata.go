package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// mirrorArgs turns mirror ids into query arguments and their placeholders.
func mirrorArgs(mirrors []int64) ([]any, string) {
	args := make([]any, len(mirrors))
	for i, m := range mirrors {
		args[i] = m
	}
	return args, placeholders(len(args))
}

// loadRepoModules reads the module streams of the repo's mirrors: which package ids are
// artifacts of which "name:stream", and the same by package name.
func (c *InputCache) loadRepoModules(ctx context.Context, tx *sql.Tx, r repoState) (map[int64][]string, map[string][]string, error) {
	if len(r.mirrors) == 0 {
		return nil, nil, nil
	}
	args, ph := mirrorArgs(r.mirrors)
	rows, err := tx.QueryContext(ctx, `SELECT name, stream, members FROM mirror_modules WHERE mirror_id IN (`+ph+`)`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("load module streams: %w", err)
	}
	defer rows.Close()
	byID := make(map[int64][]string)
	for rows.Next() {
		var name, stream string
		var blob []byte
		if err := rows.Scan(&name, &stream, &blob); err != nil {
			return nil, nil, fmt.Errorf("load module streams: %w", err)
		}
		ids, err := DecodeIDSet(blob)
		if err != nil {
			return nil, nil, fmt.Errorf("decode module %s:%s: %w", name, stream, err)
		}
		for _, id := range ids {
			if s := name + ":" + stream; !slices.Contains(byID[id], s) {
				byID[id] = append(byID[id], s)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("load module streams: %w", err)
	}
	if len(byID) == 0 {
		return nil, nil, nil
	}
	ids := make([]int64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	pkgs, err := c.packages(ctx, tx, ids)
	if err != nil {
		return nil, nil, err
	}
	byName := make(map[string][]string)
	for _, p := range pkgs {
		for _, s := range byID[p.ID] {
			if !slices.Contains(byName[p.Name], s) {
				byName[p.Name] = append(byName[p.Name], s)
			}
		}
	}
	return byID, byName, nil
}

// loadRepoErrata reads the errata the repo's mirrors list, with the packages they fix, by
// package name.
func (c *InputCache) loadRepoErrata(ctx context.Context, tx *sql.Tx, r repoState) (map[string][]ErratumFix, error) {
	if len(r.mirrors) == 0 {
		return nil, nil
	}
	args, ph := mirrorArgs(r.mirrors)
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT e.id, e.type = 'security', ep.package_id
		FROM mirror_errata me JOIN errata e ON e.id = me.erratum_id
		JOIN erratum_packages ep ON ep.erratum_id = e.id
		WHERE me.mirror_id IN (`+ph+`) ORDER BY ep.package_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("load errata: %w", err)
	}
	var fixes []ErratumFix
	var ids []int64
	for rows.Next() {
		var f ErratumFix
		var pkg int64
		if err := rows.Scan(&f.ErratumID, &f.Security, &pkg); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load errata: %w", err)
		}
		fixes = append(fixes, f)
		ids = append(ids, pkg)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load errata: %w", err)
	}
	if len(fixes) == 0 {
		return nil, nil
	}
	pkgs, err := c.packages(ctx, tx, slices.Compact(slices.Clone(ids)))
	if err != nil {
		return nil, err
	}
	keys := make(map[int64]PackageKey, len(pkgs))
	for _, p := range pkgs {
		keys[p.ID] = p.PackageKey
	}
	out := make(map[string][]ErratumFix)
	for i, f := range fixes {
		k, ok := keys[ids[i]]
		if !ok {
			continue
		}
		f.Package = k
		out[k.Name] = append(out[k.Name], f)
	}
	return out, nil
}

// ErratumRef is an erratum behind an update, as the UI and CLI show it.
type ErratumRef struct {
	ID       int64
	Name     string // RHSA-2024:1234
	Type     string // security, bugfix, enhancement, newpackage
	Severity string
	Title    string
	CVEs     []string // sorted
}

// UpdateKey identifies one of a host's updates by installed package name and arch, as
// HostUpdate does.
type UpdateKey struct{ Name, Arch string }

// UpdateErrata returns the errata (with their CVEs) behind each of the host's computed updates.
// Updates without errata are absent from the map.
func (db *DB) UpdateErrata(ctx context.Context, hostID int64) (map[UpdateKey][]ErratumRef, error) {
	rows, err := db.cachedQuery(ctx, nil, `SELECT p.name, p.arch, e.id, e.name, e.type, e.severity, e.title,
			ifnull((SELECT group_concat(ref_id, ' ') FROM (SELECT DISTINCT ref_id FROM erratum_refs
				WHERE erratum_id = e.id AND type = 'cve' ORDER BY ref_id)), '')
		FROM hosts h
		JOIN computed_update_errata ce ON ce.computation_id = h.computation_id
		JOIN packages p ON p.id = ce.old_package_id
		JOIN errata e ON e.id = ce.erratum_id
		WHERE h.id = ? ORDER BY p.name, p.arch, e.name`, hostID)
	if err != nil {
		return nil, fmt.Errorf("errata of host %d updates: %w", hostID, err)
	}
	defer rows.Close()
	out := make(map[UpdateKey][]ErratumRef)
	for rows.Next() {
		var k UpdateKey
		var e ErratumRef
		var cves string
		if err := rows.Scan(&k.Name, &k.Arch, &e.ID, &e.Name, &e.Type, &e.Severity, &e.Title, &cves); err != nil {
			return nil, fmt.Errorf("errata of host %d updates: %w", hostID, err)
		}
		e.CVEs = strings.Fields(cves)
		out[k] = append(out[k], e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("errata of host %d updates: %w", hostID, err)
	}
	return out, nil
}

// saveUpdateErrata writes the errata rows of one computation's updates.
func saveUpdateErrata(ctx context.Context, tx querier, id int64, ups []ComputedUpdate) error {
	for _, u := range ups {
		for _, e := range u.Errata {
			if _, err := tx.ExecContext(ctx, `INSERT INTO computed_update_errata (computation_id, old_package_id, erratum_id)
				VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, id, u.OldPackageID, e); err != nil {
				return fmt.Errorf("insert errata of package %d: %w", u.OldPackageID, err)
			}
		}
	}
	return nil
}

// sameErrata reports whether computation id's stored update errata are exactly those of ups.
func sameErrata(ctx context.Context, tx querier, id int64, ups []ComputedUpdate) (bool, error) {
	type pair struct{ old, erratum int64 }
	var want []pair
	for _, u := range ups {
		for _, e := range u.Errata {
			want = append(want, pair{u.OldPackageID, e})
		}
	}
	slices.SortFunc(want, func(a, b pair) int {
		if a.old != b.old {
			return compareInt64(a.old, b.old)
		}
		return compareInt64(a.erratum, b.erratum)
	})
	want = slices.Compact(want)
	rows, err := tx.QueryContext(ctx, `SELECT old_package_id, erratum_id FROM computed_update_errata
		WHERE computation_id = ? ORDER BY old_package_id, erratum_id`, id)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.old, &p.erratum); err != nil {
			return false, err
		}
		if n >= len(want) || want[n] != p {
			return false, nil
		}
		n++
	}
	return n == len(want), rows.Err()
}

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
