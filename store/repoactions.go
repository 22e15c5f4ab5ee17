package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SetMirrorEnabled switches a mirror on or off (a person's choice; switching on also clears its
// failure count) and marks dirty the computations that can see its repo.
func (db *DB) SetMirrorEnabled(ctx context.Context, mirrorID int64, enabled bool) error {
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		var repoID int64
		err := tx.QueryRowContext(ctx, `UPDATE mirrors SET enabled = ?1,
			fail_count = CASE WHEN ?1 = 1 THEN 0 ELSE fail_count END
			WHERE id = ?2 RETURNING repo_id`, boolInt(enabled), mirrorID).Scan(&repoID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		return markRepoDirty(ctx, tx, repoID)
	})
	if err != nil {
		return fmt.Errorf("set enabled of mirror %d: %w", mirrorID, err)
	}
	return nil
}

// foldEmptyRepo makes the hosts and OS groups of repo from use repo to instead, and deletes
// from, once its last mirror has moved away: linking two repos that are really one must not
// leave their hosts with a repo that has nothing to offer until they report again.
func foldEmptyRepo(ctx context.Context, tx *sql.Tx, from, to int64) error {
	if from == to {
		return nil
	}
	var left int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM mirrors WHERE repo_id = ?`, from).Scan(&left); err != nil {
		return err
	}
	if left > 0 {
		return nil
	}
	for _, q := range []string{
		// A set that already has both keeps its own row for to (OR IGNORE), then loses from.
		`UPDATE OR IGNORE repo_set_members SET repo_id = ?2 WHERE repo_id = ?1`,
		`DELETE FROM repo_set_members WHERE repo_id = ?1`,
		`UPDATE OR IGNORE os_group_repos SET repo_id = ?2 WHERE repo_id = ?1`,
		`DELETE FROM os_group_repos WHERE repo_id = ?1`,
		`DELETE FROM repos WHERE id = ?1`,
	} {
		if _, err := tx.ExecContext(ctx, q, from, to); err != nil {
			return fmt.Errorf("fold repo %d into %d: %w", from, to, err)
		}
	}
	return nil
}

// MoveMirror links a mirror to another repository (Patchman's "link mirrors": two repos that
// are really one), marking dirty the computations of both repos. A repo left without mirrors is
// folded into the target (foldEmptyRepo). ErrNotFound if either is unknown.
func (db *DB) MoveMirror(ctx context.Context, mirrorID, toRepoID int64) error {
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		var from int64
		err := tx.QueryRowContext(ctx, `SELECT repo_id FROM mirrors WHERE id = ?`, mirrorID).Scan(&from)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM repos WHERE id = ?`, toRepoID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mirrors SET repo_id = ? WHERE id = ?`, toRepoID, mirrorID); err != nil {
			return err
		}
		if err := markRepoDirty(ctx, tx, from); err != nil {
			return err
		}
		if err := foldEmptyRepo(ctx, tx, from, toRepoID); err != nil {
			return err
		}
		return markRepoDirty(ctx, tx, toRepoID)
	})
	if err != nil {
		return fmt.Errorf("move mirror %d to repo %d: %w", mirrorID, toRepoID, err)
	}
	return nil
}

// DeleteRepo forgets a repository with its mirrors and what they offered: hosts that have it
// lose it until their next report names it again (as a new repository), OS groups lose it, and
// the computations that could see it are marked dirty. ErrNotFound if unknown.
func (db *DB) DeleteRepo(ctx context.Context, id int64) error {
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		if err := markRepoDirty(ctx, tx, id); err != nil {
			return err
		}
		// A repo set is found by the digest of its members: the sets losing this member must
		// never be found again by the old digest (nor by a new repo that gets this id), so
		// their hosts keep them until they report and get the set they really have.
		if _, err := tx.ExecContext(ctx, `UPDATE repo_sets SET digest = randomblob(32)
			WHERE id IN (SELECT set_id FROM repo_set_members WHERE repo_id = ?)`, id); err != nil {
			return err
		}
		// Cascades to mirrors (and their packages, errata and modules), set members and OS
		// group links; computed updates keep their rows with no repository.
		return expectRow(tx.ExecContext(ctx, `DELETE FROM repos WHERE id = ?`, id))
	})
	if err != nil {
		return fmt.Errorf("delete repo %d: %w", id, err)
	}
	return nil
}

// DeleteMirror forgets a mirror and what it offered; its repository stays (without it), and
// the computations that could see the repository are marked dirty. A host that reports the
// mirror's URL again brings it back. ErrNotFound if unknown.
func (db *DB) DeleteMirror(ctx context.Context, id int64) error {
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		var repo int64
		if err := tx.QueryRowContext(ctx, `SELECT repo_id FROM mirrors WHERE id = ?`, id).Scan(&repo); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if err := markRepoDirty(ctx, tx, repo); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM mirrors WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete mirror %d: %w", id, err)
	}
	return nil
}

// EnsureLocalRepo returns the repository whose one mirror is url (a local directory's
// file:// URL, say), creating both when no mirror has that URL yet: a repository that no host
// reported, to attach to OS groups or to map hosts' URLs onto with rewrite rules.
func (db *DB) EnsureLocalRepo(ctx context.Context, name, typ, arch, url string) (repoID, mirrorID int64, created bool, err error) {
	err = db.withTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT repo_id, id FROM mirrors WHERE url = ?`, url).Scan(&repoID, &mirrorID)
		if err == nil || !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		created = true
		if err := tx.QueryRowContext(ctx, `INSERT INTO repos (name, type, arch, created) VALUES (?, ?, ?, ?) RETURNING id`,
			name, typ, arch, db.Now()).Scan(&repoID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO mirrors (repo_id, url, local) VALUES (?, ?, 1) RETURNING id`, repoID, url).Scan(&mirrorID)
	})
	if err != nil {
		return 0, 0, false, fmt.Errorf("local repository %s: %w", url, err)
	}
	return repoID, mirrorID, created, nil
}
