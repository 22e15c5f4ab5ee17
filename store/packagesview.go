package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
)

// PackageName is one installed package name across the fleet.
type PackageName struct {
	Name     string
	Types    string // package types, e.g. "deb" or "deb rpm"
	Versions int    // distinct installed versions (per arch)
	Hosts    int    // installations: hosts with any version (a multi-arch host counts per arch)
}

// PackageVersion is one version of a package: which hosts have it installed and which
// repositories offer it.
type PackageVersion struct {
	ID    int64
	Key   PackageKey
	Hosts []string // hostnames, sorted
	Repos []PackageRepo
}

// PackageRepo is a repository offering a package version.
type PackageRepo struct {
	ID   int64
	Name string
}

// forEachID calls fn for every id of an encoded IDSet without allocating the set.
func forEachID(b []byte, fn func(int64)) error {
	var prev int64
	for len(b) > 0 {
		d, n := binary.Uvarint(b)
		if n <= 0 {
			return errBadIDSet
		}
		b = b[n:]
		prev += int64(d)
		fn(prev)
	}
	return nil
}

// PackageNames counts installations of every installed package name. It decodes every
// distinct package set once, weighted by the hosts sharing it, so its cost follows the number
// of distinct sets, not hosts; callers showing it on every page view should cache it.
func (db *DB) PackageNames(ctx context.Context) ([]PackageName, error) {
	counts := map[int64]int{}
	byName := map[string]*PackageName{}
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT ps.members, count(*) FROM hosts h
			JOIN package_sets ps ON ps.id = h.package_set_id GROUP BY ps.id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var members []byte
			var hosts int
			if err := rows.Scan(&members, &hosts); err != nil {
				return err
			}
			if err := forEachID(members, func(id int64) { counts[id] += hosts }); err != nil {
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		ids := make([]int64, 0, len(counts))
		for id := range counts {
			ids = append(ids, id)
		}
		keys, err := loadPackageRows(ctx, tx, ids)
		if err != nil {
			return err
		}
		for id, k := range keys {
			p := byName[k.Name]
			if p == nil {
				p = &PackageName{Name: k.Name, Types: k.Type}
				byName[k.Name] = p
			} else if !strings.Contains(" "+p.Types+" ", " "+k.Type+" ") {
				p.Types += " " + k.Type
			}
			p.Versions++
			p.Hosts += counts[id]
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count installed packages: %w", err)
	}
	out := make([]PackageName, 0, len(byName))
	for _, p := range byName {
		types := strings.Fields(p.Types)
		slices.Sort(types)
		p.Types = strings.Join(types, " ")
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b PackageName) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// PackageVersions lists every known version of a package name (installed or offered), with the
// hosts that have it and the repositories whose mirrors offer it, newest rows first.
func (db *DB) PackageVersions(ctx context.Context, name string) ([]PackageVersion, error) {
	return db.packageVersions(ctx, name, true)
}

// PackageVersionsOffered is PackageVersions without the hosts (Hosts nil): for callers that
// take them from a FleetView, which answers without decoding every package set.
func (db *DB) PackageVersionsOffered(ctx context.Context, name string) ([]PackageVersion, error) {
	return db.packageVersions(ctx, name, false)
}

func (db *DB) packageVersions(ctx context.Context, name string, withHosts bool) ([]PackageVersion, error) {
	var out []PackageVersion
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, type, name, arch, epoch, version, release
			FROM packages WHERE name = ? ORDER BY arch, id DESC`, name)
		if err != nil {
			return err
		}
		idx := map[int64]int{}
		for rows.Next() {
			var v PackageVersion
			k := &v.Key
			if err := rows.Scan(&v.ID, &k.Type, &k.Name, &k.Arch, &k.Epoch, &k.Version, &k.Release); err != nil {
				rows.Close()
				return err
			}
			idx[v.ID] = len(out)
			out = append(out, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) == 0 {
			return ErrNotFound
		}
		if !withHosts {
			return packageVersionRepos(ctx, tx, out, idx)
		}
		if err := packageVersionHosts(ctx, tx, out, idx); err != nil {
			return err
		}
		return packageVersionRepos(ctx, tx, out, idx)
	})
	if err != nil {
		return nil, fmt.Errorf("versions of package %s: %w", name, err)
	}
	return out, nil
}

// packageVersionHosts fills Hosts by scanning every package set for the versions' ids.
func packageVersionHosts(ctx context.Context, tx *sql.Tx, out []PackageVersion, idx map[int64]int) error {
	rows, err := tx.QueryContext(ctx, `SELECT ps.members, group_concat(h.hostname, char(31)) FROM hosts h
		JOIN package_sets ps ON ps.id = h.package_set_id GROUP BY ps.id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var members []byte
		var hosts string
		if err := rows.Scan(&members, &hosts); err != nil {
			return err
		}
		err := forEachID(members, func(id int64) {
			if i, ok := idx[id]; ok {
				out[i].Hosts = append(out[i].Hosts, strings.Split(hosts, "\x1f")...)
			}
		})
		if err != nil {
			return err
		}
	}
	for i := range out {
		slices.Sort(out[i].Hosts)
	}
	return rows.Err()
}

// packageVersionRepos fills Repos from the mirrors whose package lists hold the versions.
func packageVersionRepos(ctx context.Context, tx *sql.Tx, out []PackageVersion, idx map[int64]int) error {
	rows, err := tx.QueryContext(ctx, `SELECT r.id, r.name, mp.members FROM mirror_packages mp
		JOIN mirrors m ON m.id = mp.mirror_id JOIN repos r ON r.id = m.repo_id ORDER BY r.name, r.id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var repo PackageRepo
		var members []byte
		if err := rows.Scan(&repo.ID, &repo.Name, &members); err != nil {
			return err
		}
		err := forEachID(members, func(id int64) {
			if i, ok := idx[id]; ok && !slices.Contains(out[i].Repos, repo) {
				out[i].Repos = append(out[i].Repos, repo)
			}
		})
		if err != nil {
			return err
		}
	}
	return rows.Err()
}
