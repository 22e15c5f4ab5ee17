package store

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// seedHostClients gives the seeded fleet's hosts their clients: web1 an agent 1.0.0, web2 a
// dev agent, new1 an agent 1.2.0, db1 Patchman's client over protocol 1.
func seedHostClients(t *testing.T, db *DB) {
	t.Helper()
	for _, q := range []string{
		`UPDATE hosts SET client = 'patchward-agent', client_version = '1.0.0', client_protocol = 'native' WHERE hostname = 'web1'`,
		`UPDATE hosts SET client = 'patchward-agent', client_version = 'dev-0123456789ab', client_protocol = 'native' WHERE hostname = 'web2'`,
		`UPDATE hosts SET client = 'patchward-agent', client_version = '1.2.0', client_protocol = 'native' WHERE hostname = 'new1'`,
		`UPDATE hosts SET client = 'patchman-client', client_version = '', client_protocol = '1' WHERE hostname = 'db1'`,
	} {
		if _, err := db.write.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

func TestHostClientFilters(t *testing.T) {
	ctx := context.Background()
	db, _ := openUITestDB(t)
	seedHostviewFleet(t, db)
	seedHostClients(t, db)
	snap, err := db.LoadHostSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    HostFilter
		want []string
	}{
		{"patchman clients", HostFilter{Client: "patchman-client"}, []string{"db1"}},
		{"agents", HostFilter{Client: "patchward-agent"}, []string{"new1", "web1", "web2"}},
		{"unknown client kind", HostFilter{Client: "nosuch"}, nil},
		// The dev agent (web2) and the newer one (new1) are not outdated.
		{"older than 1.1.0", HostFilter{OutdatedThan: "1.1.0"}, []string{"web1"}},
		{"older than 2.0.0", HostFilter{OutdatedThan: "2.0.0"}, []string{"new1", "web1"}},
		{"older than 0.9.0", HostFilter{OutdatedThan: "0.9.0"}, nil},
		// A dev server: nothing counts as older than it.
		{"older than a dev server", HostFilter{OutdatedThan: "dev-0123456789ab"}, nil},
		{"outdated and patchman", HostFilter{OutdatedThan: "2.0.0", Client: "patchman-client"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := db.Hosts(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, hostNames(got)); diff != "" {
				t.Errorf("SQL (-want +got):\n%s", diff)
			}
			if total != len(tt.want) {
				t.Errorf("total %d, want %d", total, len(tt.want))
			}
			sgot, stotal := snap.Hosts(tt.f)
			if diff := cmp.Diff(tt.want, hostNames(sgot)); diff != "" || stotal != len(tt.want) {
				t.Errorf("snapshot (-want +got):\n%s (total %d)", diff, stotal)
			}
		})
	}
	h, err := db.HostByName(ctx, "db1")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.ClientText(), "patchman-client (protocol 1)"; got != want {
		t.Errorf("ClientText: got %q, want %q", got, want)
	}
	h, _ = db.HostByName(ctx, "web1")
	if got, want := h.ClientText(), "patchward-agent 1.0.0"; got != want {
		t.Errorf("ClientText: got %q, want %q", got, want)
	}
}
