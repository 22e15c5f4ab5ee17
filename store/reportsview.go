package store

import (
	"context"
	"fmt"
)

// ReportCounts returns how many reports there are in each status.
func (db *DB) ReportCounts(ctx context.Context) (map[string]int, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT status, count(*) FROM reports GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("count reports: %w", err)
	}
	defer rows.Close()
	out := map[string]int{ReportPending: 0, ReportProcessed: 0, ReportRejected: 0}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("count reports: %w", err)
		}
		out[s] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count reports: %w", err)
	}
	return out, nil
}

// HostReports returns a host's newest reports (limit), as Reports with HostID does, through a
// prepared statement: the host page asks for them on every view.
func (db *DB) HostReports(ctx context.Context, hostID int64, limit int) ([]Report, error) {
	rows, err := db.cachedQuery(ctx, nil, `SELECT `+reportColumns+` FROM reports WHERE host_id = ?
		ORDER BY id DESC`+limitSQL(limit, 0), hostID)
	if err != nil {
		return nil, fmt.Errorf("reports of host %d: %w", hostID, err)
	}
	defer rows.Close()
	var out []Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, fmt.Errorf("reports of host %d: %w", hostID, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports of host %d: %w", hostID, err)
	}
	return out, nil
}
