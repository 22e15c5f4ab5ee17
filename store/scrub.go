package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
)

// userinfo matches the user:password@ of a URL, JSON-escaped slashes included.
var userinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*:(?:/|\\/){2})[^\s/\\'"@<>]*@`)

// StripUserinfo removes user:password@ from every URL in s. Hosts report repository URLs with
// the credentials their package manager uses; they are never stored or shown (refresh takes
// credentials from repo.credentials), and kept raw bodies and error texts are cut the same way.
func StripUserinfo(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	return userinfo.ReplaceAllString(s, "$1")
}

// scrubMigration is the name under which scrubUserinfo is recorded in schema_migrations.
const scrubMigration = "0010_scrub_userinfo (go)"

// scrubUserinfo removes, once, the repository credentials that versions before the intake
// stripped them stored: in mirror URLs and errors, repository names and ids, and the kept
// bodies, errors and payloads of reports. A mirror whose URL without credentials is already
// another mirror's keeps its row (its repository and packages) under the stripped URL with a
// #credentials-removed-ID fragment, which HTTP never sends.
func (db *DB) scrubUserinfo(ctx context.Context) error {
	return db.withTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, scrubMigration).Scan(&n); err != nil || n > 0 {
			return err
		}
		if err := scrubColumns(ctx, tx, "mirrors", "url", "last_error"); err != nil {
			return err
		}
		if err := scrubColumns(ctx, tx, "repos", "name", "repo_ident"); err != nil {
			return err
		}
		if err := scrubColumns(ctx, tx, "reports", "error", "raw"); err != nil {
			return err
		}
		if err := scrubPayloads(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied) VALUES (?, ?)`, scrubMigration, db.Now())
		return err
	})
}

// scrubColumns strips userinfo from the text (or blob) columns of table's rows that hold an
// '@' after a '://'; the first column of mirrors is the unique url.
func scrubColumns(ctx context.Context, tx *sql.Tx, table string, cols ...string) error {
	var where []string
	for _, c := range cols {
		where = append(where, fmt.Sprintf("instr(CAST(%s AS TEXT), '@') > 0", c))
	}
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(`SELECT id, %s FROM %s WHERE %s`,
		strings.Join(castAll(cols), ", "), table, strings.Join(where, " OR ")))
	if err != nil {
		return fmt.Errorf("scrub %s: %w", table, err)
	}
	type change struct {
		id   int64
		vals []sql.NullString
	}
	var changes []change
	for rows.Next() {
		c := change{vals: make([]sql.NullString, len(cols))}
		dest := []any{&c.id}
		for i := range c.vals {
			dest = append(dest, &c.vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return fmt.Errorf("scrub %s: %w", table, err)
		}
		changes = append(changes, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scrub %s: %w", table, err)
	}
	for _, c := range changes {
		for i, col := range cols {
			v := c.vals[i]
			if !v.Valid || StripUserinfo(v.String) == v.String {
				continue
			}
			clean := StripUserinfo(v.String)
			if table == "mirrors" && col == "url" {
				var taken bool
				if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM mirrors WHERE url = ? AND id != ?)`, clean, c.id).Scan(&taken); err != nil {
					return fmt.Errorf("scrub mirror %d: %w", c.id, err)
				}
				if taken {
					clean = fmt.Sprintf("%s#credentials-removed-%d", clean, c.id)
				}
			}
			var val any = clean
			if col == "raw" {
				val = []byte(clean)
			}
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET %s = ? WHERE id = ?`, table, col), val, c.id); err != nil {
				return fmt.Errorf("scrub %s %d: %w", table, c.id, err)
			}
		}
	}
	return nil
}

func castAll(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = fmt.Sprintf("CAST(%s AS TEXT)", c)
	}
	return out
}

// scrubPayloads strips userinfo from the repository names, ids and URLs of the reports'
// parsed payloads.
func scrubPayloads(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, payload FROM reports WHERE payload IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("scrub report payloads: %w", err)
	}
	type change struct {
		id      int64
		payload []byte
	}
	var changes []change
	for rows.Next() {
		var id int64
		var b []byte
		if err := rows.Scan(&id, &b); err != nil {
			rows.Close()
			return fmt.Errorf("scrub report payloads: %w", err)
		}
		hr, err := decodeReportPayload(b)
		if err != nil {
			continue // not ours to fix here; the report page says it cannot be read
		}
		changed := false
		for i := range hr.Repos {
			r := &hr.Repos[i]
			for _, s := range []*string{&r.Name, &r.Ident} {
				if c := StripUserinfo(*s); c != *s {
					*s, changed = c, true
				}
			}
			for j, u := range r.URLs {
				if c := StripUserinfo(u); c != u {
					r.URLs[j], changed = c, true
				}
			}
		}
		if !changed {
			continue
		}
		enc, err := encodeReportPayload(hr)
		if err != nil {
			rows.Close()
			return fmt.Errorf("scrub report %d: %w", id, err)
		}
		changes = append(changes, change{id, enc})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scrub report payloads: %w", err)
	}
	for _, c := range changes {
		if _, err := tx.ExecContext(ctx, `UPDATE reports SET payload = ? WHERE id = ?`, c.payload, c.id); err != nil {
			return fmt.Errorf("scrub report %d: %w", c.id, err)
		}
	}
	return nil
}
