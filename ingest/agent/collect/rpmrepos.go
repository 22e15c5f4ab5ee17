package collect

import (
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"patchward/ingest/wire"
)

// iniSection is one [section] of a yum/dnf/zypper .repo or dnf .module file.
type iniSection struct {
	name string
	keys map[string]string
}

// parseINI parses the INI dialect of yum and zypper: "key=value" or "key: value", comments with
// # or ;, and continuation lines (starting with whitespace) appended to the previous key, which
// is how several baseurls are usually written.
func parseINI(b []byte) []iniSection {
	var out []iniSection
	var cur *iniSection
	last := ""
	for _, raw := range strings.Split(string(b), "\n") {
		raw = strings.TrimRight(raw, "\r")
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' || line[0] == ';' {
			last = ""
			continue
		}
		if line[0] == '[' && strings.HasSuffix(line, "]") {
			out = append(out, iniSection{name: strings.TrimSpace(line[1 : len(line)-1]), keys: map[string]string{}})
			cur, last = &out[len(out)-1], ""
			continue
		}
		if cur == nil {
			continue
		}
		if (raw[0] == ' ' || raw[0] == '\t') && last != "" {
			cur.keys[last] += "\n" + line
			continue
		}
		i := strings.IndexAny(line, "=:")
		if i <= 0 {
			continue
		}
		last = strings.ToLower(strings.TrimSpace(line[:i]))
		cur.keys[last] = strings.TrimSpace(line[i+1:])
	}
	return out
}

// boolValue reads yum's booleans (1/0, yes/no, true/false, on/off).
func boolValue(s string, def bool) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "yes", "true", "on":
		return true
	case "0", "no", "false", "off":
		return false
	}
	return def
}

// rpmVars are the variables dnf/yum expand in .repo files: $releasever, $basearch, $arch and
// every file in /etc/dnf/vars and /etc/yum/vars (zypper: /etc/zypp/vars.d).
func (c *collector) rpmVars(dirs ...string) map[string]string {
	v := map[string]string{"arch": c.r.Arch, "basearch": baseArch(c.r.Arch), "releasever": c.releasever()}
	for _, d := range dirs {
		for _, f := range c.glob(d + "/*") {
			b, err := c.readFile(f)
			if err == nil && b != nil {
				line, _, _ := strings.Cut(string(b), "\n")
				v[path.Base(f)] = strings.TrimSpace(line)
			}
		}
	}
	if rv := v["releasever"]; rv != "" {
		major, minor, _ := strings.Cut(rv, ".")
		v["releasever_major"], v["releasever_minor"] = major, minor
	}
	return v
}

// releasever is dnf's $releasever: Fedora's VERSION_ID, the major version on EL clones (the
// system-release package provides that), SUSE's VERSION_ID.
func (c *collector) releasever() string {
	rel := c.r.OSRelease
	v := rel["version_id"]
	if strings.Contains(" "+rel["id"]+" "+rel["id_like"]+" ", " rhel ") || strings.Contains(rel["id_like"], "centos") {
		v, _, _ = strings.Cut(v, ".")
	}
	return v
}

func baseArch(m string) string {
	switch m {
	case "i386", "i486", "i586", "i686", "athlon":
		return "i386"
	case "armv7l", "armv7hl", "armv7hnl":
		return "armhfp"
	case "ppc64le":
		return "ppc64le"
	}
	return m
}

var varRE = regexp.MustCompile(`\$\{?([A-Za-z0-9_]+)\}?`)

// expandVars replaces $var and ${var}; an unknown variable is left as it is.
func expandVars(s string, vars map[string]string) string {
	return varRE.ReplaceAllStringFunc(s, func(m string) string {
		name := strings.Trim(m[1:], "{}")
		if v, ok := vars[name]; ok {
			return v
		}
		return m
	})
}

// yumRepos reads /etc/yum.repos.d/*.repo (dnf and yum share it) and reports the enabled ones
// like patchman-client: name with the machine arch appended, id prefixed with CPE_NAME,
// priority (default 99) negated, mirrorlist/metalink and baseurls as URLs.
func (c *collector) yumRepos() {
	files := c.glob("/etc/yum.repos.d/*.repo")
	if len(files) == 0 {
		return
	}
	vars := c.rpmVars("/etc/dnf/vars", "/etc/yum/vars")
	cpe := c.r.OSRelease["cpe_name"]
	for _, f := range files {
		b, err := c.readFile(f)
		if err != nil {
			c.repoWarn("yum: %s: %v", f, err)
			continue
		}
		for _, s := range parseINI(b) {
			if s.name == "main" || !boolValue(s.keys["enabled"], true) {
				continue
			}
			c.addRPMRepo(s, vars, cpe, "", false)
		}
	}
}

// zypperRepos reads /etc/zypp/repos.d/*.repo. zypper's query strings are tokens: they are
// dropped entirely, as patchman-client does.
func (c *collector) zypperRepos() {
	files := c.glob("/etc/zypp/repos.d/*.repo")
	if len(files) == 0 {
		return
	}
	vars := c.rpmVars("/etc/zypp/vars.d")
	for _, f := range files {
		b, err := c.readFile(f)
		if err != nil {
			c.repoWarn("zypper: %s: %v", f, err)
			continue
		}
		for _, s := range parseINI(b) {
			if !boolValue(s.keys["enabled"], true) {
				continue
			}
			c.addRPMRepo(s, vars, "", c.r.OSRelease["pretty_name"], true)
		}
	}
}

func (c *collector) addRPMRepo(s iniSection, vars map[string]string, cpe, namePrefix string, dropQuery bool) {
	name := strings.ReplaceAll(expandVars(s.keys["name"], vars), "'", "")
	if name == "" {
		name = s.name
	}
	name = strings.TrimSuffix(name, " "+c.r.Arch)
	name = strings.TrimSpace(strings.TrimSpace(namePrefix+" "+name) + " " + c.r.Arch)
	prio := 99
	if p, err := strconv.Atoi(strings.TrimSpace(s.keys["priority"])); err == nil {
		prio = p
	}
	var urls []string
	for _, k := range []string{"mirrorlist", "metalink", "baseurl"} {
		for _, u := range strings.FieldsFunc(s.keys[k], func(r rune) bool { return r == '\n' || r == ',' || r == ' ' || r == '\t' }) {
			u = expandVars(u, vars)
			if dropQuery {
				u, _, _ = strings.Cut(u, "?")
			}
			urls = append(urls, strings.TrimRight(u, "/"))
		}
	}
	urls = cleanURLs(urls)
	if len(urls) == 0 {
		c.warn("repo %s: no usable URL", s.name)
		return
	}
	id := s.name
	if cpe != "" {
		id = cpe + "-" + id
	}
	c.r.Repos = append(c.r.Repos, wire.Repo{Type: "rpm", Name: name, ID: id, Priority: -prio, URLs: urls})
}

// modules reads the enabled dnf module streams from /etc/dnf/modules.d/*.module.
func (c *collector) modules() []wire.Module {
	var out []wire.Module
	for _, f := range c.glob("/etc/dnf/modules.d/*.module") {
		b, _ := c.readFile(f)
		for _, s := range parseINI(b) {
			if strings.ToLower(s.keys["state"]) != "enabled" || s.keys["stream"] == "" {
				continue
			}
			name := s.keys["name"]
			if name == "" {
				name = s.name
			}
			out = append(out, wire.Module{Name: name, Stream: s.keys["stream"], Arch: c.r.Arch})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
