package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// DashboardItem is one entry of a dashboard list: a host, report, mirror or repo.
type DashboardItem struct {
	ID     int64  // host, report or repo id (mirrors link to their repo)
	Name   string // hostname, mirror URL or repo name
	Detail string // e.g. an error message or an update count
	At     time.Time
}

// DashboardList is a count and the first few entries of one dashboard category.
type DashboardList struct {
	Count int
	Items []DashboardItem
}

// Dashboard is the fleet at a glance: what needs attention.
type Dashboard struct {
	Hosts          int
	Repos          int
	Mirrors        int
	Security       DashboardList // hosts with security updates
	BugfixOnly     DashboardList // hosts with only bugfix updates
	Reboot         DashboardList // hosts needing a reboot
	Stale          DashboardList // hosts that have not reported since staleBefore
	NoRepos        DashboardList // hosts with no repositories
	Pending        DashboardList // reports not processed yet
	Rejected       DashboardList // reports rejected in the last 24 hours
	FailingMirrors DashboardList // enabled mirrors whose last refresh failed
	NeverRefreshed DashboardList // enabled mirrors never refreshed successfully
	// DisabledMirrors are mirrors switched off, by a person or after failing too often.
	DisabledMirrors DashboardList
	NoMirrors       DashboardList // repos without any mirror
	// StaleMirrors are enabled mirrors whose last successful refresh is older than staleBefore.
	StaleMirrors DashboardList
	// BehindMirrors are enabled mirrors whose own metadata (Release Date, repomd revision) is
	// older than behindBefore: "your hosts' mirror is N days behind".
	BehindMirrors DashboardList
	// LongSecurity are hosts whose security updates have been pending since before
	// securityBefore (as recorded by RecordSecurityHistory).
	LongSecurity DashboardList
}

// DashboardOptions are the thresholds of the dashboard's time-based lists.
type DashboardOptions struct {
	StaleBefore        time.Time // hosts not reporting since
	MirrorStaleBefore  time.Time // mirrors not refreshed since
	MirrorBehindBefore time.Time // mirrors whose metadata is dated before this (zero: not listed)
	SecurityBefore     time.Time // security updates pending since
}

// dashboardLimit is how many entries each dashboard list shows.
const dashboardLimit = 10

// Dashboard gathers every dashboard count and list in one read snapshot; hosts not reporting
// since staleBefore are stale, and mirrors and long-pending security updates use the same age.
func (db *DB) Dashboard(ctx context.Context, staleBefore time.Time) (Dashboard, error) {
	return db.DashboardWith(ctx, DashboardOptions{StaleBefore: staleBefore, MirrorStaleBefore: staleBefore,
		SecurityBefore: staleBefore})
}

// DashboardWith is Dashboard with a threshold per time-based list.
func (db *DB) DashboardWith(ctx context.Context, o DashboardOptions) (Dashboard, error) {
	staleBefore := o.StaleBefore
	var d Dashboard
	since := db.Now().Add(-24 * time.Hour)
	lists := []struct {
		dst  *DashboardList
		q    string // selects id, name, detail, at
		args []any
	}{
		{&d.Security, `SELECT h.id, h.hostname, ` + securityCountSQL + ` || ' security', h.last_report
			FROM hosts h JOIN computations c ON c.id = h.computation_id
			WHERE ` + securityCountSQL + ` > 0 ORDER BY ` + securityCountSQL + ` DESC, h.hostname`, nil},
		{&d.BugfixOnly, `SELECT h.id, h.hostname, ` + bugfixCountSQL + ` || ' bugfix', h.last_report
			FROM hosts h JOIN computations c ON c.id = h.computation_id
			WHERE ` + securityCountSQL + ` = 0 AND ` + bugfixCountSQL + ` > 0 ORDER BY ` + bugfixCountSQL + ` DESC, h.hostname`, nil},
		{&d.Reboot, `SELECT id, hostname, kernel, last_report FROM hosts
			WHERE reboot_required = 1 ORDER BY hostname`, nil},
		{&d.Stale, `SELECT id, hostname, '', last_report FROM hosts
			WHERE last_report IS NULL OR last_report < ? ORDER BY last_report, hostname`, []any{staleBefore.UTC()}},
		{&d.NoRepos, `SELECT h.id, h.hostname, '', h.last_report FROM hosts h
			WHERE NOT EXISTS (SELECT 1 FROM repo_set_members m WHERE m.set_id = h.repo_set_id)
			AND NOT (h.host_repos_only = 0 AND EXISTS (SELECT 1 FROM os_variants ov
				JOIN os_group_repos g ON g.os_group_id = ov.os_group_id WHERE ov.id = h.os_variant_id))
			ORDER BY h.hostname`, nil},
		{&d.Pending, `SELECT id, hostname, 'protocol ' || protocol, received FROM reports
			WHERE status = 'pending' ORDER BY id`, nil},
		{&d.Rejected, `SELECT id, hostname, error, received FROM reports
			WHERE status = 'rejected' AND received >= ? ORDER BY id DESC`, []any{since}},
		{&d.FailingMirrors, `SELECT repo_id, url, last_error, last_attempt FROM mirrors
			WHERE enabled = 1 AND (fail_count > 0 OR last_error != '') ORDER BY fail_count DESC, url`, nil},
		{&d.NeverRefreshed, `SELECT repo_id, url, '', last_attempt FROM mirrors
			WHERE enabled = 1 AND last_success IS NULL ORDER BY url`, nil},
		{&d.DisabledMirrors, `SELECT repo_id, url, last_error, last_attempt FROM mirrors
			WHERE enabled = 0 ORDER BY url`, nil},
		{&d.StaleMirrors, `SELECT repo_id, url, 'last refreshed', last_success FROM mirrors
			WHERE enabled = 1 AND last_success < ? ORDER BY last_success, url`, []any{o.MirrorStaleBefore.UTC()}},
		{&d.BehindMirrors, `SELECT repo_id, url, 'metadata dated', freshness FROM mirrors
			WHERE enabled = 1 AND freshness IS NOT NULL AND freshness < ? ORDER BY freshness, url`, []any{o.MirrorBehindBefore.UTC()}},
		{&d.LongSecurity, `SELECT h.id, h.hostname, ` + securityCountSQL + ` || ' security', s.since
			FROM host_security_since s JOIN hosts h ON h.id = s.host_id JOIN computations c ON c.id = h.computation_id
			WHERE s.since < ? AND ` + securityCountSQL + ` > 0 ORDER BY s.since, h.hostname`, []any{o.SecurityBefore.UTC()}},
		{&d.NoMirrors, `SELECT r.id, r.name, r.type, r.created FROM repos r
			WHERE NOT EXISTS (SELECT 1 FROM mirrors m WHERE m.repo_id = r.id) ORDER BY r.name`, nil},
	}
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM hosts), (SELECT count(*) FROM repos),
			(SELECT count(*) FROM mirrors)`).Scan(&d.Hosts, &d.Repos, &d.Mirrors); err != nil {
			return err
		}
		for _, l := range lists {
			if err := dashboardList(ctx, tx, l.dst, l.q, l.args); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Dashboard{}, fmt.Errorf("dashboard: %w", err)
	}
	return d, nil
}

// dashboardList fills dst with the count of q's rows and its first dashboardLimit rows.
func dashboardList(ctx context.Context, tx *sql.Tx, dst *DashboardList, q string, args []any) error {
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (`+q+`)`, args...).Scan(&dst.Count); err != nil {
		return err
	}
	if dst.Count == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, q+limitSQL(dashboardLimit, 0), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var it DashboardItem
		var at sql.NullTime
		if err := rows.Scan(&it.ID, &it.Name, &it.Detail, &at); err != nil {
			return err
		}
		it.At = at.Time
		dst.Items = append(dst.Items, it)
	}
	return rows.Err()
}
