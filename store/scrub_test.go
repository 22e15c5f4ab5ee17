package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestScrubUserinfoOnUpgrade checks that a database written before the intake stripped
// repository credentials loses them when this version opens it: mirror URLs (one colliding
// with a clean twin), repository names, kept raw bodies and errors, and report payloads; and
// that the scrub runs once.
func TestScrubUserinfoOnUpgrade(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db := OpenTestFile(t, path)
	secret := "s3cret-pw"
	hr := ingestReport("old.example.org", "3.0.17")
	hr.Repos[0].URLs = []string{"https://alice:" + secret + "@deb.example.org/debian/dists/bookworm/main/binary-amd64/"}
	hr.Repos[0].Name = "Debian at https://alice:" + secret + "@deb.example.org/debian"
	if _, err := db.SaveReport(ctx, Report{Protocol: "native"}, hr); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveRejectedReport(ctx, Report{Protocol: "1", Hostname: "bad.example.org"},
		"bad repo https://bob:"+secret+"@x.example.org/", []byte("repos=https:\\/\\/bob:"+secret+"@x.example.org\\/")); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO repos (id, name, type, created) VALUES (901, 'Repo https://carol:` + secret + `@r.example.org/el9', 'rpm', '2026-01-01')`,
		`INSERT INTO mirrors (repo_id, url, last_error) VALUES (901, 'https://carol:` + secret + `@r.example.org/el9', 'GET https://carol:` + secret + `@r.example.org/el9: 404')`,
		`INSERT INTO mirrors (repo_id, url) VALUES (901, 'https://r.example.org/twin')`,
		`INSERT INTO mirrors (repo_id, url) VALUES (901, 'https://dave:` + secret + `@r.example.org/twin')`,
		`DELETE FROM schema_migrations WHERE name = '` + scrubMigration + `'`, // as before this version
	} {
		if _, err := db.write.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	db = OpenTestFile(t, path)
	dump := func() string {
		var b strings.Builder
		for _, q := range []string{`SELECT url || ' ' || last_error FROM mirrors`, `SELECT name FROM repos`,
			`SELECT coalesce(error, '') || ' ' || coalesce(CAST(raw AS TEXT), '') FROM reports`} {
			rows, err := db.read.QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				b.WriteString(s + "\n")
			}
			rows.Close()
		}
		return b.String()
	}
	got := dump()
	if strings.Contains(got, secret) {
		t.Errorf("after the upgrade the database still holds the credential:\n%s", got)
	}
	for _, want := range []string{"https://r.example.org/el9 GET https://r.example.org/el9: 404", "Repo https://r.example.org/el9",
		"https://r.example.org/twin#credentials-removed-", "bad repo https://x.example.org/", `repos=https:\/\/x.example.org\/`} {
		if !strings.Contains(got, want) {
			t.Errorf("after the upgrade: want %q in\n%s", want, got)
		}
	}
	ids, err := db.PendingReportIDs(ctx, 10)
	if err != nil || len(ids) != 1 {
		t.Fatalf("pending reports: %d %v", len(ids), err)
	}
	payload, err := db.ReportPayload(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if r := payload.Repos[0]; strings.Contains(r.Name+strings.Join(r.URLs, " "), secret) ||
		r.URLs[0] != "https://deb.example.org/debian/dists/bookworm/main/binary-amd64/" {
		t.Errorf("payload repo after the upgrade: %+v", r)
	}
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, scrubMigration).Scan(&n); err != nil || n != 1 {
		t.Errorf("scrub recorded %d times (%v), want once", n, err)
	}
}
