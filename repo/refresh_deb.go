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

// debIndexes are the Packages files tried in order; the first that exists wins. zstd decodes
// several times faster than xz, so it is preferred where a mirror offers it.
var debIndexes = []string{"Packages.zst", "Packages.xz", "Packages.gz", "Packages.bz2", "Packages"}

// refreshDeb fetches a Debian binary-ARCH (or flat repo) directory's Packages index. The
// suite's InRelease (or Release + Release.gpg) is fetched once per run and its signature
// checked against the keyrings; when it lists the index, its SHA256 decides "unchanged"
// without downloading the index at all, only listed compressions are tried (through by-hash
// when offered), the download is verified against it, and its Date is the mirror's
// freshness. Without a Release (odd mirrors) conditional GET and the checksum of the download
// decide.
func (r *Refresher) refreshDeb(ctx context.Context, m store.Mirror, run *runState) (outcome, error) {
	base := strings.TrimSuffix(m.URL, "/")
	names := debIndexes
	suite, relDir, ok := suiteOf(base)
	if !ok {
		suite, relDir = base, "" // flat repository: Release and Packages side by side
	}
	rel, err := r.release(ctx, run, suite)
	if err != nil {
		return outcome{}, err
	}
	if listed := listedIndexes(rel, relDir); len(listed) > 0 {
		names = listed
	} else {
		rel = nil
	}
	var fresh time.Time
	if rel != nil {
		fresh = rel.Date
		if sum := rel.Files[relPath(relDir, names[0])].SHA256; m.Checksum != "" && "sha256:"+sum == m.Checksum {
			return outcome{unchanged: true, meta: store.MirrorMeta{Freshness: fresh}}, nil
		}
	}
	v := validators{ETag: m.ETag, LastModified: m.LastModified}
	for _, name := range names {
		var want string
		if rel != nil {
			want = rel.Files[relPath(relDir, name)].SHA256
		}
		f, err := r.fetchIndex(ctx, base, name, want, rel != nil && rel.ByHash, v)
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
		if want != "" && "sha256:"+want != meta.Checksum {
			return outcome{}, fmt.Errorf("%s: %w: sha256 is %s, Release says %s (mirror being synced?)",
				f.URL, ErrChecksum, meta.Checksum[len("sha256:"):], want)
		}
		if meta.Checksum == m.Checksum {
			return outcome{unchanged: true, meta: meta}, nil
		}
		la := newLookahead(ctx, r.db)
		pkgs, err := parseDeb(name, f.Body, r.opts.MaxDecompressed, la)
		known := la.wait()
		if err != nil {
			return outcome{}, fmt.Errorf("%s: %w", f.URL, err)
		}
		return outcome{pkgs: pkgs, known: known, meta: meta}, nil
	}
	return outcome{}, fmt.Errorf("no Packages index at %s (tried %s): %w", base, strings.Join(names, ", "), ErrNotFound)
}

// fetchIndex downloads one index: from by-hash/SHA256/<sum> when the Release offers it (a
// mirror mid-sync then still serves a consistent file), else, or when that is missing, by name.
func (r *Refresher) fetchIndex(ctx context.Context, base, name, sum string, byHash bool, v validators) (fetched, error) {
	if byHash && sum != "" {
		f, err := r.fetch.get(ctx, base+"/by-hash/SHA256/"+sum, validators{})
		if !errors.Is(err, ErrNotFound) {
			return f, err
		}
	}
	return r.fetch.get(ctx, base+"/"+name, v)
}

func relPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
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
		if _, ok := rel.Files[relPath(dir, name)]; ok {
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
	err  error
}

func newRunState() *runState { return &runState{releases: map[string]*releaseEntry{}} }

// release returns the suite's parsed and verified InRelease (or Release), nil if the suite
// has none (flat repos without one, odd mirrors): Release only adds to what the index itself
// tells, so its absence is not a failure unless a signature is required. A bad signature is.
func (r *Refresher) release(ctx context.Context, run *runState, suite string) (*deb.Release, error) {
	run.mu.Lock()
	e := run.releases[suite]
	if e == nil {
		e = &releaseEntry{}
		run.releases[suite] = e
	}
	run.mu.Unlock()
	e.once.Do(func() { e.rel, e.err = r.fetchRelease(ctx, suite) })
	return e.rel, e.err
}

func (r *Refresher) fetchRelease(ctx context.Context, suite string) (*deb.Release, error) {
	f, err := r.fetch.get(ctx, suite+"/InRelease", validators{})
	if err == nil {
		text, _, err := r.keys.verifyInRelease(suite, f.Body)
		if err != nil {
			return nil, err
		}
		rel, err := deb.ParseRelease(bytes.NewReader(text))
		if err != nil {
			return nil, fmt.Errorf("%s/InRelease: %w", suite, err)
		}
		return rel, nil
	}
	if !absent(err) {
		return nil, err
	}
	f, err = r.fetch.get(ctx, suite+"/Release", validators{})
	if absent(err) {
		if _, req := r.keys.ringFor(suite); (req || r.keys.mode == "required") && r.keys.mode != "off" {
			return nil, fmt.Errorf("%s: %w: no InRelease or Release", suite, ErrSignature)
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var sig []byte
	if s, err := r.fetch.get(ctx, suite+"/Release.gpg", validators{}); err == nil {
		sig = s.Body
	} else if !absent(err) {
		return nil, err
	}
	if _, err := r.keys.verifyDetached(suite, f.Body, sig); err != nil {
		return nil, err
	}
	rel, err := deb.ParseRelease(bytes.NewReader(f.Body))
	if err != nil {
		return nil, fmt.Errorf("%s/Release: %w", suite, err)
	}
	return rel, nil
}

// absent reports whether a fetch error means "the file is not there": 404/410, or a 4xx
// that some mirrors send for files they do not have.
func absent(err error) bool {
	if errors.Is(err, ErrNotFound) {
		return true
	}
	var he *HTTPError
	return errors.As(err, &he) && he.Code >= 400 && he.Code < 500 && he.Code != 429
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
