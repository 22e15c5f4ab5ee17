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

// refreshRPM reads an RPM-MD repo at its base URL: repomd.xml first, then primary only when
// its published checksum differs from the one stored (Patchman downloads it either way).
func (r *Refresher) refreshRPM(ctx context.Context, m store.Mirror) (outcome, error) {
	base := strings.TrimSuffix(m.URL, "/")
	mdURL := base + "/repodata/repomd.xml"
	f, err := r.fetch.get(ctx, mdURL, validators{ETag: m.ETag, LastModified: m.LastModified})
	if err != nil {
		return outcome{}, err
	}
	if f.NotModified {
		return outcome{unchanged: true, meta: store.MirrorMeta{ETag: f.ETag, LastModified: f.LastModified}}, nil
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
	if primary.Checksum.Value != "" {
		meta.Checksum = primary.Checksum.Type + ":" + primary.Checksum.Value
		if meta.Checksum == m.Checksum {
			return outcome{unchanged: true, meta: meta}, nil
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
	if meta.Checksum == "" {
		sum := sha256.Sum256(pf.Body)
		meta.Checksum = "sha256:" + hex.EncodeToString(sum[:])
		if meta.Checksum == m.Checksum {
			return outcome{unchanged: true, meta: meta}, nil
		}
	}
	la := newLookahead(ctx, r.db)
	pkgs, err := parsePrimary(pURL, pf.Body, r.opts.MaxDecompressed, la)
	known := la.wait()
	if err != nil {
		return outcome{}, err
	}
	return outcome{pkgs: pkgs, known: known, meta: meta}, nil
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
