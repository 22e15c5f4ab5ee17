package ui

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"patchward/store"
)

// benchHosts and benchImages shape the benchmark fleet: 10,000 hosts built from a few dozen base
// images of ~1,500 packages each, every host drifting from its image by a few package versions,
// so most hosts have a package set of their own, as in a real fleet.
const (
	benchHosts    = 10000
	benchImages   = 36
	benchPackages = 1500
)

// benchFleetPath returns the cached 10,000-host database under /work/main/.bench (git-ignored),
// building it on first use. Building takes minutes; the file is reused by every later run.
func benchFleetPath(logf func(string, ...any)) (string, error) {
	dir, err := filepath.Abs(filepath.Join("..", ".bench"))
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("ui-fleet-%d.db", benchHosts))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp := path + ".building"
	os.Remove(tmp)
	if err := buildBenchFleet(tmp, logf); err != nil {
		return "", fmt.Errorf("build bench fleet: %w", err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	return path, os.Rename(tmp, path)
}

type benchImage struct {
	os, kernel, arch, typ string
	pkgs                  []store.PackageKey
	repos                 []store.ReportedRepo
}

func benchImageSet(rng *rand.Rand) []benchImage {
	imgs := make([]benchImage, benchImages)
	for i := range imgs {
		deb := i%3 != 2
		img := benchImage{typ: "deb", arch: "amd64", os: fmt.Sprintf("Debian GNU/Linux %d", 11+i%2),
			kernel: fmt.Sprintf("6.1.0-%d-amd64", 20+i%8)}
		suite := fmt.Sprintf("suite%d", i%6)
		if !deb {
			img = benchImage{typ: "rpm", arch: "x86_64", os: fmt.Sprintf("Rocky Linux 9.%d", i%5),
				kernel: fmt.Sprintf("5.14.0-%d.el9.x86_64", 400+i%9)}
		}
		img.repos = []store.ReportedRepo{
			{Type: img.typ, Name: suite + " main", Priority: 500, URLs: []string{"http://mirror.example.org/" + img.typ + "/" + suite + "/main"}},
			{Type: img.typ, Name: suite + " security", Priority: 500, URLs: []string{"http://security.example.org/" + img.typ + "/" + suite + "/security"}},
		}
		for p := range benchPackages {
			// Images share most package names (a base system) and differ in versions.
			name := fmt.Sprintf("pkg%04d", p)
			if p%5 == 0 {
				name = fmt.Sprintf("img%02d-pkg%04d", i, p)
			}
			img.pkgs = append(img.pkgs, store.PackageKey{Type: img.typ, Name: name, Arch: img.arch,
				Version: fmt.Sprintf("%d.%d", 1+p%7, i%4), Release: "1"})
		}
		imgs[i] = img
	}
	_ = rng
	return imgs
}

func buildBenchFleet(path string, logf func(string, ...any)) error {
	ctx := context.Background()
	now := time.Now().UTC()
	db, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	imgs := benchImageSet(rng)
	tags := []string{"web", "db", "cache", "prod", "staging", "eu", "us"}
	start := time.Now()
	for h := range benchHosts {
		img := imgs[h%len(imgs)]
		pkgs := append([]store.PackageKey(nil), img.pkgs...)
		for range rng.IntN(4) { // drift: a few packages at another version
			i := rng.IntN(len(pkgs))
			pkgs[i].Release = fmt.Sprintf("%d", 2+rng.IntN(3))
		}
		r := store.HostReport{
			Hostname: fmt.Sprintf("host%05d.%s.example.org", h, []string{"eu", "us", "ap"}[h%3]),
			OS:       img.os, Kernel: img.kernel, Arch: img.arch, Packages: pkgs, Repos: img.repos,
			Tags:     []string{tags[h%len(tags)], tags[(h/7)%len(tags)]},
			Reboot:   h%17 == 0,
			Received: now.Add(-time.Duration(rng.IntN(30*24)) * time.Hour),
		}
		if _, err := db.ApplyHostReport(ctx, 0, r); err != nil {
			return fmt.Errorf("apply %s: %w", r.Hostname, err)
		}
		if h%1000 == 999 && logf != nil {
			logf("bench fleet: %d hosts in %s", h+1, time.Since(start).Round(time.Second))
		}
	}
	if err := benchMirrors(ctx, db, imgs); err != nil {
		return err
	}
	return benchUpdates(ctx, db, logf)
}

// benchMirrors fills every mirror with newer versions of a slice of its image's packages:
// main mirrors offer bugfixes for 1 in 20 packages, security mirrors fixes for 1 in 60.
func benchMirrors(ctx context.Context, db *store.DB, imgs []benchImage) error {
	mirrors, err := db.MirrorsToRefresh(ctx, 0)
	if err != nil {
		return err
	}
	byURL := map[string][]store.PackageKey{}
	for _, img := range imgs {
		for ri, repo := range img.repos {
			every := 20
			if ri == 1 {
				every = 60
			}
			for i, p := range img.pkgs {
				if i%every == ri {
					p.Release = "9"
					byURL[repo.URLs[0]] = append(byURL[repo.URLs[0]], p)
				}
			}
		}
	}
	for _, m := range mirrors {
		meta := store.MirrorMeta{Checksum: "sha256:" + m.URL, Freshness: time.Now().UTC().Add(-30 * time.Hour)}
		if _, err := db.SaveMirrorPackages(ctx, m.ID, byURL[m.URL], nil, meta); err != nil {
			return err
		}
	}
	return nil
}

// benchUpdates stands in for update finding: any repo package with an installed package's
// name and arch and another version is an update.
func benchUpdates(ctx context.Context, db *store.DB, logf func(string, ...any)) error {
	ids, err := db.DirtyComputations(ctx)
	if err != nil {
		return err
	}
	cache := db.NewInputCache()
	var batch []store.ComputationResult
	for n, id := range ids {
		in, err := cache.ComputationInput(ctx, id)
		if err != nil {
			return err
		}
		type na struct{ name, arch string }
		offered := map[na]store.Package{}
		security := map[int64]bool{}
		repoOf := map[int64]int64{}
		for _, r := range in.Repos {
			for _, p := range r.Packages {
				offered[na{p.Name, p.Arch}] = p
				security[p.ID] = r.Security
				repoOf[p.ID] = r.ID
			}
		}
		var ups []store.ComputedUpdate
		for _, old := range in.Installed {
			if p, ok := offered[na{old.Name, old.Arch}]; ok && p.ID != old.ID {
				ups = append(ups, store.ComputedUpdate{OldPackageID: old.ID, NewPackageID: p.ID, RepoID: repoOf[p.ID], Security: security[p.ID]})
			}
		}
		batch = append(batch, in.Result(ups, nil))
		if len(batch) == 64 || n == len(ids)-1 {
			if _, err := db.SaveComputations(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
		if n%1000 == 999 && logf != nil {
			logf("bench fleet: %d/%d computations", n+1, len(ids))
		}
	}
	return nil
}
