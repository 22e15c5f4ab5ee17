package repo

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"strings"

	"patchward/repo/rpm"
	"patchward/store"
)

// ErrChecksum is returned when downloaded metadata does not match the checksum published for it.
var ErrChecksum = errors.New("checksum mismatch")

// refreshRPM reads an RPM-MD repo at its base URL (a mirrorlist or metalink URL is first
// resolved to a bounded number of mirrors, tried in order): repomd.xml first (under
// suse/repodata for SUSE media layouts when repodata is missing), then primary only when its
// published checksum differs from the one stored (Patchman downloads it either way), and
// updateinfo and modules likewise.
func (r *Refresher) refreshRPM(ctx context.Context, m store.Mirror) (outcome, error) {
	if !isMirrorList(m.URL) {
		return r.refreshRPMAt(ctx, m, strings.TrimSuffix(m.URL, "/"))
	}
	bases, err := r.resolveMirrorList(ctx, m)
	if err != nil {
		return outcome{}, err
	}
	var errs []error
	for _, base := range bases {
		out, err := r.refreshRPMAt(ctx, m, base)
		if err == nil {
			return out, nil
		}
		if ctx.Err() != nil {
			return outcome{}, err
		}
		errs = append(errs, err)
	}
	return outcome{}, fmt.Errorf("every mirror of %s failed: %w", m.URL, errors.Join(errs...))
}

func (r *Refresher) refreshRPMAt(ctx context.Context, m store.Mirror, base string) (outcome, error) {
	mdURL := base + "/repodata/repomd.xml"
	f, err := r.fetch.get(ctx, mdURL, validators{ETag: m.ETag, LastModified: m.LastModified})
	if errors.Is(err, ErrNotFound) {
		// SUSE installation media and some zypper repos keep their metadata under suse/.
		if sf, serr := r.fetch.get(ctx, base+"/suse/repodata/repomd.xml", validators{ETag: m.ETag, LastModified: m.LastModified}); serr == nil {
			base, mdURL, f, err = base+"/suse", base+"/suse/repodata/repomd.xml", sf, nil
		}
	}
	if err != nil {
		return outcome{}, err
	}
	if f.NotModified {
		return outcome{unchanged: true, meta: store.MirrorMeta{ETag: f.ETag, LastModified: f.LastModified}}, nil
	}
	if r.opts.VerifyRepomd {
		if err := r.verifyRepomd(ctx, mdURL, f.Body); err != nil {
			return outcome{}, err
		}
	}
	md, err := rpm.ParseRepomd(bytes.NewReader(f.Body))
	if err != nil {
		return outcome{}, fmt.Errorf("%s: %w", mdURL, err)
	}
	primary, ok := md.Find("primary")
	if !ok || primary.Href == "" {
		return outcome{}, fmt.Errorf("%s: no primary metadata listed", mdURL)
	}
	meta := store.MirrorMeta{ETag: f.ETag, LastModified: f.LastModified, Freshness: md.Freshness()}
	out := outcome{meta: meta}
	if err := r.rpmExtras(ctx, m, base, md, &out); err != nil {
		return outcome{}, err
	}
	if primary.Checksum.Value != "" {
		out.meta.Checksum = primary.Checksum.Type + ":" + primary.Checksum.Value
		if out.meta.Checksum == m.Checksum {
			out.unchanged = true
			return out, nil
		}
	}
	pURL, err := resolveHref(base, primary)
	if err != nil {
		return outcome{}, fmt.Errorf("%s: %w", mdURL, err)
	}
	pf, err := r.fetch.get(ctx, pURL, validators{})
	if err != nil {
		return outcome{}, err
	}
	if err := verify(pf.Body, primary.Checksum); err != nil {
		return outcome{}, fmt.Errorf("primary %s: %w", pURL, err)
	}
	if out.meta.Checksum == "" {
		sum := sha256.Sum256(pf.Body)
		out.meta.Checksum = "sha256:" + hex.EncodeToString(sum[:])
		if out.meta.Checksum == m.Checksum {
			out.unchanged = true
			return out, nil
		}
	}
	la := newLookahead(ctx, r.db)
	pkgs, err := parsePrimary(pURL, pf.Body, r.opts.MaxDecompressed, la)
	known := la.wait()
	if err != nil {
		return outcome{}, err
	}
	out.pkgs, out.known = pkgs, known
	return out, nil
}

// resolveHref makes a data entry's location absolute: relative to its xml:base if it has
// one, else to the repo base.
func resolveHref(base string, d rpm.Data) (string, error) {
	b := base + "/"
	if d.Base != "" {
		b = d.Base
		if !strings.HasSuffix(b, "/") {
			b += "/"
		}
	}
	bu, err := url.Parse(b)
	if err != nil {
		return "", fmt.Errorf("parse base url %q: %w", b, err)
	}
	ref, err := url.Parse(d.Href)
	if err != nil {
		return "", fmt.Errorf("parse location %q: %w", d.Href, err)
	}
	return bu.ResolveReference(ref).String(), nil
}

// verify checks body against a published checksum (a missing one is not checked).
func verify(body []byte, want rpm.Checksum) error {
	if want.Value == "" {
		return nil
	}
	var h hash.Hash
	switch want.Type {
	case "sha256":
		h = sha256.New()
	case "sha512":
		h = sha512.New()
	case "sha1":
		h = sha1.New()
	case "sha384":
		h = sha512.New384()
	case "sha224":
		h = sha256.New224()
	case "md5":
		h = md5.New()
	default:
		return fmt.Errorf("unsupported checksum type %q", want.Type)
	}
	h.Write(body)
	if got := hex.EncodeToString(h.Sum(nil)); got != want.Value {
		return fmt.Errorf("%w: %s is %s, repomd.xml says %s", ErrChecksum, want.Type, got, want.Value)
	}
	return nil
}

// parsePrimary decompresses and parses primary.xml into package keys.
func parsePrimary(name string, body []byte, limit int64, la *lookahead) ([]store.PackageKey, error) {
	r, done, err := decompress(name, body, limit)
	if err != nil {
		return nil, err
	}
	defer done()
	var pkgs []store.PackageKey
	err = rpm.ParsePrimary(r, func(p rpm.Package) error {
		pkgs = append(pkgs, store.PackageKey{Type: "rpm", Name: p.Name, Arch: p.Arch, Epoch: p.Epoch, Version: p.Version, Release: p.Release})
		la.feed(pkgs, false)
		return nil
	})
	la.feed(pkgs, true)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	return pkgs, nil
}
