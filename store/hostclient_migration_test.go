package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestHostClientMigration: 0017 fills the client of hosts that reported before it from their
// last report: Patchman's protocols give patchman-client, the agent's User-Agent its version.
func TestHostClientMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO hosts (id, hostname, created, last_report) VALUES (1, 'p1', '2026-10-01 00:00:00', '2026-11-01 00:00:00'),
			(2, 'a1', '2026-10-01 00:00:00', '2026-11-02 00:00:00'), (3, 'sim', '2026-10-01 00:00:00', NULL),
			(4, 'never', '2026-10-01 00:00:00', NULL)`,
		`INSERT INTO reports (id, received, protocol, user_agent, status, host_id) VALUES
			(10, '2026-11-01 00:00:00', '1', 'curl/7.88.1', 'processed', 1),
			(11, '2026-11-02 00:00:00', 'native', 'patchward-agent/1.0.0', 'processed', 2),
			(12, '2026-11-02 00:00:00', 'native', 'patchward-fleetsim/1', 'processed', 3)`,
		`UPDATE hosts SET last_report_id = id + 9 WHERE id < 4`,
		`DROP TABLE server_keys`,
		`ALTER TABLE hosts DROP COLUMN client`, `ALTER TABLE hosts DROP COLUMN client_version`,
		`ALTER TABLE hosts DROP COLUMN client_protocol`, `ALTER TABLE hosts DROP COLUMN client_seen`,
		`ALTER TABLE hosts DROP COLUMN agent_update`, `ALTER TABLE hosts DROP COLUMN agent_update_at`,
		`DELETE FROM schema_migrations WHERE name = 'migrations/0017_host_client.sql'`,
	} {
		if _, err := db.write.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	if db, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := map[string]string{"p1": "patchman-client (protocol 1)", "a1": "patchward-agent 1.0.0", "sim": "unknown", "never": "unknown"}
	for name, w := range want {
		h, err := db.HostByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if got := h.ClientText(); got != w {
			t.Errorf("%s: client %q, want %q", name, got, w)
		}
	}
}
