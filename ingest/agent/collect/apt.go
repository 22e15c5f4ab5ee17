package collect

import (
	"bytes"
	"net/url"
	"path"
	"strings"

	"patchward/ingest/wire"
)

// aptSource is one (URI, suite, component) triple of an enabled "deb" source.
type aptSource struct {
	uri       string // as written, without a trailing slash
	suite     string
	component string   // "" for a flat repository
	archs     []string // from [arch=...] / Architectures:, else the host's
}

// aptRepos reads sources.list, sources.list.d/*.list and deb822 *.sources, and reports one repo
// per index URL the way patchman-client does (<archive>/dists/<suite>/<component>/binary-<arch>),
// with the pin priority apt would give it.
func (c *collector) aptRepos() {
	var srcs []aptSource
	files := append([]string{"/etc/apt/sources.list"}, c.glob("/etc/apt/sources.list.d/*.list")...)
	for _, f := range files {
		b, err := c.readFile(f)
		if err != nil {
			c.repoWarn("apt: %s: %v", f, err)
		}
		srcs = append(srcs, parseSourcesList(b)...)
	}
	for _, f := range c.glob("/etc/apt/sources.list.d/*.sources") {
		b, err := c.readFile(f)
		if err != nil {
			c.repoWarn("apt: %s: %v", f, err)
		}
		srcs = append(srcs, parseDeb822Sources(b)...)
	}
	if len(srcs) == 0 {
		return
	}
	pins := c.newAptPins()
	osName, _, _ := strings.Cut(c.r.OS, " ")
	prefix := strings.TrimSpace(osName + " " + c.r.OSRelease["version_id"] + " " + c.r.Arch)
	for _, s := range srcs {
		archs := s.archs
		if len(archs) == 0 {
			archs = c.aptArchs()
		}
		for _, base := range c.expandMirrors(s.uri) {
			for _, arch := range archs {
				u := aptIndexURL(base, s.suite, s.component, arch)
				clean := cleanURL(u)
				if clean == "" {
					continue
				}
				prio := pins.priority(s, base, arch)
				c.r.Repos = append(c.r.Repos, wire.Repo{Type: "deb", Name: prefix + " repo at " + clean,
					Priority: prio, URLs: []string{clean}})
			}
		}
	}
}

// aptIndexURL is where the Packages index of one source lives.
func aptIndexURL(base, suite, component, arch string) string {
	base = strings.TrimRight(base, "/")
	if component == "" { // flat: "deb URI path/"
		p := strings.Trim(path.Clean("/"+suite), "/")
		if p == "" || p == "." {
			return base
		}
		return base + "/" + p
	}
	return base + "/dists/" + suite + "/" + component + "/binary-" + arch
}

// aptArchs are the host's dpkg architectures: native first, then foreign ones.
func (c *collector) aptArchs() []string {
	native := c.dpkgArc
	if native == "" {
		native = debArch(c.r.Arch)
	}
	out := []string{native}
	b, _ := c.readFile("/var/lib/dpkg/arch")
	for _, a := range strings.Fields(string(b)) {
		if a != native {
			out = append(out, a)
		}
	}
	return out
}

// debArch maps uname -m to Debian's architecture name.
func debArch(m string) string {
	switch m {
	case "x86_64":
		return "amd64"
	case "aarch64":
		return "arm64"
	case "i386", "i486", "i586", "i686":
		return "i386"
	case "armv7l":
		return "armhf"
	case "ppc64le":
		return "ppc64el"
	}
	return m
}

// expandMirrors turns a source URI into the base URLs to report: mirror+file: lists are read
// (one repo per mirror, as patchman-client does); transports the server cannot fetch from
// (cdrom:, file:, copy:, mirror lists over the network) give none.
func (c *collector) expandMirrors(uri string) []string {
	uri = strings.TrimPrefix(uri, "tor+")
	switch {
	case strings.HasPrefix(uri, "mirror+file:") || strings.HasPrefix(uri, "mirror:"):
		p := strings.TrimPrefix(strings.TrimPrefix(uri, "mirror+file:"), "mirror:")
		p = strings.TrimPrefix(p, "//")
		b, err := c.readFile(p)
		if err != nil || b == nil {
			c.repoWarn("apt: mirror list %s: not readable", p)
			return nil
		}
		var out []string
		for _, line := range strings.Split(string(b), "\n") {
			line, _, _ = strings.Cut(line, "#")
			f := strings.Fields(line) // "URL [priority:N type:index ...]"
			if len(f) > 0 && isFetchable(f[0]) {
				out = append(out, strings.TrimRight(f[0], "/"))
			}
		}
		return out
	case isFetchable(uri):
		return []string{uri}
	}
	return nil
}

func isFetchable(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	switch u.Scheme {
	case "http", "https", "ftp":
		return true
	}
	return false
}

// parseSourcesList parses one-line style sources: "deb [opt=val ...] URI SUITE [COMPONENT...]".
func parseSourcesList(b []byte) []aptSource {
	var out []aptSource
	for _, line := range strings.Split(string(b), "\n") {
		line, _, _ = strings.Cut(line, "#")
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "deb") || strings.HasPrefix(line, "deb-src") {
			continue
		}
		rest := strings.TrimSpace(line[3:])
		if line == "deb" || (rest != "" && line[3] != ' ' && line[3] != '\t' && line[3] != '[') {
			continue
		}
		var archs []string
		if strings.HasPrefix(rest, "[") {
			opts, after, ok := strings.Cut(rest[1:], "]")
			if !ok {
				continue
			}
			rest = after
			for _, o := range strings.Fields(opts) {
				if k, v, ok := strings.Cut(o, "="); ok && (k == "arch" || k == "architectures") {
					archs = strings.Split(v, ",")
				}
			}
		}
		f := strings.Fields(rest)
		if len(f) < 2 {
			continue
		}
		out = append(out, sourcesFor(f[0], []string{f[1]}, f[2:], archs)...)
	}
	return out
}

func sourcesFor(uri string, suites, comps, archs []string) []aptSource {
	var out []aptSource
	uri = strings.TrimRight(uri, "/")
	for _, s := range suites {
		if len(comps) == 0 || strings.HasSuffix(s, "/") {
			out = append(out, aptSource{uri: uri, suite: s, archs: archs})
			continue
		}
		for _, comp := range comps {
			out = append(out, aptSource{uri: uri, suite: s, component: comp, archs: archs})
		}
	}
	return out
}

// parseDeb822Sources parses deb822 .sources stanzas (Types, URIs, Suites, Components,
// Architectures, Enabled). Multi-line fields (an inline Signed-By key) are continuation lines
// and are skipped; comment lines are dropped before stanzas are split.
func parseDeb822Sources(b []byte) []aptSource {
	var clean bytes.Buffer
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		clean.WriteString(line)
		clean.WriteByte('\n')
	}
	var out []aptSource
	want := []string{"Types", "URIs", "Suites", "Components", "Architectures", "Enabled"}
	stanzas(clean.Bytes(), want, func(f map[string]string) {
		if strings.EqualFold(f["Enabled"], "no") || !containsFold(strings.Fields(f["Types"]), "deb") {
			return
		}
		var archs []string
		if a := strings.Fields(f["Architectures"]); len(a) > 0 {
			archs = a
		}
		for _, uri := range strings.Fields(f["URIs"]) {
			out = append(out, sourcesFor(uri, strings.Fields(f["Suites"]), strings.Fields(f["Components"]), archs)...)
		}
	})
	return out
}
