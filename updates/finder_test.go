package updates

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"patchward/store"
)

const (
	mainURL     = "http://deb.example.org/debian/dists/bookworm/main/binary-amd64"
	securityURL = "http://security.example.org/debian-security/dists/bookworm-security/main/binary-amd64"
)

func debKeys(specs ...string) []store.PackageKey {
	var p pkgs
	out := make([]store.PackageKey, len(specs))
	for i, s := range specs {
		out[i] = p.get("deb " + s).PackageKey
	}
	return out
}

type finderEnv struct {
	db    *store.DB
	f     *Finder
	hosts map[string]int64
}

func newFinderEnv(t *testing.T) *finderEnv {
	t.Helper()
	ctx := context.Background()
	db := store.OpenTest(t)
	e := &finderEnv{db: db, f: NewFinder(db, slog.New(slog.NewTextHandler(io.Discard, nil))), hosts: map[string]int64{}}
	repos := []store.ReportedRepo{
		{Type: "deb", Name: "Debian 12 amd64 main", Priority: 500, URLs: []string{mainURL}},
		{Type: "deb", Name: "Debian 12 amd64 security", Priority: 500, URLs: []string{securityURL}},
	}
	common := []string{"bash amd64 5.2.15-2", "openssl amd64 3.0.11-1~deb12u1", "tzdata all 2024a-0+deb12u1"}
	for _, h := range []struct {
		name string
		pkgs []string
	}{
		{"web1", common},
		{"web2", common}, // same package and repo sets: shares web1's computation
		{"db1", append(slices.Clone(common), "postgresql-15 amd64 15.5-0+deb12u1")},
	} {
		id, err := db.ApplyHostReport(ctx, 0, store.HostReport{Hostname: h.name, OS: "Debian 12", Arch: "x86_64",
			Packages: debKeys(h.pkgs...), Repos: repos, Received: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		e.hosts[h.name] = id
	}
	e.refresh(t, mainURL, "bash amd64 5.2.15-2", "bash amd64 5.2.15-2+b7", "openssl amd64 3.0.11-1~deb12u1",
		"tzdata all 2025b-0+deb12u1", "postgresql-15 amd64 15.5-0+deb12u1")
	e.refresh(t, securityURL, "openssl amd64 3.0.15-1~deb12u1", "postgresql-15 amd64 15.8-0+deb12u1")
	return e
}

// refresh stores pkgs as the packages of the mirror with url, as a repo refresh would.
func (e *finderEnv) refresh(t *testing.T, url string, pkgs ...string) {
	t.Helper()
	ctx := context.Background()
	ms, err := e.db.MirrorsToRefresh(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.URL == url {
			if _, err := e.db.SaveMirrorPackages(ctx, m.ID, debKeys(pkgs...), nil, store.MirrorMeta{Checksum: url + pkgs[len(pkgs)-1]}); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no mirror %s among %+v", url, ms)
}

func (e *finderEnv) updates(t *testing.T, host string) []string {
	t.Helper()
	ups, err := e.db.HostUpdates(context.Background(), e.hosts[host])
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range ups {
		s := u.Name + " " + u.Installed + " -> " + u.Available
		if u.Security {
			s += " (security)"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func TestFinderEndToEnd(t *testing.T) {
	e := newFinderEnv(t)
	ctx := context.Background()
	sum, err := e.f.FindDirty(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Computations != 2 || sum.Updates != 7 || sum.Security != 3 || sum.Stale != 0 {
		t.Errorf("first run: got %+v, want 2 computations, 7 updates, 3 security, 0 stale", sum)
	}
	web := []string{
		"bash 5.2.15-2 -> 5.2.15-2+b7",
		"openssl 3.0.11-1~deb12u1 -> 3.0.15-1~deb12u1 (security)",
		"tzdata 2024a-0+deb12u1 -> 2025b-0+deb12u1",
	}
	for _, h := range []string{"web1", "web2"} {
		if diff := cmp.Diff(web, e.updates(t, h)); diff != "" {
			t.Errorf("%s updates (-want +got):\n%s", h, diff)
		}
	}
	db1 := append(slices.Clone(web), "postgresql-15 15.5-0+deb12u1 -> 15.8-0+deb12u1 (security)")
	slices.Sort(db1)
	if diff := cmp.Diff(db1, e.updates(t, "db1")); diff != "" {
		t.Errorf("db1 updates (-want +got):\n%s", diff)
	}

	if sum, err = e.f.FindDirty(ctx); err != nil || sum.Computations != 0 {
		t.Errorf("second run: got %+v, %v; want nothing to do", sum, err)
	}

	// A security refresh marks both computations dirty; one host's page recomputes only its own.
	e.refresh(t, securityURL, "openssl amd64 3.0.16-1~deb12u1", "postgresql-15 amd64 15.8-0+deb12u1")
	if err := e.f.FindForHost(ctx, e.hosts["web1"]); err != nil {
		t.Fatal(err)
	}
	web[1] = "openssl 3.0.11-1~deb12u1 -> 3.0.16-1~deb12u1 (security)"
	if diff := cmp.Diff(web, e.updates(t, "web2")); diff != "" {
		t.Errorf("web2 after FindForHost(web1) (-want +got):\n%s", diff)
	}
	dirty, err := e.db.DirtyComputations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(dirty) != 1 {
		t.Errorf("dirty after FindForHost: got %v, want only db1's computation", dirty)
	}
	if sum, err = e.f.FindAll(ctx, true); err != nil || sum.Computations != 2 {
		t.Errorf("forced run: got %+v, %v; want 2 computations", sum, err)
	}
}

func TestFinderCancelled(t *testing.T) {
	e := newFinderEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.f.FindDirty(ctx); err == nil {
		t.Error("cancelled run: got nil error, want the cancellation")
	}
}

// TestFinderRebootPerHost: two hosts share a computation but run different kernels; the
// kernel check is made per host, and a client's own "reboot required" is kept.
func TestFinderRebootPerHost(t *testing.T) {
	e := newFinderEnv(t)
	ctx := context.Background()
	pkgs := debKeys("bash amd64 5.2.15-2", "linux-image-6.1.0-40-amd64 amd64 6.1.150-1",
		"linux-image-6.1.0-43-amd64 amd64 6.1.162-1")
	for _, h := range []struct {
		name, kernel string
		client, want bool
	}{
		{"old-kernel", "6.1.0-40-amd64", false, true},
		{"new-kernel", "6.1.0-43-amd64", false, false},
		{"client-says", "6.1.0-43-amd64", true, true},
	} {
		id, err := e.db.ApplyHostReport(ctx, 0, store.HostReport{Hostname: h.name, OS: "Debian 12", Arch: "x86_64",
			Kernel: h.kernel, Reboot: h.client, Packages: pkgs, Received: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.f.FindForHost(ctx, id); err != nil {
			t.Fatal(err)
		}
		host, err := e.db.HostByName(ctx, h.name)
		if err != nil {
			t.Fatal(err)
		}
		if host.RebootRequired != h.want {
			t.Errorf("%s: got reboot required %t, want %t", h.name, host.RebootRequired, h.want)
		}
	}
	if left, err := e.db.UncheckedReboots(ctx, nil); err != nil || len(left) != 3 {
		// The finder env's own three hosts were never checked; ours were.
		t.Errorf("got %d unchecked hosts (%v), want the env's 3", len(left), err)
	}
	if sum, err := e.f.FindDirty(ctx); err != nil || sum.Reboots != 3 {
		t.Errorf("FindDirty: got %+v, %v; want the remaining 3 hosts checked", sum, err)
	}
}
