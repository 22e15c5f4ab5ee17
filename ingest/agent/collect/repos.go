package collect

import (
	"path/filepath"
	"strings"

	"patchward/ingest/wire"
)

// repos collects every kind of repository configuration present under the root.
func (c *collector) repos() {
	c.aptRepos()
	c.yumRepos()
	c.zypperRepos()
	c.pacmanRepos()
	c.apkRepos()
}

// pacmanRepos reads /etc/pacman.conf and its Include files. Like patchman-client, $repo becomes
// the repo name and $arch expands to nothing (the server appends <arch>/<repo>.db), and no
// priority is sent (0): pacman uses the first repo that has a package.
func (c *collector) pacmanRepos() {
	b, err := c.readFile("/etc/pacman.conf")
	if err != nil {
		c.repoWarn("pacman: %v", err)
	}
	if b == nil {
		return
	}
	var order []string
	urls := map[string][]string{}
	section := ""
	var read func(b []byte, depth int)
	read = func(b []byte, depth int) {
		for _, line := range strings.Split(string(b), "\n") {
			line, _, _ = strings.Cut(line, "#")
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
				section = strings.TrimSpace(line[1 : len(line)-1])
				if section != "options" {
					if _, ok := urls[section]; !ok {
						order = append(order, section)
						urls[section] = nil
					}
				}
				continue
			}
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" || section == "options" {
				continue
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			switch k {
			case "Server":
				v = strings.ReplaceAll(strings.ReplaceAll(v, "$repo", section), "$arch", "")
				urls[section] = append(urls[section], strings.TrimRight(v, "/"))
			case "Include":
				if depth > 4 {
					continue
				}
				matches, _ := filepath.Glob(c.o.path(v))
				for _, m := range matches {
					rel := m
					if !c.o.realRoot() {
						rel = "/" + strings.TrimPrefix(strings.TrimPrefix(m, c.o.Root), "/")
					}
					if inc, err := c.readFile(rel); err == nil && inc != nil {
						keep := section
						read(inc, depth+1)
						section = keep
					}
				}
			}
		}
	}
	read(b, 0)
	for _, name := range order {
		u := cleanURLs(urls[name])
		if len(u) == 0 {
			continue
		}
		c.r.Repos = append(c.r.Repos, wire.Repo{Type: "arch", Name: "Arch Linux " + name + " " + c.r.Arch, ID: name, URLs: u})
	}
}

// apkRepos reads /etc/apk/repositories: one URL per line, "@tag URL" for tagged repositories
// (used only for packages pinned to the tag, so they rank below untagged ones).
func (c *collector) apkRepos() {
	b, err := c.readFile("/etc/apk/repositories")
	if err != nil {
		c.repoWarn("apk: %v", err)
	}
	if b == nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		line, _, _ = strings.Cut(line, "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		prio, tag, u := 0, "", f[0]
		if strings.HasPrefix(f[0], "@") && len(f) > 1 {
			prio, tag, u = -1, f[0], f[1]
		}
		u = cleanURL(strings.TrimRight(u, "/"))
		if !isFetchable(u) {
			continue
		}
		name := strings.Join(strings.Fields("Alpine "+tag+" "+u), " ")
		c.r.Repos = append(c.r.Repos, wire.Repo{Type: "apk", Name: name, ID: strings.TrimPrefix(tag, "@"), Priority: prio, URLs: []string{u}})
	}
}
