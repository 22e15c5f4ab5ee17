package repo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"patchward/repo/apk"
	"patchward/repo/arch"
	"patchward/repo/deb"
	"patchward/store"
)

// refreshArch reads a pacman repo. Patchman clients report Server lines with $arch expanded to
// nothing ("https://mirror/core/os"), so <arch>/<repo>.db is appended; a URL that already ends
// in the architecture is tried as <url>/<repo>.db next.
func (r *Refresher) refreshArch(ctx context.Context, m store.Mirror) (outcome, error) {
	base := strings.TrimSuffix(m.URL, "/")
	name := m.RepoIdent
	if name == "" {
		return outcome{}, errors.New("pacman repo without a repo name")
	}
	var cands []string
	if m.RepoArch != "" {
		cands = append(cands, base+"/"+m.RepoArch+"/"+name+".db")
	}
	cands = append(cands, base+"/"+name+".db")
	return r.refreshSingle(ctx, m, cands, func(body []byte, la *lookahead) ([]store.PackageKey, error) {
		return r.parseArchive(name+".db", body, la, func(rd io.Reader, add func(store.PackageKey)) error {
			return arch.ParseDB(rd, func(p arch.Package) error {
				e, v, rel := deb.SplitVersion(p.Version) // pacman versions have the same epoch:ver-rel shape
				add(store.PackageKey{Type: "arch", Name: p.Name, Arch: p.Arch, Epoch: e, Version: v, Release: rel})
				return nil
			})
		})
	})
}

// refreshAPK reads an Alpine repo: <url>/<arch>/APKINDEX.tar.gz.
func (r *Refresher) refreshAPK(ctx context.Context, m store.Mirror) (outcome, error) {
	base := strings.TrimSuffix(m.URL, "/")
	var cands []string
	if m.RepoArch != "" {
		cands = append(cands, base+"/"+m.RepoArch+"/APKINDEX.tar.gz")
	}
	cands = append(cands, base+"/APKINDEX.tar.gz")
	return r.refreshSingle(ctx, m, cands, func(body []byte, la *lookahead) ([]store.PackageKey, error) {
		return r.parseArchive("APKINDEX.tar.gz", body, la, func(rd io.Reader, add func(store.PackageKey)) error {
			return apk.ParseIndexTar(rd, func(p apk.Package) error {
				v, rel := apk.SplitVersion(p.Version)
				add(store.PackageKey{Type: "apk", Name: p.Name, Arch: p.Arch, Version: v, Release: rel})
				return nil
			})
		})
	})
}

// refreshSingle is the refresh of repo types with one index file and no signed checksum
// list: the first candidate URL that exists is fetched with conditional GET, and its
// checksum decides whether it is parsed.
func (r *Refresher) refreshSingle(ctx context.Context, m store.Mirror, cands []string,
	parse func([]byte, *lookahead) ([]store.PackageKey, error)) (outcome, error) {
	v := validators{ETag: m.ETag, LastModified: m.LastModified}
	for _, u := range cands {
		f, err := r.fetch.get(ctx, u, v)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return outcome{}, err
		}
		if f.NotModified {
			return outcome{unchanged: true, meta: store.MirrorMeta{ETag: f.ETag, LastModified: f.LastModified}}, nil
		}
		sum := sha256.Sum256(f.Body)
		meta := store.MirrorMeta{Checksum: "sha256:" + hex.EncodeToString(sum[:]), ETag: f.ETag, LastModified: f.LastModified}
		if meta.Checksum == m.Checksum {
			return outcome{unchanged: true, meta: meta}, nil
		}
		la := newLookahead(ctx, r.db)
		pkgs, err := parse(f.Body, la)
		known := la.wait()
		if err != nil {
			return outcome{}, fmt.Errorf("%s: %w", u, err)
		}
		if len(pkgs) == 0 {
			return outcome{}, fmt.Errorf("%s: %w", u, errNoPackages)
		}
		return outcome{pkgs: pkgs, known: known, meta: meta}, nil
	}
	return outcome{}, fmt.Errorf("no index at %s: %w", strings.Join(cands, ", "), ErrNotFound)
}

// parseArchive decompresses body (format by magic) and runs the tar parser over it.
func (r *Refresher) parseArchive(name string, body []byte, la *lookahead,
	parse func(io.Reader, func(store.PackageKey)) error) ([]store.PackageKey, error) {
	rd, done, err := decompress(name, body, r.opts.MaxDecompressed)
	if err != nil {
		return nil, err
	}
	defer done()
	var pkgs []store.PackageKey
	err = parse(rd, func(k store.PackageKey) {
		pkgs = append(pkgs, k)
		la.feed(pkgs, false)
	})
	la.feed(pkgs, true)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	return pkgs, nil
}
