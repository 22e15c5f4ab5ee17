package store

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestReportsBlobsLastMigration: a database whose reports table has the bodies before processed
// and host_id (the layout of 0001) is rebuilt by 0007 with every row, value and index kept and
// the bodies last.
func TestReportsBlobsLastMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	payload := bytes.Repeat([]byte("report body "), 3000) // overflows several pages
	processed := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	for _, q := range []string{
		`DROP TABLE reports`,
		`CREATE TABLE reports (id INTEGER PRIMARY KEY, received DATETIME NOT NULL, protocol TEXT NOT NULL,
			hostname TEXT NOT NULL DEFAULT '', remote_addr TEXT NOT NULL DEFAULT '', user_agent TEXT NOT NULL DEFAULT '',
			status TEXT NOT NULL CHECK (status IN ('pending', 'processed', 'rejected')), error TEXT NOT NULL DEFAULT '',
			payload BLOB, raw BLOB, processed DATETIME, host_id INTEGER REFERENCES hosts(id) ON DELETE SET NULL)`,
		`CREATE INDEX reports_status ON reports(status, id)`,
		`CREATE INDEX reports_host ON reports(host_id, id)`,
		`INSERT INTO hosts (id, hostname, created) VALUES (7, 'web1.example.org', '2026-10-01 00:00:00')`,
		`DELETE FROM schema_migrations WHERE name = 'migrations/0007_reports_blobs_last.sql'`,
	} {
		if _, err := db.write.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO reports (id, received, protocol, hostname, remote_addr, user_agent,
		status, error, payload, raw, processed, host_id) VALUES
		(41, ?, '1', 'web1.example.org', '10.0.0.1', 'patchman-client', 'processed', '', ?, ?, ?, 7),
		(42, ?, 'native', 'db1.example.org', '', '', 'rejected', 'bad report', ?, NULL, NULL, NULL)`,
		processed, payload, []byte("raw"), processed, processed, payload); err != nil {
		t.Fatal(err)
	}
	db.Close()

	if db, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var last string
	if err := db.read.QueryRowContext(ctx, `SELECT name FROM pragma_table_info('reports') ORDER BY cid DESC LIMIT 1`).Scan(&last); err != nil || last != "raw" {
		t.Errorf("last column of reports: %q, %v; want raw", last, err)
	}
	var indexes int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM pragma_index_list('reports')
		WHERE name IN ('reports_status', 'reports_host')`).Scan(&indexes); err != nil || indexes != 2 {
		t.Errorf("indexes of reports: %d, %v; want reports_status and reports_host", indexes, err)
	}
	rs, err := db.HostReports(ctx, 7, 10)
	if err != nil || len(rs) != 1 || rs[0].ID != 41 || rs[0].RemoteAddr != "10.0.0.1" || rs[0].Status != ReportProcessed ||
		!rs[0].Processed.Equal(processed) || rs[0].HostID != 7 {
		t.Errorf("host 7's reports after the migration: %+v, %v", rs, err)
	}
	var got41, raw41, got42 []byte
	var err42 string
	if err := db.read.QueryRowContext(ctx, `SELECT payload, raw FROM reports WHERE id = 41`).Scan(&got41, &raw41); err != nil ||
		!bytes.Equal(got41, payload) || string(raw41) != "raw" {
		t.Errorf("report 41's bodies changed: %d bytes, %q, %v", len(got41), raw41, err)
	}
	if err := db.read.QueryRowContext(ctx, `SELECT payload, error FROM reports WHERE id = 42`).Scan(&got42, &err42); err != nil ||
		!bytes.Equal(got42, payload) || err42 != "bad report" {
		t.Errorf("report 42 changed: %d bytes, %q, %v", len(got42), err42, err)
	}
}
