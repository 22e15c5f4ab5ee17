package repo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"patchward/repo/deb"
	"patchward/store"
)

// debIndexes are the Packages files tried in order; the first that exists wins.
var debIndexes = []string{"Packages.xz", "Packages.gz", "Packages.bz2", "Packages"}

// refreshDeb fetches a Debian binary-ARCH (or flat repo) directory's Packages index. When the
// suite's InRelease/Release lists the index, its SHA256 decides "unchanged" without downloading
// the index at all, only listed compressions are tried, the download is verified against it,
// and its Date is the mirror's freshness. Without a usable Release (flat repos, odd mirrors)
// conditional GET and the checksum of the download decide.
func (r *Refresher) refreshDeb(ctx context.Context, m store.Mirror, run *runState) (outcome, error) {
	base := strings.TrimSuffix(m.URL, "/")
	names := debIndexes
	var rel *deb.Release
	var relDir string
	if suite, dir, ok := suiteOf(base); ok {
		rel, relDir = r.release(ctx, run, suite), dir
		if listed := listedIndexes(rel, dir); len(listed) > 0 {
			names = listed
		} else {
			rel = nil
		}
	}
	var fresh time.Time
	if rel != nil {
		fresh = rel.Date
		if sum := rel.Files[relDir+"/"+names[0]].SHA256; m.Checksum != "" && "sha256:"+sum == m.Checksum {
			return outcome{unchanged: true, meta: store.MirrorMeta{Freshness: fresh}}, nil
		}
	}
	v := validators{ETag: m.ETag, LastModified: m.LastModified}
	for _, name := range names {
		f, err := r.fetch.get(ctx, base+"/"+name, v)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return outcome{}, err
		}
		if f.NotModified {
			return outcome{unchanged: true, meta: store.MirrorMeta{ETag: f.ETag, LastModified: f.LastModified, Freshness: fresh}}, nil
		}
		sum := sha256.Sum256(f.Body)
		meta := store.MirrorMeta{Checksum: "sha256:" + hex.EncodeToString(sum[:]), ETag: f.ETag, LastModified: f.LastModified, Freshness: fresh}
		if rel != nil {
			if want := rel.Files[relDir+"/"+name].SHA256; want != "" && "sha256:"+want != meta.Checksum {
				return outcome{}, fmt.Errorf("%s: %w: sha256 is %s, Release says %s (mirror being synced?)",
					f.URL, ErrChecksum, meta.Checksum[len("sha256:"):], want)
			}
		}
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
	return outcome{}, fmt.Errorf("no Packages index at %s (tried %s): %w", base, strings.Join(names, ", "), ErrNotFound)
}

// suiteOf splits a mirror URL .../dists/SUITE/COMPONENT/binary-ARCH into the suite directory's
// URL and the index directory relative to it; ok is false for flat repos.
func suiteOf(base string) (suite, dir string, ok bool) {
	const marker = "/dists/"
	i := strings.LastIndex(base, marker)
	if i < 0 {
		return "", "", false
	}
	rest := base[i+len(marker):]
	j := strings.IndexByte(rest, '/')
	if j <= 0 || j == len(rest)-1 {
		return "", "", false
	}
	return base[:i+len(marker)+j], rest[j+1:], true
}

// listedIndexes returns the Packages files of dir that rel lists, in debIndexes order.
func listedIndexes(rel *deb.Release, dir string) []string {
	if rel == nil {
		return nil
	}
	var out []string
	for _, name := range debIndexes {
		if _, ok := rel.Files[dir+"/"+name]; ok {
			out = append(out, name)
		}
	}
	return out
}

// runState is shared by the mirrors of one Refresh: a suite's Release file is fetched once
// however many component/architecture mirrors it has.
type runState struct {
	mu       sync.Mutex
	releases map[string]*releaseEntry
}

type releaseEntry struct {
	once sync.Once
	rel  *deb.Release
}

func newRunState() *runState { return &runState{releases: map[string]*releaseEntry{}} }

// release returns the suite's parsed InRelease (or Release), or nil if neither is usable:
// Release only adds to what the index itself tells, so its absence is not a failure.
func (r *Refresher) release(ctx context.Context, run *runState, suite string) *deb.Release {
	run.mu.Lock()
	e := run.releases[suite]
	if e == nil {
		e = &releaseEntry{}
		run.releases[suite] = e
	}
	run.mu.Unlock()
	e.once.Do(func() {
		for _, name := range []string{"InRelease", "Release"} {
			f, err := r.fetch.get(ctx, suite+"/"+name, validators{})
			if err != nil {
				continue
			}
			if rel, err := deb.ParseRelease(bytes.NewReader(f.Body)); err == nil {
				e.rel = rel
				return
			}
		}
	})
	return e.rel
}

// parseDeb decompresses and parses a Packages index into package keys.
func parseDeb(name string, body []byte, limit int64, la *lookahead) ([]store.PackageKey, error) {
	r, done, err := decompress(name, body, limit)
	if err != nil {
		return nil, err
	}
	defer done()
	cr := &countingReader{r: r}
	// Presizing from the compressed size avoids regrowing a 60,000-element slice.
	pkgs := make([]store.PackageKey, 0, min(len(body)/stanzaBytes(name)+16, 1<<20))
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

// stanzaBytes is roughly what one Packages stanza takes in a file named name, measured on
// bookworm main amd64 (47.7 MiB for 63,440 stanzas; xz 8.4 MiB, gzip -9 11.2 MiB, bzip2 -9 8.7 MiB), rounded
// down so the estimate errs towards one spare allocation rather than a regrowth.
func stanzaBytes(name string) int {
	switch c, _ := bySuffix(name); c {
	case xzC:
		return 135
	case gzipC:
		return 180
	case bzip2C:
		return 140
	case zstdC:
		return 150
	}
	return 780
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
