package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// RepoErratum is an advisory as a repository's metadata (rpm updateinfo) lists it.
type RepoErratum struct {
	Name     string // RHSA-2024:1234, FEDORA-2024-abc
	Type     string // security, bugfix, enhancement, newpackage
	Severity string
	Title    string
	Issued   time.Time // zero if unknown
	Updated  time.Time
	Refs     []ErratumReference
	Packages []PackageKey // the fixed versions
}

// ModuleStream is one module stream a repository offers (modules.yaml), with its artifacts.
type ModuleStream struct {
	Name, Stream, Version, Context, Arch string
	Packages                             []PackageKey
}

// SaveMirrorErrata replaces the errata a mirror lists with errata, and records checksum as
// the digest of the updateinfo they came from. Errata are shared by name across mirrors:
// their fields are updated, their references and packages only ever added to (another
// mirror's updateinfo may list the same advisory for another architecture). Computations that
// can see the mirror's repo are marked dirty. One transaction.
func (db *DB) SaveMirrorErrata(ctx context.Context, mirrorID int64, errata []RepoErratum, checksum string) error {
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		repoID, err := mirrorRepo(ctx, tx, mirrorID)
		if err != nil {
			return err
		}
		var keys []PackageKey
		for _, e := range errata {
			keys = append(keys, e.Packages...)
		}
		ids, err := resolvePackageIDs(ctx, tx, keys, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM mirror_errata WHERE mirror_id = ?`, mirrorID); err != nil {
			return fmt.Errorf("clear mirror errata: %w", err)
		}
		upsert, err := tx.PrepareContext(ctx, `INSERT INTO errata (name, type, severity, title, issued, updated, source)
			VALUES (?, ?, ?, ?, ?, ?, 'updateinfo')
			ON CONFLICT (name) DO UPDATE SET type = excluded.type, severity = excluded.severity,
				title = excluded.title, issued = excluded.issued, updated = excluded.updated
			RETURNING id`)
		if err != nil {
			return err
		}
		defer upsert.Close()
		ref, err := tx.PrepareContext(ctx, `INSERT INTO erratum_refs (erratum_id, type, ref_id, url, title)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer ref.Close()
		pkg, err := tx.PrepareContext(ctx, `INSERT INTO erratum_packages (erratum_id, package_id) VALUES (?, ?)
			ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer pkg.Close()
		link, err := tx.PrepareContext(ctx, `INSERT INTO mirror_errata (mirror_id, erratum_id) VALUES (?, ?)
			ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer link.Close()
		next := 0
		for _, e := range errata {
			var id int64
			if err := upsert.QueryRowContext(ctx, e.Name, e.Type, e.Severity, e.Title, nullTime(e.Issued),
				nullTime(e.Updated)).Scan(&id); err != nil {
				return fmt.Errorf("store erratum %s: %w", e.Name, err)
			}
			for _, r := range e.Refs {
				if _, err := ref.ExecContext(ctx, id, r.Type, r.ID, r.URL, r.Title); err != nil {
					return fmt.Errorf("store reference of %s: %w", e.Name, err)
				}
			}
			for range e.Packages {
				if _, err := pkg.ExecContext(ctx, id, ids[next]); err != nil {
					return fmt.Errorf("store package of %s: %w", e.Name, err)
				}
				next++
			}
			if _, err := link.ExecContext(ctx, mirrorID, id); err != nil {
				return fmt.Errorf("link erratum %s: %w", e.Name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mirrors SET errata_checksum = ? WHERE id = ?`, checksum, mirrorID); err != nil {
			return err
		}
		return markRepoDirty(ctx, tx, repoID)
	})
	if err != nil {
		return fmt.Errorf("save errata of mirror %d: %w", mirrorID, err)
	}
	return nil
}

// SaveMirrorModules replaces the module streams a mirror offers and records checksum as the
// digest of the modules.yaml they came from; computations that can see the mirror's repo are
// marked dirty. One transaction.
func (db *DB) SaveMirrorModules(ctx context.Context, mirrorID int64, mods []ModuleStream, checksum string) error {
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		repoID, err := mirrorRepo(ctx, tx, mirrorID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM mirror_modules WHERE mirror_id = ?`, mirrorID); err != nil {
			return fmt.Errorf("clear mirror modules: %w", err)
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO mirror_modules (mirror_id, name, stream, version, context, arch, members)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET members = excluded.members`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, m := range mods {
			ids, err := resolvePackageIDs(ctx, tx, m.Packages, nil)
			if err != nil {
				return err
			}
			if _, err := ins.ExecContext(ctx, mirrorID, m.Name, m.Stream, m.Version, m.Context, m.Arch,
				NewIDSet(slices.Clone(ids)).Encode()); err != nil {
				return fmt.Errorf("store module %s:%s: %w", m.Name, m.Stream, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mirrors SET modules_checksum = ? WHERE id = ?`, checksum, mirrorID); err != nil {
			return err
		}
		return markRepoDirty(ctx, tx, repoID)
	})
	if err != nil {
		return fmt.Errorf("save modules of mirror %d: %w", mirrorID, err)
	}
	return nil
}

func mirrorRepo(ctx context.Context, tx *sql.Tx, mirrorID int64) (int64, error) {
	var repoID int64
	err := tx.QueryRowContext(ctx, `SELECT repo_id FROM mirrors WHERE id = ?`, mirrorID).Scan(&repoID)
	if err == sql.ErrNoRows {
		return 0, ErrNotFound
	}
	return repoID, err
}
