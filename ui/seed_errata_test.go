package ui

import (
	"database/sql"

	_ "modernc.org/sqlite"
)

// seedErrata inserts an advisory fixing web1's openssl update straight into the schema: errata
// are written by repository refresh and update finding, which this package does not run.
func seedErrata(path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(ON)&_time_format=sqlite")
	if err != nil {
		return err
	}
	defer db.Close()
	stmts := []string{
		`INSERT INTO errata (id, name, type, severity, title, issued, source)
			VALUES (1, 'DSA-5900-1', 'security', 'Important', 'openssl security update', '2026-11-01 00:00:00', 'test')`,
		`INSERT INTO errata (id, name, type, severity, title, issued, source)
			VALUES (2, 'DLA-100-1', 'bugfix', '', 'unrelated fix', '2026-10-01 00:00:00', 'test')`,
		`INSERT INTO erratum_refs (erratum_id, type, ref_id, url, title) VALUES
			(1, 'cve', 'CVE-2026-1111', 'https://cve.example.org/CVE-2026-1111', ''),
			(1, 'cve', 'CVE-2026-2222', '', ''),
			(1, 'self', 'DSA-5900-1', 'javascript:alert(1)', '')`,
		`INSERT INTO erratum_packages (erratum_id, package_id)
			SELECT 1, id FROM packages WHERE name = 'openssl' AND version = '3.0.15'`,
		`INSERT INTO computed_update_errata (computation_id, old_package_id, erratum_id)
			SELECT h.computation_id, p.id, 1 FROM hosts h, packages p
			WHERE h.hostname = 'web1.example.org' AND p.name = 'openssl' AND p.version = '3.0.11'`,
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			return err
		}
	}
	return nil
}
