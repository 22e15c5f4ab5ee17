package repo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"patchward/repo/deb"
	"patchward/store"
)

// debIndexes are the Packages files tried in order; the first that exists wins.
var debIndexes = []string{"Packages.xz", "Packages.gz", "Packages.bz2", "Packages"}

// refreshDeb fetches a Debian binary-ARCH (or flat repo) directory's Packages index.
func (r *Refresher) refreshDeb(ctx context.Context, m store.Mirror) (outcome, error) {
	base := strings.TrimSuffix(m.URL, "/")
	v := validators{ETag: m.ETag, LastModified: m.LastModified}
	for _, name := range debIndexes {
		f, err := r.fetch.get(ctx, base+"/"+name, v)
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
		pkgs, err := parseDeb(f.URL, f.Body, r.opts.MaxDecompressed, la)
		known := la.wait()
		if err != nil {
			return outcome{}, err
		}
		return outcome{pkgs: pkgs, known: known, meta: meta}, nil
	}
	return outcome{}, fmt.Errorf("no Packages index at %s (tried %s): %w", base, strings.Join(debIndexes, ", "), ErrNotFound)
}

// parseDeb decompresses and parses a Packages index into package keys.
func parseDeb(name string, body []byte, limit int64, la *lookahead) ([]store.PackageKey, error) {
	r, done, err := decompress(name, body, limit)
	if err != nil {
		return nil, err
	}
	defer done()
	cr := &countingReader{r: r}
	// A Packages stanza compresses to roughly 150 bytes with xz; presizing avoids regrowing a
	// 60,000-element slice several times.
	pkgs := make([]store.PackageKey, 0, min(len(body)/150+16, 1<<20))
	err = deb.ParsePackages(cr, func(p deb.Package) error {
		e, v, rel := deb.SplitVersion(p.Version)
		pkgs = append(pkgs, store.PackageKey{Type: "deb", Name: p.Name, Arch: p.Arch, Epoch: e, Version: v, Release: rel})
		la.feed(pkgs, false)
		return nil
	})
	la.feed(pkgs, true)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	if len(pkgs) == 0 && cr.nonSpace {
		return nil, fmt.Errorf("parse %s: %w", name, errNoPackages)
	}
	return pkgs, nil
}

// countingReader notes whether anything but whitespace went through it.
type countingReader struct {
	r        io.Reader
	nonSpace bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if !c.nonSpace && n > 0 {
		c.nonSpace = strings.TrimSpace(string(p[:n])) != ""
	}
	return n, err
}
