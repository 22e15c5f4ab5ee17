package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// hostForApply is what applying a report needs to know about an existing host.
type hostForApply struct {
	id           int64
	lastReport   sql.NullTime
	lastReportID sql.NullInt64
	packageSetID sql.NullInt64
	repoSetID    sql.NullInt64
	reposOnly    bool
	before       hostBefore // kernel and OS, for the host's history
}

// ApplyHostReport applies a canonical report to its host in one transaction: host row, OS
// variant, tags, shared package set, shared repo set (repos and mirrors resolved by URL),
// modules, client updates and the host's computation, then marks the report processed.
//
// reportID is the reports row the report came from (0 applies a report that has no row, e.g. an
// import). A report that is no longer pending gives ErrNotPending. A report older than the
// host's last applied one is only marked processed. Nil Packages, Repos, Modules or Updates keep
// what the host had.
func (db *DB) ApplyHostReport(ctx context.Context, reportID int64, r HostReport) (int64, error) {
	r.clean()
	r.Hostname = strings.ToLower(strings.TrimSpace(r.Hostname))
	if r.Hostname == "" {
		return 0, errors.New("apply report: hostname is empty")
	}
	if r.Received.IsZero() {
		r.Received = db.Now()
	}
	r.Received = r.Received.UTC().Truncate(time.Second)
	var hostID int64
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		if reportID != 0 {
			var status string
			err := tx.QueryRowContext(ctx, `SELECT status FROM reports WHERE id = ?`, reportID).Scan(&status)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("report %d: %w", reportID, ErrNotFound)
			}
			if err != nil {
				return err
			}
			if status != ReportPending {
				return ErrNotPending
			}
		}
		h, err := loadHostForApply(ctx, tx, r.Hostname)
		if err != nil {
			return err
		}
		if h.id != 0 && isStale(h, r.Received, reportID) {
			hostID = h.id
			return db.markReportProcessed(ctx, tx, reportID, hostID)
		}
		if hostID, err = db.applyToHost(ctx, tx, h, reportID, r); err != nil {
			return err
		}
		return db.markReportProcessed(ctx, tx, reportID, hostID)
	})
	if err != nil {
		return 0, fmt.Errorf("apply report %d for %s: %w", reportID, r.Hostname, err)
	}
	return hostID, nil
}

// isStale reports whether a report received at t (with id reportID) is older than the one the
// host already reflects, so that reports processed out of order never roll a host back.
func isStale(h hostForApply, t time.Time, reportID int64) bool {
	if !h.lastReport.Valid {
		return false
	}
	last := h.lastReport.Time.UTC()
	if t.Before(last) {
		return true
	}
	return t.Equal(last) && reportID != 0 && h.lastReportID.Valid && reportID < h.lastReportID.Int64
}

func loadHostForApply(ctx context.Context, tx *sql.Tx, hostname string) (hostForApply, error) {
	var h hostForApply
	err := tx.QueryRowContext(ctx, `SELECT h.id, h.last_report, h.last_report_id, h.package_set_id, h.repo_set_id,
		h.host_repos_only, h.kernel, ifnull(ov.name, '') FROM hosts h LEFT JOIN os_variants ov ON ov.id = h.os_variant_id
		WHERE h.hostname = ?`, hostname).
		Scan(&h.id, &h.lastReport, &h.lastReportID, &h.packageSetID, &h.repoSetID, &h.reposOnly, &h.before.kernel, &h.before.os)
	if errors.Is(err, sql.ErrNoRows) {
		return hostForApply{}, nil
	}
	if err != nil {
		return h, fmt.Errorf("load host: %w", err)
	}
	return h, nil
}

func (db *DB) applyToHost(ctx context.Context, tx *sql.Tx, h hostForApply, reportID int64, r HostReport) (int64, error) {
	osID, osGroup, err := osVariantID(ctx, tx, r.OS)
	if err != nil {
		return 0, err
	}
	psID := h.packageSetID.Int64
	if r.Packages != nil || !h.packageSetID.Valid {
		if psID, err = db.resolvePackageSet(ctx, tx, r.Packages); err != nil {
			return 0, err
		}
	}
	rsID := h.repoSetID.Int64
	if r.Repos != nil || !h.repoSetID.Valid {
		if rsID, err = resolveRepoSet(ctx, tx, r.Repos, r.Arch, db.Now()); err != nil {
			return 0, err
		}
	}
	modKey := moduleKey(r.Modules)
	if r.Modules == nil && h.id != 0 {
		if modKey, err = hostModuleKey(ctx, tx, h.id); err != nil {
			return 0, err
		}
	}
	compID, err := computationID(ctx, tx, computationKey{psID, rsID, h.id == 0 || h.reposOnly, osGroup, modKey})
	if err != nil {
		return 0, err
	}
	_, domain, _ := strings.Cut(r.Hostname, ".")
	hostID := h.id
	if hostID == 0 {
		err = tx.QueryRowContext(ctx, `INSERT INTO hosts (domain, os_variant_id, kernel, arch, ip,
			package_set_id, repo_set_id, computation_id, client_reboot, reboot_required, last_report,
			last_report_id, hostname, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			domain, osID, r.Kernel, r.Arch, r.RemoteIP, psID, rsID, compID, boolInt(r.Reboot), boolInt(r.Reboot),
			r.Received, nullID(reportID), r.Hostname, db.Now()).Scan(&hostID)
	} else {
		// Our own kernel check stays valid while the running kernel and the installed packages
		// are unchanged; otherwise it is redone by the next update finding (reboot_checked = 0).
		// SET expressions all see the old row, so "same" is evaluated before the update.
		_, err = tx.ExecContext(ctx, `UPDATE hosts SET domain = ?4, os_variant_id = ?5, arch = ?6, ip = ?7,
			repo_set_id = ?8, computation_id = ?9, client_reboot = ?3, last_report = ?10, last_report_id = ?11,
			reboot_checked = CASE WHEN kernel = ?1 AND package_set_id = ?2 THEN reboot_checked ELSE 0 END,
			kernel_reboot = CASE WHEN kernel = ?1 AND package_set_id = ?2 THEN kernel_reboot ELSE 0 END,
			reboot_reason = CASE WHEN kernel = ?1 AND package_set_id = ?2 THEN reboot_reason ELSE '' END,
			reboot_required = CASE WHEN ?3 THEN 1 WHEN kernel = ?1 AND package_set_id = ?2 THEN kernel_reboot ELSE 0 END,
			kernel = ?1, package_set_id = ?2
			WHERE id = ?12`,
			r.Kernel, psID, boolInt(r.Reboot), domain, osID, r.Arch, r.RemoteIP, rsID, compID,
			r.Received, nullID(reportID), hostID)
	}
	if err != nil {
		return 0, fmt.Errorf("save host: %w", err)
	}
	if err := saveHostClient(ctx, tx, hostID, r); err != nil {
		return 0, err
	}
	if err := recordHostEvents(ctx, tx, hostID, reportID, r.Received, h.packageSetID.Int64, psID, h.before, r, h.id == 0); err != nil {
		return 0, err
	}
	if err := replaceHostTags(ctx, tx, hostID, r.Tags); err != nil {
		return 0, err
	}
	if r.Modules != nil {
		if err := replaceHostModules(ctx, tx, hostID, r.Modules); err != nil {
			return 0, err
		}
	}
	if r.Updates != nil {
		if err := replaceHostClientUpdates(ctx, tx, hostID, r.Updates); err != nil {
			return 0, err
		}
	}
	if r.Held != nil {
		if err := replaceHostHolds(ctx, tx, hostID, r.Held); err != nil {
			return 0, err
		}
	}
	return hostID, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (db *DB) markReportProcessed(ctx context.Context, tx *sql.Tx, reportID, hostID int64) error {
	if reportID == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE reports SET status = 'processed', error = '', processed = ?, host_id = ?
		WHERE id = ?`, db.Now(), hostID, reportID)
	if err != nil {
		return fmt.Errorf("mark report processed: %w", err)
	}
	return nil
}

// comparePackageKeys orders keys field by field; it defines the canonical package list order.
func comparePackageKeys(a, b PackageKey) int {
	return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Arch, b.Arch),
		cmp.Compare(a.Epoch, b.Epoch), cmp.Compare(a.Version, b.Version), cmp.Compare(a.Release, b.Release))
}

// packageKeysDigest hashes a sorted, de-duplicated key list. NUL cannot occur in a field that
// came through JSON or a text protocol unescaped, so it separates fields unambiguously.
func packageKeysDigest(keys []PackageKey) []byte {
	h := sha256.New()
	buf := make([]byte, 0, 128)
	for _, k := range keys {
		buf = buf[:0]
		for _, f := range [...]string{k.Type, k.Name, k.Arch, k.Epoch, k.Version, k.Release} {
			buf = append(append(buf, f...), 0)
		}
		h.Write(append(buf, '\n'))
	}
	return h.Sum(nil)
}

// resolvePackageSet returns the shared package_sets row holding exactly these packages, creating
// packages and the set as needed. The key-list digest short-cuts the common case of a report
// whose packages did not change: one indexed read instead of resolving every package.
func (db *DB) resolvePackageSet(ctx context.Context, tx *sql.Tx, pkgs []PackageKey) (int64, error) {
	keys := slices.Clone(pkgs)
	slices.SortFunc(keys, comparePackageKeys)
	keys = slices.CompactFunc(keys, func(a, b PackageKey) bool { return a == b })
	keyDigest := packageKeysDigest(keys)
	var setID int64
	err := tx.QueryRowContext(ctx, `SELECT package_set_id FROM package_set_keys WHERE digest = ?`, keyDigest).Scan(&setID)
	if err == nil {
		return setID, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("look up package list: %w", err)
	}
	ids, err := db.packageIDs(ctx, tx, keys)
	if err != nil {
		return 0, err
	}
	set := NewIDSet(ids)
	digest := set.Digest()
	err = tx.QueryRowContext(ctx, `SELECT id FROM package_sets WHERE digest = ?`, digest).Scan(&setID)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, `INSERT INTO package_sets (digest, count, members) VALUES (?, ?, ?) RETURNING id`,
			digest, len(set), set.Encode()).Scan(&setID)
	}
	if err != nil {
		return 0, fmt.Errorf("resolve package set: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO package_set_keys (digest, package_set_id) VALUES (?, ?)
		ON CONFLICT DO NOTHING`, keyDigest, setID); err != nil {
		return 0, fmt.Errorf("remember package list: %w", err)
	}
	return setID, nil
}

func replaceHostTags(ctx context.Context, tx *sql.Tx, hostID int64, tags []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM host_tags WHERE host_id = ?`, hostID); err != nil {
		return fmt.Errorf("replace tags: %w", err)
	}
	for _, t := range tags {
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		// host_tags compares NOCASE, so "Web" and "web" in one report are one tag.
		if _, err := tx.ExecContext(ctx, `INSERT INTO host_tags (host_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			hostID, t); err != nil {
			return fmt.Errorf("replace tags: %w", err)
		}
	}
	return nil
}

func replaceHostModules(ctx context.Context, tx *sql.Tx, hostID int64, mods []ReportedModule) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM host_modules WHERE host_id = ?`, hostID); err != nil {
		return fmt.Errorf("replace modules: %w", err)
	}
	for _, m := range mods {
		if _, err := tx.ExecContext(ctx, `INSERT INTO host_modules (host_id, name, stream, version, context, arch, repo)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			hostID, m.Name, m.Stream, m.Version, m.Context, m.Arch, m.Repo); err != nil {
			return fmt.Errorf("replace modules: %w", err)
		}
	}
	return nil
}

func replaceHostClientUpdates(ctx context.Context, tx *sql.Tx, hostID int64, ups []ClientUpdate) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM host_client_updates WHERE host_id = ?`, hostID); err != nil {
		return fmt.Errorf("replace client updates: %w", err)
	}
	for _, u := range ups {
		// One row per (name, arch): a security listing wins over a bugfix one, as in Patchman.
		if _, err := tx.ExecContext(ctx, `INSERT INTO host_client_updates (host_id, name, arch, version, repo, security)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (host_id, name, arch) DO UPDATE SET
			version = CASE WHEN excluded.security >= security THEN excluded.version ELSE version END,
			repo = CASE WHEN excluded.security >= security THEN excluded.repo ELSE repo END,
			security = max(security, excluded.security)`,
			hostID, u.Name, u.Arch, u.Version, u.Repo, boolInt(u.Security)); err != nil {
			return fmt.Errorf("replace client updates: %w", err)
		}
	}
	return nil
}

// saveHostClient records which client sent r and, if it said, its self-update outcome.
func saveHostClient(ctx context.Context, tx *sql.Tx, hostID int64, r HostReport) error {
	_, err := tx.ExecContext(ctx, `UPDATE hosts SET client = ?, client_version = ?, client_protocol = ?,
		client_seen = ? WHERE id = ?`, clip(r.Client, 64), clip(r.ClientVersion, 64), clip(r.ClientProtocol, 16),
		r.Received, hostID)
	if err == nil && r.AgentUpdate != "" {
		_, err = tx.ExecContext(ctx, `UPDATE hosts SET agent_update = ?, agent_update_at = ? WHERE id = ?`,
			clip(r.AgentUpdate, 400), r.AgentUpdateAt.UTC(), hostID)
	}
	if err != nil {
		return fmt.Errorf("save host client: %w", err)
	}
	return nil
}
