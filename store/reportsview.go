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
