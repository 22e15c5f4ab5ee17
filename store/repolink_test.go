package store

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSuggestMirrorLinksAndStale(t *testing.T) {
	db := openMirrorTestDB(t)
	ctx := context.Background()
	pkgs := []PackageKey{{Type: "deb", Name: "a", Arch: "all", Version: "1"}, {Type: "deb", Name: "b", Arch: "amd64", Version: "2"}}
	r1, m1 := addRepoMirror(t, db, "one", "http://mirror.example.org/debian/dists/x/main/binary-amd64", true, true)
	r2, m2 := addRepoMirror(t, db, "two", "http://other.example.org/debian/dists/x/main/binary-amd64", true, true)
	_, m3 := addRepoMirror(t, db, "three", "http://third.example.org/debian/dists/y/main/binary-amd64", true, true)
	_, m4 := addRepoMirror(t, db, "off", "http://off.example.org/debian/dists/x/main/binary-amd64", true, false)
	old := db.Now().Add(-30 * 24 * time.Hour)
	for _, s := range []struct {
		id    int64
		pkgs  []PackageKey
		fresh time.Time
	}{{m1, pkgs, db.Now()}, {m2, pkgs, old}, {m3, pkgs[:1], db.Now()}, {m4, pkgs, old}} {
		if _, err := db.SaveMirrorPackages(ctx, s.id, s.pkgs, nil, MirrorMeta{Checksum: "x", Freshness: s.fresh}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.SuggestMirrorLinks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []LinkSuggestion{{RepoID: r1, OtherRepoID: r2, RepoName: "one", OtherRepoName: "two", MirrorID: m1, OtherMirrorID: m2,
		MirrorURL:      "http://mirror.example.org/debian/dists/x/main/binary-amd64",
		OtherMirrorURL: "http://other.example.org/debian/dists/x/main/binary-amd64", Packages: 2}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("suggestions (-want +got):\n%s", diff)
	}
	stale, err := db.StaleMirrors(ctx, 14*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) != 1 || stale[0].MirrorID != m2 || stale[0].Behind != 30*24*time.Hour || stale[0].RepoName != "two" {
		t.Errorf("got stale %+v, want only mirror %d, 30 days behind", stale, m2)
	}
	if none, err := db.StaleMirrors(ctx, 0); err != nil || len(none) != 0 {
		t.Errorf("got %v %v with the check off, want none", none, err)
	}
}
