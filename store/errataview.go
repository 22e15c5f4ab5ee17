package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Erratum is one advisory as the errata list shows it.
type Erratum struct {
	ID       int64
	Name     string
	Type     string
	Severity string
	Title    string
	Issued   time.Time
	CVEs     []string
	Hosts    int // hosts with a pending update this erratum fixes
}

// ErratumDetail is an advisory with its references, fixed packages and affected hosts.
type ErratumDetail struct {
	Erratum
	Updated  time.Time
	Source   string
	Refs     []ErratumReference
	Packages []PackageKey
	Affected []string // hostnames with a pending update this erratum fixes, sorted
}

// ErratumReference is one reference of an advisory (a CVE, a bug, the advisory's own page).
type ErratumReference struct {
	Type, ID, URL, Title string
}

// ErrataFilter selects errata; zero fields do not filter.
type ErrataFilter struct {
	Search   string // substring of name or title
	Type     string
	CVE      string // errata referencing this CVE
	Affected bool   // only errata with affected hosts
	Limit    int
	Offset   int
}

const erratumCols = `SELECT e.id, e.name, e.type, e.severity, e.title, e.issued,
	COALESCE((SELECT group_concat(ref_id, ' ') FROM (SELECT DISTINCT ref_id FROM erratum_refs
		WHERE erratum_id = e.id AND type = 'cve' ORDER BY ref_id)), ''),
	(SELECT count(*) FROM hosts h WHERE h.computation_id IN
		(SELECT computation_id FROM computed_update_errata WHERE erratum_id = e.id))
	FROM errata e`

func scanErratum(sc interface{ Scan(...any) error }) (Erratum, error) {
	var e Erratum
	var issued sql.NullTime
	var cves string
	err := sc.Scan(&e.ID, &e.Name, &e.Type, &e.Severity, &e.Title, &issued, &cves, &e.Hosts)
	e.Issued, e.CVEs = issued.Time, strings.Fields(cves)
	return e, err
}

// Errata returns one page of errata matching f, newest first, and how many match.
func (db *DB) Errata(ctx context.Context, f ErrataFilter) ([]Erratum, int, error) {
	var conds []string
	var args []any
	if s := strings.ToLower(strings.TrimSpace(f.Search)); s != "" {
		conds, args = append(conds, `(instr(lower(e.name), ?) > 0 OR instr(lower(e.title), ?) > 0)`), append(args, s, s)
	}
	if f.Type != "" {
		conds, args = append(conds, `e.type = ?`), append(args, f.Type)
	}
	if f.CVE != "" {
		conds, args = append(conds, `EXISTS (SELECT 1 FROM erratum_refs r WHERE r.erratum_id = e.id
			AND r.type = 'cve' AND r.ref_id = ?)`), append(args, f.CVE)
	}
	if f.Affected {
		conds = append(conds, `EXISTS (SELECT 1 FROM computed_update_errata ce JOIN hosts h
			ON h.computation_id = ce.computation_id WHERE ce.erratum_id = e.id)`)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	var out []Erratum
	var total int
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM errata e`+where, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, erratumCols+where+` ORDER BY e.issued DESC, e.name`+limitSQL(f.Limit, f.Offset), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanErratum(rows)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list errata: %w", err)
	}
	return out, total, nil
}

// ErratumByName returns one advisory with its details; ErrNotFound if unknown.
func (db *DB) ErratumByName(ctx context.Context, name string) (ErratumDetail, error) {
	var d ErratumDetail
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		d.Erratum, err = scanErratum(tx.QueryRowContext(ctx, erratumCols+` WHERE e.name = ?`, name))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		var updated sql.NullTime
		if err := tx.QueryRowContext(ctx, `SELECT updated, source FROM errata WHERE id = ?`, d.ID).Scan(&updated, &d.Source); err != nil {
			return err
		}
		d.Updated = updated.Time
		if err := queryRows(ctx, tx, `SELECT type, ref_id, url, title FROM erratum_refs WHERE erratum_id = ?
			ORDER BY type, ref_id`, []any{d.ID}, func(sc *sql.Rows) error {
			var r ErratumReference
			err := sc.Scan(&r.Type, &r.ID, &r.URL, &r.Title)
			d.Refs = append(d.Refs, r)
			return err
		}); err != nil {
			return err
		}
		if err := queryRows(ctx, tx, `SELECT p.type, p.name, p.arch, p.epoch, p.version, p.release
			FROM erratum_packages ep JOIN packages p ON p.id = ep.package_id WHERE ep.erratum_id = ?
			ORDER BY p.name, p.arch`, []any{d.ID}, func(sc *sql.Rows) error {
			var k PackageKey
			err := sc.Scan(&k.Type, &k.Name, &k.Arch, &k.Epoch, &k.Version, &k.Release)
			d.Packages = append(d.Packages, k)
			return err
		}); err != nil {
			return err
		}
		return queryRows(ctx, tx, `SELECT h.hostname FROM hosts h WHERE h.computation_id IN
			(SELECT computation_id FROM computed_update_errata WHERE erratum_id = ?) ORDER BY h.hostname`,
			[]any{d.ID}, func(sc *sql.Rows) error {
				var h string
				err := sc.Scan(&h)
				d.Affected = append(d.Affected, h)
				return err
			})
	})
	if err != nil {
		return d, fmt.Errorf("erratum %s: %w", name, err)
	}
	return d, nil
}

// CVE is one CVE id referenced by errata.
type CVE struct {
	ID     string
	Errata []string // advisory names, sorted
	Hosts  int      // hosts with a pending update fixing it
}

// CVEs returns one page of CVEs (newest ids first) whose id contains search, and how many match.
func (db *DB) CVEs(ctx context.Context, search string, limit, offset int) ([]CVE, int, error) {
	if limit <= 0 {
		limit = 100
	}
	search = strings.ToUpper(strings.TrimSpace(search))
	var out []CVE
	var total int
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(DISTINCT ref_id) FROM erratum_refs
			WHERE type = 'cve' AND instr(ref_id, ?) > 0`, search).Scan(&total); err != nil {
			return err
		}
		return queryRows(ctx, tx, `SELECT r.ref_id, group_concat(DISTINCT e.name),
			(SELECT count(*) FROM hosts h WHERE h.computation_id IN (SELECT ce.computation_id
				FROM computed_update_errata ce JOIN erratum_refs r2 ON r2.erratum_id = ce.erratum_id
				WHERE r2.type = 'cve' AND r2.ref_id = r.ref_id))
			FROM erratum_refs r JOIN errata e ON e.id = r.erratum_id
			WHERE r.type = 'cve' AND instr(r.ref_id, ?) > 0
			GROUP BY r.ref_id ORDER BY r.ref_id DESC`+limitSQL(limit, offset), []any{search},
			func(sc *sql.Rows) error {
				var c CVE
				var errata string
				err := sc.Scan(&c.ID, &errata, &c.Hosts)
				c.Errata = strings.Split(errata, ",")
				out = append(out, c)
				return err
			})
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list cves: %w", err)
	}
	return out, total, nil
}

// queryRows runs q and calls fn for each row.
func queryRows(ctx context.Context, tx *sql.Tx, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
