package repo

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"patchward/repo/loose"
	"patchward/store"
)

// looseDir is the local directory a mirror's URL reads from (after the rewrite rules), when
// it is a file:// directory of loose packages of the mirror's type without an index of its
// own (no repodata/, no Packages or Release): a vendor bundle or `dnf download` result.
func (r *Refresher) looseDir(m store.Mirror) (string, bool) {
	target, rewritten := r.fetch.rewrite(m.URL)
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "file" || (!r.fetch.allowFile && !rewritten && !m.Local) {
		return "", false
	}
	dir := filepath.Clean(u.Path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", false
	}
	rpm, deb := loose.Types(dir)
	has := map[string]bool{"rpm": rpm, "deb": deb}[m.RepoType]
	return dir, has && !hasIndex(dir, m.RepoType)
}

// hasIndex reports whether dir holds a repository index of type typ of its own (repodata/ for
// rpm; Release, InRelease or a Packages file for deb): then it is read through that index,
// not as loose packages.
func hasIndex(dir, typ string) bool {
	if typ == "rpm" {
		return exists(filepath.Join(dir, "repodata", "repomd.xml"))
	}
	for _, idx := range append([]string{"Release", "InRelease"}, debIndexes...) {
		if exists(filepath.Join(dir, idx)) {
			return true
		}
	}
	return false
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// refreshLoose reads a directory of loose packages as the mirror's index: each package's
// own header, with the CVE IDs its changelog names as an erratum of that package. Unreadable
// files are logged by name and skipped; a directory with none readable fails.
func (r *Refresher) refreshLoose(m store.Mirror, dir string) (outcome, error) {
	d, err := loose.Read(dir)
	if err != nil {
		return outcome{}, fmt.Errorf("read %s: %w", dir, err)
	}
	for _, p := range d.Problems {
		r.log.Warn("loose package skipped", "mirror_id", m.ID, "dir", dir, "file", p.File, "err", p.Err)
	}
	meta := store.MirrorMeta{Checksum: d.Digest}
	if d.Digest == m.Checksum {
		return outcome{unchanged: true, meta: meta}, nil
	}
	out := outcome{meta: meta}
	var errata []store.RepoErratum
	for _, p := range d.Packages {
		if p.Type != m.RepoType {
			continue
		}
		k := store.PackageKey{Type: p.Type, Name: p.Name, Arch: p.Arch, Epoch: p.Epoch, Version: p.Version, Release: p.Release}
		out.pkgs = append(out.pkgs, k)
		if len(p.CVEs) == 0 {
			continue
		}
		e := store.RepoErratum{Name: "CHANGELOG-" + p.Name + "-" + k.EVR() + "." + p.Arch, Type: "security",
			Title: "CVEs named in the changelog of " + p.File, Packages: []store.PackageKey{k}}
		for _, c := range p.CVEs {
			e.Refs = append(e.Refs, store.ErratumReference{Type: "cve", ID: c})
		}
		errata = append(errata, e)
	}
	if len(out.pkgs) == 0 {
		var names []string
		for _, p := range d.Problems {
			names = append(names, p.Error())
		}
		return outcome{}, fmt.Errorf("%s: no readable %s package: %w", dir, m.RepoType, errors.New(strings.Join(names, "; ")))
	}
	out.errata, out.errataSum = &errata, d.Digest
	return out, nil
}
