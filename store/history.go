package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// HistoryPoint is one day of the dashboard chart.
type HistoryPoint struct {
	Day             time.Time // midnight UTC
	Hosts           int
	SecurityHosts   int // hosts with pending security updates
	SecurityUpdates int // pending security updates summed over hosts
}

// RecordSecurityHistory stores today's count of hosts with pending security updates (replacing
// an earlier count of the same day) and keeps host_security_since current: hosts that gained
// security updates are stamped now, hosts without any are removed. It is meant to run from a
// job, hourly or daily; running it more often is harmless.
func (db *DB) RecordSecurityHistory(ctx context.Context) error {
	now := db.Now()
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO security_history (day, hosts, security_hosts, security_updates)
			SELECT ?, count(*), COALESCE(sum(`+securityCountSQL+` > 0), 0), COALESCE(sum(`+securityCountSQL+`), 0)
			FROM hosts h LEFT JOIN computations c ON c.id = h.computation_id
			ON CONFLICT (day) DO UPDATE SET hosts = excluded.hosts, security_hosts = excluded.security_hosts,
				security_updates = excluded.security_updates`, now.Format(time.DateOnly)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM host_security_since WHERE host_id NOT IN
			(SELECT h.id FROM hosts h JOIN computations c ON c.id = h.computation_id WHERE `+securityCountSQL+` > 0)`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO host_security_since (host_id, since)
			SELECT h.id, ? FROM hosts h JOIN computations c ON c.id = h.computation_id WHERE `+securityCountSQL+` > 0
			ON CONFLICT DO NOTHING`, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("record security history: %w", err)
	}
	return nil
}

// SecurityHistory returns the recorded days of the last `days` days, oldest first.
func (db *DB) SecurityHistory(ctx context.Context, days int) ([]HistoryPoint, error) {
	from := db.Now().AddDate(0, 0, -days).Format(time.DateOnly)
	rows, err := db.read.QueryContext(ctx, `SELECT day, hosts, security_hosts, security_updates
		FROM security_history WHERE day > ? ORDER BY day`, from)
	if err != nil {
		return nil, fmt.Errorf("read security history: %w", err)
	}
	defer rows.Close()
	var out []HistoryPoint
	for rows.Next() {
		var p HistoryPoint
		var day string
		if err := rows.Scan(&day, &p.Hosts, &p.SecurityHosts, &p.SecurityUpdates); err != nil {
			return nil, fmt.Errorf("read security history: %w", err)
		}
		if p.Day, err = time.Parse(time.DateOnly, day); err != nil {
			return nil, fmt.Errorf("read security history: day %q: %w", day, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read security history: %w", err)
	}
	return out, nil
}
