package store

import (
	"context"
	"errors"
	"testing"
)

// Linking a Debian mirror into another repo folds the emptied repo away: its hosts see the
// target repo at once, without waiting for their next report.
func TestMoveMirrorFoldsEmptyRepo(t *testing.T) {
	ctx := context.Background()
	db, _ := openIngestTestDB(t)
	a := ingestReport("a.example.org", "3.0.16")
	b := ingestReport("b.example.org", "3.0.16")
	b.Repos[0] = ReportedRepo{Type: "deb", Name: "Debian 12 main at mirror two", Priority: 500,
		URLs: []string{"http://mirror2.example.org/debian/dists/bookworm/main/binary-amd64"}}
	ha, hb := applyNew(t, db, a), applyNew(t, db, b)
	repoOf := func(host int64, url string) int64 {
		t.Helper()
		repos, err := db.HostRepos(ctx, host)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range repos {
			for _, u := range r.URLs {
				if u == url {
					return r.ID
				}
			}
		}
		t.Fatalf("host %d has no repo with %s: %+v", host, url, repos)
		return 0
	}
	mainA := repoOf(ha, "http://deb.example.org/debian/dists/bookworm/main/binary-amd64")
	mainB := repoOf(hb, "http://mirror2.example.org/debian/dists/bookworm/main/binary-amd64")
	if mainA == mainB {
		t.Fatalf("the two mirrors already share repo %d", mainA)
	}
	var mirrorB int64
	if err := db.read.QueryRowContext(ctx, `SELECT id FROM mirrors WHERE repo_id = ?`, mainB).Scan(&mirrorB); err != nil {
		t.Fatal(err)
	}
	if err := db.MoveMirror(ctx, mirrorB, mainA); err != nil {
		t.Fatal(err)
	}
	if got := repoOf(hb, "http://mirror2.example.org/debian/dists/bookworm/main/binary-amd64"); got != mainA {
		t.Errorf("host b's main repo after linking: got %d, want %d", got, mainA)
	}
	if _, err := db.Repo(ctx, mainB); !errors.Is(err, ErrNotFound) {
		t.Errorf("emptied repo: got %v, want it deleted", err)
	}
	r, err := db.Repo(ctx, mainA)
	if err != nil || len(r.Mirrors) != 2 {
		t.Errorf("linked repo: got %+v, %v; want both mirrors", r, err)
	}
}
