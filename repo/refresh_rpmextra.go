package repo

import (
	"context"
	"fmt"
	"patchward/updates/advisory"

	"patchward/repo/rpm"
	"patchward/store"
)

// rpmExtras reads updateinfo and modules when repomd lists them with a checksum other than
// the one last read (a listed file without a checksum is read every time), into out.
func (r *Refresher) rpmExtras(ctx context.Context, m store.Mirror, base string, md *rpm.Repomd, out *outcome) error {
	if d, ok := md.Find("updateinfo"); ok && d.Href != "" {
		sum := d.Checksum.Type + ":" + d.Checksum.Value
		if d.Checksum.Value == "" || sum != m.ErrataChecksum {
			body, name, err := r.fetchData(ctx, base, d)
			if err != nil {
				return err
			}
			errata, err := parseUpdateinfo(ctx, name, body, r.opts.MaxDecompressed)
			if err != nil {
				return err
			}
			out.errata, out.errataSum = &errata, sum
		}
	}
	for _, typ := range []string{"modules", "modules_yaml"} {
		d, ok := md.Find(typ)
		if !ok || d.Href == "" {
			continue
		}
		sum := d.Checksum.Type + ":" + d.Checksum.Value
		if d.Checksum.Value != "" && sum == m.ModulesChecksum {
			break
		}
		body, name, err := r.fetchData(ctx, base, d)
		if err != nil {
			return err
		}
		mods, err := parseModules(name, body, r.opts.MaxDecompressed)
		if err != nil {
			return err
		}
		out.modules, out.modulesSum = &mods, sum
		break
	}
	return nil
}

// fetchData downloads one repomd data file and verifies its checksum.
func (r *Refresher) fetchData(ctx context.Context, base string, d rpm.Data) ([]byte, string, error) {
	u, err := resolveHref(base, d)
	if err != nil {
		return nil, "", fmt.Errorf("%s location: %w", d.Type, err)
	}
	f, err := r.fetch.get(ctx, u, validators{})
	if err != nil {
		return nil, "", err
	}
	if err := verify(f.Body, d.Checksum); err != nil {
		return nil, "", fmt.Errorf("%s %s: %w", d.Type, u, err)
	}
	return f.Body, u, nil
}

func parseUpdateinfo(ctx context.Context, name string, body []byte, limit int64) ([]store.RepoErratum, error) {
	rd, done, err := decompress(name, body, limit)
	if err != nil {
		return nil, err
	}
	defer done()
	var out []store.RepoErratum
	err = advisory.Updateinfo.Parse(ctx, rd, func(a advisory.Advisory) error {
		e := store.RepoErratum{Name: a.ID, Type: a.Type, Severity: a.Severity, Title: a.Title,
			Issued: a.Issued, Updated: a.Updated}
		for _, ref := range a.Refs {
			e.Refs = append(e.Refs, store.ErratumReference{Type: ref.Type, ID: ref.ID, URL: ref.URL, Title: ref.Title})
		}
		for _, p := range a.Packages {
			e.Packages = append(e.Packages, rpmKey(rpm.Package{Name: p.Name, Arch: p.Arch, Epoch: p.Epoch, Version: p.Version, Release: p.Release}))
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	return out, nil
}

func parseModules(name string, body []byte, limit int64) ([]store.ModuleStream, error) {
	rd, done, err := decompress(name, body, limit)
	if err != nil {
		return nil, err
	}
	defer done()
	var out []store.ModuleStream
	err = rpm.ParseModules(rd, func(m rpm.Module) error {
		s := store.ModuleStream{Name: m.Name, Stream: m.Stream, Version: m.Version, Context: m.Context, Arch: m.Arch}
		for _, p := range m.Artifacts {
			s.Packages = append(s.Packages, rpmKey(p))
		}
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	return out, nil
}

func rpmKey(p rpm.Package) store.PackageKey {
	return store.PackageKey{Type: "rpm", Name: p.Name, Arch: p.Arch, Epoch: p.Epoch, Version: p.Version, Release: p.Release}
}

// verifyRepomd checks repomd.xml against repomd.xml.asc when the mirror serves one. A missing
// signature passes unless a keyring rule covers the URL.
func (r *Refresher) verifyRepomd(ctx context.Context, mdURL string, body []byte) error {
	sig, err := r.fetch.get(ctx, mdURL+".asc", validators{})
	var sigBody []byte
	switch {
	case err == nil:
		sigBody = sig.Body
	case !absent(err):
		return err
	}
	if _, err := r.keys.verifyDetached(mdURL, body, sigBody); err != nil {
		return err
	}
	return nil
}
