package repo

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestImport(t *testing.T) {
	abs := absTestdata(t)
	media := t.TempDir()
	link := func(target, name string) {
		p := filepath.Join(media, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(abs, filepath.FromSlash(target)), p); err != nil {
			t.Fatal(err)
		}
	}
	link("deb/repo", "mirror.example.org/debian")              // URL tree
	link("deb/repo", "mirror/security.example.org/debian-sec") // apt-mirror
	link("rpm/repo", "baseos")                                 // reposync, by repo id
	f := newFixture(t, Options{})
	_, tree := f.addMirror(t, "deb", "http://mirror.example.org/debian/dists/bookworm/main/binary-amd64")
	_, aptMirror := f.addMirror(t, "deb", "http://security.example.org/debian-sec/dists/bookworm/main/binary-amd64")
	_, reposync := f.addRepo(t, "rpm", "x86_64", "baseos", "http://rpm.example.org/rocky/9/BaseOS/x86_64/os")
	repoID, missing := f.addMirror(t, "deb", "http://elsewhere.example.org/debian/dists/bookworm/main/binary-amd64")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := Import(context.Background(), f.db, media, Options{}, log)
	if err != nil {
		t.Fatal(err)
	}
	if s.Mirrors != 3 || s.Changed != 3 {
		t.Fatalf("got %+v, want the 3 mirrors with a local copy changed", s)
	}
	for _, id := range []int64{tree, aptMirror} {
		if diff := cmp.Diff(sorted(wantDeb), f.packages(t, id)); diff != "" {
			t.Errorf("mirror %d packages (-want +got):\n%s", id, diff)
		}
	}
	if diff := cmp.Diff(sorted(wantRPM), f.packages(t, reposync)); diff != "" {
		t.Errorf("reposync packages (-want +got):\n%s", diff)
	}
	if m := f.mirror(t, repoID, missing); !m.LastAttempt.IsZero() || m.FailCount != 0 {
		t.Errorf("got %+v, want the mirror without a local copy untouched", m)
	}
	if _, err := Import(context.Background(), f.db, t.TempDir(), Options{}, log); err == nil {
		t.Error("got no error for media without any mirror's metadata")
	}
}
