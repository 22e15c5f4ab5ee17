package collect

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"patchward/ingest/wire"
)

// packages collects from every package manager present: a host may have both dpkg and rpm.
func (c *collector) packages() {
	for _, pm := range []struct {
		name string
		fn   func() error
	}{{"dpkg", c.dpkg}, {"rpm", c.rpm}, {"pacman", c.pacman}, {"apk", c.apk}} {
		if err := pm.fn(); err != nil {
			c.warn("%s: %v", pm.name, err)
			c.pkgErr = true
		}
	}
}

// stanzas calls fn with each blank-line separated stanza's fields of a dpkg status style file.
// Only the fields in want are returned; continuation lines are skipped (no field we need spans
// lines). This hand-written scanner is what keeps a 700-package status file under a few ms.
func stanzas(b []byte, want []string, fn func(f map[string]string)) {
	f := make(map[string]string, len(want))
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			if len(f) > 0 {
				fn(f)
				clear(f)
			}
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue
		}
		i := bytes.IndexByte(line, ':')
		if i <= 0 {
			continue
		}
		for _, w := range want {
			if len(w) == i && string(line[:i]) == w {
				f[w] = string(bytes.TrimSpace(line[i+1:]))
				break
			}
		}
	}
	if len(f) > 0 {
		fn(f)
	}
}

// dpkg reads /var/lib/dpkg/status: installed and held packages, multiarch ones once per arch.
func (c *collector) dpkg() error {
	b, err := c.readFile("/var/lib/dpkg/status")
	if err != nil || b == nil {
		return err
	}
	stanzas(b, []string{"Package", "Status", "Version", "Architecture"}, func(f map[string]string) {
		st := f["Status"]
		if f["Package"] == "dpkg" && f["Architecture"] != "" {
			c.dpkgArc = f["Architecture"]
		}
		if st != "install ok installed" && st != "hold ok installed" {
			return
		}
		p := wire.Package{Type: "deb", Name: f["Package"], Arch: f["Architecture"], Held: strings.HasPrefix(st, "hold ")}
		p.Epoch, p.Version, p.Release = splitDebVersion(f["Version"])
		c.r.Packages = append(c.r.Packages, p)
	})
	return nil
}

// splitDebVersion splits [epoch:]upstream[-revision]: the epoch ends at the first colon, the
// revision starts after the last hyphen (as patchman-client splits it).
func splitDebVersion(v string) (epoch, version, release string) {
	if i := strings.IndexByte(v, ':'); i >= 0 {
		epoch, v = v[:i], v[i+1:]
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		v, release = v[:i], v[i+1:]
	}
	return epoch, v, release
}

// rpmDBPaths are where rpm keeps its database (sqlite since rpm 4.16, bdb/ndb before).
var rpmDBPaths = []string{"/usr/lib/sysimage/rpm/rpmdb.sqlite", "/var/lib/rpm/rpmdb.sqlite",
	"/var/lib/rpm/Packages", "/var/lib/rpm/Packages.db", "/usr/lib/sysimage/rpm/Packages.db"}

// rpm asks rpm itself (its database formats are not worth re-implementing) when a database
// exists, so that Debian hosts with the rpm tool installed do not pay for a useless run.
func (c *collector) rpm() error {
	dbpath := ""
	for _, p := range rpmDBPaths {
		if c.exists(p) {
			dbpath = filepath.Dir(p)
			break
		}
	}
	if dbpath == "" {
		return nil
	}
	if !c.o.Commands {
		return nil
	}
	if _, err := exec.LookPath("rpm"); err != nil {
		return fmt.Errorf("rpm database in %s but no rpm tool to read it: %w", dbpath, err)
	}
	// --dbpath names the database found rather than trusting the tool's compiled-in default
	// (Debian's rpm defaults to ~/.rpmdb).
	args := []string{"--dbpath", dbpath, "-qa", "--qf", `%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n`}
	if !c.o.realRoot() {
		args = append([]string{"--root", c.o.Root}, args...)
	}
	out, err := c.run("rpm", args...)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 5 || f[0] == "gpg-pubkey" {
			continue
		}
		p := wire.Package{Type: "rpm", Name: f[0], Epoch: f[1], Version: f[2], Release: f[3], Arch: f[4]}
		if p.Epoch == "(none)" || p.Epoch == "0" {
			p.Epoch = ""
		}
		if p.Arch == "(none)" {
			p.Arch = "noarch" // gpg-pubkey style pseudo packages; keep them well formed
		}
		c.r.Packages = append(c.r.Packages, p)
	}
	return nil
}

// pacman reads the local database: /var/lib/pacman/local/NAME-VER-REL/desc.
func (c *collector) pacman() error {
	dir := c.o.path("/var/lib/pacman/local")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil // no pacman
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name(), "desc"))
		if err != nil {
			continue
		}
		f := pacmanDesc(b)
		if f["NAME"] == "" || f["VERSION"] == "" {
			continue
		}
		p := wire.Package{Type: "arch", Name: f["NAME"], Arch: f["ARCH"]}
		p.Epoch, p.Version, p.Release = splitDebVersion(f["VERSION"]) // same epoch:ver-rel shape
		c.r.Packages = append(c.r.Packages, p)
	}
	return nil
}

// pacmanDesc parses %KEY%\nvalue... blocks, keeping each key's first value.
func pacmanDesc(b []byte) map[string]string {
	m := map[string]string{}
	lines := strings.Split(string(b), "\n")
	for i := 0; i < len(lines)-1; i++ {
		k := strings.TrimSpace(lines[i])
		if len(k) > 2 && k[0] == '%' && k[len(k)-1] == '%' {
			m[k[1:len(k)-1]] = strings.TrimSpace(lines[i+1])
			i++
		}
	}
	return m
}

// apk reads /lib/apk/db/installed (P: name, V: version, A: arch). The version's "-rN" suffix is
// the release, as in Alpine's APKINDEX.
func (c *collector) apk() error {
	b, err := c.readFile("/lib/apk/db/installed")
	if err != nil || b == nil {
		return err
	}
	stanzas(b, []string{"P", "V", "A"}, func(f map[string]string) {
		if f["P"] == "" || f["V"] == "" {
			return
		}
		p := wire.Package{Type: "apk", Name: f["P"], Arch: f["A"], Version: f["V"]}
		if i := strings.LastIndex(p.Version, "-r"); i > 0 {
			p.Version, p.Release = p.Version[:i], p.Version[i+1:]
		}
		c.r.Packages = append(c.r.Packages, p)
	})
	return nil
}
