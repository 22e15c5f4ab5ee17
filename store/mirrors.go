package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Mirror is one mirror URL to refresh, with what its repo and its last successful refresh
// recorded: enough to make conditional requests and to skip unchanged indexes.
type Mirror struct {
	ID           int64
	RepoID       int64
	URL          string
	RepoType     string // deb, rpm, arch, gentoo, apk
	RepoArch     string
	RepoIdent    string // the client's repo id (yum id, pacman repo name)
	ETag         string
	LastModified string
	Checksum     string // digest of the index last parsed, "sha256:<hex>" style
	FailCount    int
	// ErrataChecksum and ModulesChecksum are the digests of the rpm updateinfo and
	// modules.yaml last read.
	ErrataChecksum  string
	ModulesChecksum string
	// Local: an administrator made it from a local directory (EnsureLocalRepo), so refresh
	// may read its file:// URL; a host's reported file:// URL is not read.
	Local bool
}

// MirrorMeta is what a refresh learned about a mirror's index besides its packages.
type MirrorMeta struct {
	Checksum     string
	ETag         string
	LastModified string
	Freshness    time.Time // Release Date / repomd revision; zero if unknown
}

// MirrorsToRefresh lists the enabled mirrors of enabled repos, of one repo when repoID is not 0.
func (db *DB) MirrorsToRefresh(ctx context.Context, repoID int64) ([]Mirror, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT m.id, m.repo_id, m.url, r.type, r.arch, r.repo_ident,
			m.etag, m.last_modified, m.checksum, m.fail_count, m.errata_checksum, m.modules_checksum, m.local
		FROM mirrors m JOIN repos r ON r.id = m.repo_id
		WHERE m.enabled = 1 AND r.enabled = 1 AND (? = 0 OR m.repo_id = ?)
		ORDER BY m.id`, repoID, repoID)
	if err != nil {
		return nil, fmt.Errorf("list mirrors to refresh: %w", err)
	}
	defer rows.Close()
	var out []Mirror
	for rows.Next() {
		var m Mirror
		if err := rows.Scan(&m.ID, &m.RepoID, &m.URL, &m.RepoType, &m.RepoArch, &m.RepoIdent,
			&m.ETag, &m.LastModified, &m.Checksum, &m.FailCount, &m.ErrataChecksum, &m.ModulesChecksum, &m.Local); err != nil {
			return nil, fmt.Errorf("list mirrors to refresh: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list mirrors to refresh: %w", err)
	}
	return out, nil
}

// SaveMirrorPackages records a successful refresh that parsed the mirror's index: the package
// rows (created as needed), the mirror's package set, its metadata, and, if the set really
// changed, dirty flags on every computation that can see the mirror's repo. It reports whether
// the package set changed. All of it is one transaction, so update finding never sees a mirror
// whose packages and dirty flags disagree.
//
// known is nil or parallel to pkgs: ids from KnownPackageIDs (0 = not known), which keeps the
// write transaction down to inserting new packages.
func (db *DB) SaveMirrorPackages(ctx context.Context, mirrorID int64, pkgs []PackageKey, known []int64, meta MirrorMeta) (changed bool, err error) {
	err = db.withTx(ctx, func(tx *sql.Tx) error {
		var repoID int64
		if err := tx.QueryRowContext(ctx, `SELECT repo_id FROM mirrors WHERE id = ?`, mirrorID).Scan(&repoID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		ids, err := resolvePackageIDs(ctx, tx, pkgs, known)
		if err != nil {
			return err
		}
		set := NewIDSet(ids)
		blob := set.Encode()
		var old []byte
		err = tx.QueryRowContext(ctx, `SELECT members FROM mirror_packages WHERE mirror_id = ?`, mirrorID).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("load old package set: %w", err)
		}
		changed = errors.Is(err, sql.ErrNoRows) || !bytes.Equal(old, blob)
		now := db.Now()
		if changed {
			if _, err := tx.ExecContext(ctx, `INSERT INTO mirror_packages (mirror_id, members) VALUES (?, ?)
				ON CONFLICT (mirror_id) DO UPDATE SET members = excluded.members`, mirrorID, blob); err != nil {
				return fmt.Errorf("store package set: %w", err)
			}
			if err := markRepoDirty(ctx, tx, repoID); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE mirrors SET package_count = ?, checksum = ?, etag = ?,
				last_modified = ?, freshness = ?, last_attempt = ?, last_success = ?, fail_count = 0,
				last_error = '', content_changed = CASE WHEN ? THEN ? ELSE content_changed END
			WHERE id = ?`,
			len(set), meta.Checksum, meta.ETag, meta.LastModified, nullTime(meta.Freshness), now, now,
			boolInt(changed), now, mirrorID)
		if err != nil {
			return fmt.Errorf("update mirror: %w", err)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("save packages of mirror %d: %w", mirrorID, err)
	}
	return changed, nil
}

// markRepoDirty flags for recomputation every computation that can see repoID: through its
// repo set, or (mode 'group') through its OS group's repos. Rows already dirty are set again on
// purpose: the generation trigger then records that a computation running right now read
// stale input, so its result does not clear the flag.
func markRepoDirty(ctx context.Context, tx *sql.Tx, repoID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE computations SET dirty = 1
		WHERE (
			repo_set_id IN (SELECT set_id FROM repo_set_members WHERE repo_id = ?)
			OR (mode = 'group' AND os_group_id IN (SELECT os_group_id FROM os_group_repos WHERE repo_id = ?)))`,
		repoID, repoID)
	if err != nil {
		return fmt.Errorf("mark computations dirty: %w", err)
	}
	return nil
}

// MirrorUnchanged records a successful refresh that found the index unchanged (HTTP 304 or an
// equal checksum): the package set is left alone. Non-empty ETag and LastModified in meta, and
// a non-zero Freshness, replace the stored ones so the next conditional request uses them.
func (db *DB) MirrorUnchanged(ctx context.Context, mirrorID int64, meta MirrorMeta) error {
	now := db.Now()
	res, err := db.write.ExecContext(ctx, `UPDATE mirrors SET last_attempt = ?, last_success = ?,
			fail_count = 0, last_error = '',
			etag = CASE WHEN ? <> '' THEN ? ELSE etag END,
			last_modified = CASE WHEN ? <> '' THEN ? ELSE last_modified END,
			freshness = coalesce(?, freshness)
		WHERE id = ?`,
		now, now, meta.ETag, meta.ETag, meta.LastModified, meta.LastModified, nullTime(meta.Freshness), mirrorID)
	return mirrorUpdated(res, err, "record unchanged mirror", mirrorID)
}

// MirrorFailed records a failed refresh: fail_count goes up, reason is kept as last_error, and
// the mirror is disabled once fail_count reaches maxFailures (never when maxFailures < 0). It
// reports whether the mirror was disabled by this call.
func (db *DB) MirrorFailed(ctx context.Context, mirrorID int64, reason string, maxFailures int) (disabled bool, err error) {
	now := db.Now()
	err = db.withTx(ctx, func(tx *sql.Tx) error {
		var count int
		err := tx.QueryRowContext(ctx, `UPDATE mirrors SET last_attempt = ?, last_error = ?, fail_count = fail_count + 1
			WHERE id = ? RETURNING fail_count`, now, reason, mirrorID).Scan(&count)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if maxFailures < 0 || count < maxFailures {
			return nil
		}
		disabled = true
		_, err = tx.ExecContext(ctx, `UPDATE mirrors SET enabled = 0 WHERE id = ?`, mirrorID)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("record failure of mirror %d: %w", mirrorID, err)
	}
	return disabled, nil
}

func mirrorUpdated(res sql.Result, err error, what string, id int64) error {
	if err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%s %d: %w", what, id, ErrNotFound)
	}
	return nil
}

// MirrorPackages returns the packages a mirror offered at its last changed refresh, in
// packages-table order; none if it was never refreshed.
func (db *DB) MirrorPackages(ctx context.Context, mirrorID int64) ([]PackageKey, error) {
	var blob []byte
	err := db.read.QueryRowContext(ctx, `SELECT members FROM mirror_packages WHERE mirror_id = ?`, mirrorID).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("packages of mirror %d: %w", mirrorID, err)
	}
	set, err := DecodeIDSet(blob)
	if err != nil {
		return nil, fmt.Errorf("packages of mirror %d: %w", mirrorID, err)
	}
	byID, err := db.PackagesByID(ctx, set)
	if err != nil {
		return nil, fmt.Errorf("packages of mirror %d: %w", mirrorID, err)
	}
	out := make([]PackageKey, 0, len(set))
	for _, id := range set {
		if k, ok := byID[id]; ok {
			out = append(out, k)
		}
	}
	return out, nil
}
