package output

import (
	"encoding/json"
	"testing"
	"time"
)

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{"ID": "id", "LastReport": "last_report", "URLs": "urls", "IP": "ip",
		"OSGroup": "os_group", "SecurityUpdates": "security_updates", "RepoID": "repo_id", "CVEs": "cves",
		"HostIDs": "host_ids", "EVR": "evr", "HTTPStatus": "http_status", "Packages": "packages", "V2Name": "v2_name"} {
		if got := SnakeCase(in); got != want {
			t.Errorf("SnakeCase(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestValue(t *testing.T) {
	type inner struct {
		Name string `json:"name"`
		Arch string
	}
	type row struct {
		inner
		ID        int64
		LastSeen  time.Time
		Tags      []string
		Skip      string `json:"-"`
		Empty     string `json:"empty,omitempty"`
		ByPackage map[string]int
	}
	when := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	b, err := json.Marshal(Value([]row{{inner: inner{Name: "NetworkManager", Arch: "x86_64"}, ID: 7, LastSeen: when,
		Skip: "secret", ByPackage: map[string]int{"NetworkManager": 2}}}))
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"arch":"x86_64","by_package":{"NetworkManager":2},"id":7,"last_seen":"2026-11-21T10:00:00Z","name":"NetworkManager","tags":[]}]`
	if string(b) != want {
		t.Errorf("got %s\nwant %s", b, want)
	}
}
