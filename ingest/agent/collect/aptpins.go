package collect

import (
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// aptPin is one "Package: *" record of apt's preferences: only those set a source's priority.
type aptPin struct {
	kind     string            // "release" or "origin"
	fields   map[string]string // release: a, n, o, l, c, v, b
	origin   string
	priority int
}

// aptRelease is what a source's Release file says about it.
type aptRelease struct {
	known                                   bool
	origin, label, suite, codename, version string
	notAutomatic, butAutomatic              bool
}

// aptPins computes source priorities as apt's policy does for the common cases: the first
// matching "Package: *" pin wins; otherwise 990 for APT::Default-Release, 1 for NotAutomatic
// releases, 100 for NotAutomatic + ButAutomaticUpgrades (backports), 500 for the rest.
type aptPins struct {
	c          *collector
	pins       []aptPin
	defaultRel string
	policy     map[string]int // from apt-cache policy, when a Release file was not readable
	ranPolicy  bool
}

func (c *collector) newAptPins() *aptPins {
	p := &aptPins{c: c}
	files := append([]string{"/etc/apt/preferences"}, c.glob("/etc/apt/preferences.d/*")...)
	for _, f := range files {
		base := path.Base(f)
		if f != "/etc/apt/preferences" && strings.Contains(base, ".") && !strings.HasSuffix(base, ".pref") {
			continue // apt ignores preferences.d files with other extensions
		}
		b, _ := c.readFile(f)
		p.pins = append(p.pins, parsePreferences(b)...)
	}
	re := regexp.MustCompile(`(?i)APT::Default-Release\s+"([^"]*)"`)
	for _, f := range append([]string{"/etc/apt/apt.conf"}, c.glob("/etc/apt/apt.conf.d/*")...) {
		b, _ := c.readFile(f)
		if m := re.FindSubmatch(b); m != nil {
			p.defaultRel = string(m[1])
		}
	}
	return p
}

// parsePreferences reads preferences records (Package, Pin, Pin-Priority), keeping the ones that
// apply to every package.
func parsePreferences(b []byte) []aptPin {
	var out []aptPin
	var clean strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") && !strings.HasPrefix(line, "Explanation:") {
			clean.WriteString(line + "\n")
		}
	}
	stanzas([]byte(clean.String()), []string{"Package", "Pin", "Pin-Priority"}, func(f map[string]string) {
		if strings.TrimSpace(f["Package"]) != "*" {
			return
		}
		prio, err := strconv.Atoi(strings.TrimSpace(f["Pin-Priority"]))
		if err != nil {
			return
		}
		kind, rest, _ := strings.Cut(strings.TrimSpace(f["Pin"]), " ")
		pin := aptPin{kind: kind, priority: prio}
		switch kind {
		case "origin":
			pin.origin = strings.Trim(strings.TrimSpace(rest), `"`)
		case "release":
			pin.fields = map[string]string{}
			for _, kv := range strings.Split(rest, ",") {
				k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
				if !ok {
					k, v = "v", k // "release 12" is a version
				}
				pin.fields[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"`)
			}
		default:
			return
		}
		out = append(out, pin)
	})
	return out
}

// priority is the pin of one source's index for one architecture.
func (p *aptPins) priority(s aptSource, base, arch string) int {
	rel := p.release(base, s.suite)
	if !rel.known {
		if prio, ok := p.fromPolicy(base, s, arch); ok {
			return prio
		}
		// Without a Release file the suite name stands in for both archive and codename.
		rel = aptRelease{suite: s.suite, codename: s.suite}
		if strings.HasSuffix(s.suite, "-backports") {
			rel.notAutomatic, rel.butAutomatic = true, true
		}
	}
	host := ""
	if u, err := url.Parse(base); err == nil {
		host = u.Hostname()
	}
	for _, pin := range p.pins {
		if pin.kind == "origin" && pin.origin == host {
			return pin.priority
		}
		if pin.kind == "release" && rel.matches(pin.fields, s.component, arch) {
			return pin.priority
		}
	}
	switch {
	case p.defaultRel != "" && (p.defaultRel == rel.suite || p.defaultRel == rel.codename || p.defaultRel == rel.version):
		return 990
	case rel.notAutomatic && rel.butAutomatic:
		return 100
	case rel.notAutomatic:
		return 1
	}
	return 500
}

func (r aptRelease) matches(f map[string]string, component, arch string) bool {
	vals := map[string]string{"a": r.suite, "n": r.codename, "o": r.origin, "l": r.label,
		"c": component, "v": r.version, "b": arch}
	for k, want := range f {
		got, ok := vals[k]
		if !ok || got == "" || !aptMatch(want, got) {
			return false
		}
	}
	return len(f) > 0
}

// aptMatch matches a pin value as apt does: /regex/, a glob, or the exact string.
func aptMatch(pattern, s string) bool {
	if len(pattern) > 2 && pattern[0] == '/' && pattern[len(pattern)-1] == '/' {
		re, err := regexp.Compile(pattern[1 : len(pattern)-1])
		return err == nil && re.MatchString(s)
	}
	if strings.ContainsAny(pattern, "*?[") {
		ok, err := path.Match(pattern, s)
		return err == nil && ok
	}
	return pattern == s
}

// release reads the suite's InRelease or Release file from apt's lists directory.
func (p *aptPins) release(base, suite string) aptRelease {
	rel := base + "/dists/" + suite + "/"
	if strings.HasSuffix(suite, "/") || suite == "./" {
		rel = base + "/" + strings.TrimPrefix(suite, "./")
	}
	name := aptListName(rel)
	for _, f := range []string{name + "InRelease", name + "Release"} {
		b, err := p.c.readFile("/var/lib/apt/lists/" + f)
		if err != nil || b == nil {
			continue
		}
		r := aptRelease{known: true}
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ": ")
			if !ok || line[0] == ' ' {
				continue
			}
			v = strings.TrimSpace(v)
			switch k {
			case "Origin":
				r.origin = v
			case "Label":
				r.label = v
			case "Suite":
				r.suite = v
			case "Codename":
				r.codename = v
			case "Version":
				r.version = v
			case "NotAutomatic":
				r.notAutomatic = strings.EqualFold(v, "yes")
			case "ButAutomaticUpgrades":
				r.butAutomatic = strings.EqualFold(v, "yes")
			}
		}
		return r
	}
	return aptRelease{}
}

// aptListName is apt's URItoFileName: the URI without scheme and credentials, a few characters
// escaped, and slashes turned into underscores.
func aptListName(uri string) string {
	if u, err := url.Parse(uri); err == nil {
		u.User = nil
		uri = u.Host + u.EscapedPath()
	}
	r := strings.NewReplacer("_", "%5f", "~", "%7e", "/", "_")
	return r.Replace(uri)
}

// fromPolicy asks apt-cache policy (once) for priorities when a Release file is not readable.
func (p *aptPins) fromPolicy(base string, s aptSource, arch string) (int, bool) {
	if !p.ranPolicy {
		p.ranPolicy = true
		if p.c.o.realRoot() {
			out, err := p.c.run("apt-cache", "policy")
			if err != nil {
				p.c.warn("apt-cache policy: %v", err)
			}
			p.policy = parseAptPolicy(out)
		}
	}
	dist := s.suite
	if s.component != "" {
		dist += "/" + s.component
	}
	prio, ok := p.policy[strings.TrimRight(base, "/")+" "+dist+" "+arch]
	return prio, ok
}

// parseAptPolicy reads apt-cache policy's source lines: " 500 URI SUITE/COMP ARCH Packages".
func parseAptPolicy(out []byte) map[string]int {
	m := map[string]int{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) != 5 || f[4] != "Packages" {
			continue
		}
		prio, err := strconv.Atoi(f[0])
		if err != nil {
			continue
		}
		m[strings.TrimRight(f[1], "/")+" "+f[2]+" "+f[3]] = prio
	}
	return m
}
