package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Report statuses.
const (
	ReportPending   = "pending"
	ReportProcessed = "processed"
	ReportRejected  = "rejected"
)

// MaxRawReport is how much of a rejected upload's body is kept for inspection.
const MaxRawReport = 64 << 10

// ErrNotPending is returned when a report that was to be processed is no longer pending
// (another process got to it first, or it was rejected meanwhile).
var ErrNotPending = errors.New("report is not pending")

// ErrBadPayload is returned when a stored report payload cannot be decoded.
var ErrBadPayload = errors.New("corrupt report payload")

// Report is one row of reports: an upload as received, without its payload (see ReportPayload).
type Report struct {
	ID         int64
	Received   time.Time
	Protocol   string // "1", "2", "native"
	Hostname   string
	RemoteAddr string
	UserAgent  string
	Status     string // ReportPending, ReportProcessed or ReportRejected
	Error      string // why it was rejected
	Raw        []byte // start of a rejected body; loaded by Report only
	Processed  time.Time
	HostID     int64 // 0 until processed (or if the host was deleted)
}

// ReportFilter selects reports; zero fields do not filter.
type ReportFilter struct {
	Status   string
	Hostname string
	HostID   int64
	Limit    int // default 100
	BeforeID int64
}

// SaveReport stores an accepted upload as a pending report whose payload is hr, and returns its
// id. r.Received defaults to now, and hr.Received follows r.Received so that processing orders
// reports by the time we received them.
func (db *DB) SaveReport(ctx context.Context, r Report, hr HostReport) (int64, error) {
	if r.Received.IsZero() {
		r.Received = db.Now()
	}
	hr.Received = r.Received.UTC()
	if r.Hostname == "" {
		r.Hostname = hr.Hostname
	}
	payload, err := encodeReportPayload(hr)
	if err != nil {
		return 0, fmt.Errorf("save report from %s: encode: %w", hr.Hostname, err)
	}
	return db.insertReport(ctx, r, ReportPending, "", payload, nil, RejectedLimits{})
}

// SaveRejectedReport records an upload that could not be accepted, with the reason and the
// start of its body (truncated to MaxRawReport), so that an operator can see what a client sent.
func (db *DB) SaveRejectedReport(ctx context.Context, r Report, reason string, raw []byte) (int64, error) {
	if r.Received.IsZero() {
		r.Received = db.Now()
	}
	if len(raw) > MaxRawReport {
		raw = raw[:MaxRawReport]
	}
	return db.insertReport(ctx, r, ReportRejected, reason, nil, raw, RejectedLimits{})
}

// RejectedLimits caps what rejected reports keep together; zero fields mean no cap.
type RejectedLimits struct {
	Count int   // rejected reports kept
	Bytes int64 // their kept bodies and payloads, together
}

// SaveRejectedUpload is SaveRejectedReport for uploads from the network: in the same
// transaction it drops the oldest rejected reports beyond lim, so that bad uploads, which cost
// a client nothing, cannot fill the disk.
func (db *DB) SaveRejectedUpload(ctx context.Context, r Report, reason string, raw []byte, lim RejectedLimits) (int64, error) {
	if r.Received.IsZero() {
		r.Received = db.Now()
	}
	if len(raw) > MaxRawReport {
		raw = raw[:MaxRawReport]
	}
	return db.insertReport(ctx, r, ReportRejected, reason, nil, raw, lim)
}

// pruneRejected drops the oldest rejected reports beyond lim. It walks only the rejected rows
// (reports_status index), of which the caps keep few; length() of a blob reads no overflow page.
func pruneRejected(ctx context.Context, tx *sql.Tx, lim RejectedLimits) error {
	if lim.Count <= 0 && lim.Bytes <= 0 {
		return nil
	}
	count, size := int64(lim.Count), lim.Bytes
	if count <= 0 {
		count = math.MaxInt64
	}
	if size <= 0 {
		size = math.MaxInt64
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM reports WHERE id IN (
		SELECT id FROM (
			SELECT id, row_number() OVER w AS n,
				sum(coalesce(length(raw), 0) + coalesce(length(payload), 0)) OVER w AS total
			FROM reports WHERE status = ? WINDOW w AS (ORDER BY id DESC))
		WHERE n > ? OR total > ?)`, ReportRejected, count, size)
	return err
}

func (db *DB) insertReport(ctx context.Context, r Report, status, reason string, payload, raw []byte, lim RejectedLimits) (int64, error) {
	var id int64
	var processed time.Time // a rejected upload is finished the moment it arrives
	if status == ReportRejected {
		processed = r.Received
	}
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO reports
			(received, protocol, hostname, remote_addr, user_agent, status, error, payload, raw, processed)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.Received.UTC(), r.Protocol, r.Hostname, r.RemoteAddr, r.UserAgent, status, reason, payload, raw,
			nullTime(processed))
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		return pruneRejected(ctx, tx, lim)
	})
	if err != nil {
		return 0, fmt.Errorf("save %s report from %q: %w", status, r.Hostname, err)
	}
	return id, nil
}

// PendingReportIDs returns up to limit pending report ids, oldest first.
func (db *DB) PendingReportIDs(ctx context.Context, limit int) ([]int64, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id FROM reports WHERE status = 'pending' ORDER BY id`+limitSQL(limit, 0))
	if err != nil {
		return nil, fmt.Errorf("list pending reports: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list pending reports: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

const reportColumns = `id, received, protocol, hostname, remote_addr, user_agent, status, error, processed, host_id`

func scanReport(sc interface{ Scan(...any) error }, extra ...any) (Report, error) {
	var r Report
	var processed sql.NullTime
	var hostID sql.NullInt64
	dest := append([]any{&r.ID, &r.Received, &r.Protocol, &r.Hostname, &r.RemoteAddr, &r.UserAgent,
		&r.Status, &r.Error, &processed, &hostID}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return r, err
	}
	r.Processed, r.HostID = processed.Time, hostID.Int64
	return r, nil
}

// Report loads one report, with the kept raw body of a rejected upload.
func (db *DB) Report(ctx context.Context, id int64) (Report, error) {
	row := db.read.QueryRowContext(ctx, `SELECT `+reportColumns+`, raw FROM reports WHERE id = ?`, id)
	var raw []byte
	r, err := scanReport(row, &raw)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("report %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("load report %d: %w", id, err)
	}
	r.Raw = raw
	return r, nil
}

// ReportPayload decodes a report's canonical content. A rejected report has none (ErrNotFound);
// an undecodable one gives an error wrapping ErrBadPayload.
func (db *DB) ReportPayload(ctx context.Context, id int64) (HostReport, error) {
	var payload []byte
	err := db.read.QueryRowContext(ctx, `SELECT payload FROM reports WHERE id = ?`, id).Scan(&payload)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && payload == nil) {
		return HostReport{}, fmt.Errorf("report %d payload: %w", id, ErrNotFound)
	}
	if err != nil {
		return HostReport{}, fmt.Errorf("load report %d payload: %w", id, err)
	}
	hr, err := decodeReportPayload(payload)
	if err != nil {
		return hr, fmt.Errorf("report %d: %w", id, err)
	}
	return hr, nil
}

// Reports lists reports matching f, newest first, without raw bodies.
func (db *DB) Reports(ctx context.Context, f ReportFilter) ([]Report, error) {
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if f.Hostname != "" {
		where, args = append(where, "hostname = ? COLLATE NOCASE"), append(args, f.Hostname)
	}
	if f.HostID != 0 {
		where, args = append(where, "host_id = ?"), append(args, f.HostID)
	}
	if f.BeforeID != 0 {
		where, args = append(where, "id < ?"), append(args, f.BeforeID)
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q := `SELECT ` + reportColumns + ` FROM reports`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := db.read.QueryContext(ctx, q+` ORDER BY id DESC`+limitSQL(f.Limit, 0), args...)
	if err != nil {
		return nil, fmt.Errorf("list reports: %w", err)
	}
	defer rows.Close()
	var out []Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, fmt.Errorf("list reports: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list reports: %w", err)
	}
	return out, nil
}

// updateReport runs one UPDATE on a report and maps "no such row" to ErrNotFound.
func (db *DB) updateReport(ctx context.Context, what string, id int64, q string, args ...any) error {
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		return expectRow(tx.ExecContext(ctx, q, args...))
	})
	if err != nil {
		return fmt.Errorf("%s report %d: %w", what, id, err)
	}
	return nil
}

// DeleteReport deletes a report. ErrNotFound if there is none.
func (db *DB) DeleteReport(ctx context.Context, id int64) error {
	return db.updateReport(ctx, "delete", id, `DELETE FROM reports WHERE id = ?`, id)
}

// RequeueReport makes a processed or rejected report pending again, so it is processed anew.
// Rejected uploads that never parsed have no payload and cannot be requeued (ErrNotFound).
func (db *DB) RequeueReport(ctx context.Context, id int64) error {
	return db.updateReport(ctx, "requeue", id, `UPDATE reports SET status = 'pending', error = '', processed = NULL
		WHERE id = ? AND payload IS NOT NULL`, id)
}

// RejectReport marks a report rejected with the reason (processing could not apply it).
func (db *DB) RejectReport(ctx context.Context, id int64, reason string) error {
	return db.updateReport(ctx, "reject", id, `UPDATE reports SET status = 'rejected', error = ?, processed = ?
		WHERE id = ?`, reason, db.Now(), id)
}

// PruneReports deletes old reports: processed ones beyond the newest keepPerHost of each host
// (Patchman keeps 3), processed ones whose host was deleted, and rejected ones received before
// rejectedBefore. Pending reports are never deleted. It returns how many were deleted.
func (db *DB) PruneReports(ctx context.Context, keepPerHost int, rejectedBefore time.Time) (int64, error) {
	p, err := db.PruneReportCounts(ctx, keepPerHost, rejectedBefore)
	return p.Processed + p.Rejected, err
}

// Pruned counts the reports PruneReportCounts deleted, by status.
type Pruned struct {
	Processed, Rejected int64
}

// PruneReportCounts is PruneReports counting processed and rejected reports apart, for
// `patchward clean-reports`; both deletes are one transaction.
func (db *DB) PruneReportCounts(ctx context.Context, keepPerHost int, rejectedBefore time.Time) (Pruned, error) {
	if keepPerHost < 1 {
		keepPerHost = 1
	}
	var p Pruned
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM reports WHERE id IN (
			SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY host_id ORDER BY id DESC) AS rn
				FROM reports WHERE status = 'processed' AND host_id IS NOT NULL) WHERE rn > ?)
			OR (status = 'processed' AND host_id IS NULL)`, keepPerHost)
		if err != nil {
			return err
		}
		if p.Processed, err = res.RowsAffected(); err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `DELETE FROM reports WHERE status = 'rejected' AND received < ?`, rejectedBefore.UTC())
		if err != nil {
			return err
		}
		p.Rejected, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return Pruned{}, fmt.Errorf("prune reports: %w", err)
	}
	return p, nil
}
