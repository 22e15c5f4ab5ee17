package store

import (
	"strings"
	"unicode"
)

// CleanText removes what must never reach a page, a CSV file or a log line from text that came
// from outside (reports, repository metadata): C0 and C1 control characters (NUL, escape
// sequences, ...) and Unicode bidirectional overrides, which can make a name read as another.
// Ordinary text is returned as it is, without allocating.
func CleanText(s string) string {
	if strings.IndexFunc(s, unwanted) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unwanted(r) {
			return -1
		}
		return r
	}, s)
}

func unwanted(r rune) bool {
	switch {
	case r == '\t', r == '\n':
		return false // kept: multi-line fields (descriptions) may carry them; HTML shows them as spaces
	case unicode.IsControl(r):
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F:
		return true
	}
	return false
}

// clean makes every text field of a report safe to store (see CleanText).
func (r *HostReport) clean() {
	for _, p := range []*string{&r.Hostname, &r.OS, &r.Kernel, &r.Arch, &r.Agent, &r.Client, &r.ClientVersion, &r.AgentUpdate} {
		*p = CleanText(*p)
	}
	for i := range r.Tags {
		r.Tags[i] = CleanText(r.Tags[i])
	}
	for i := range r.Held {
		r.Held[i] = CleanText(r.Held[i])
	}
	for k, v := range r.OSRelease {
		r.OSRelease[k] = CleanText(v)
	}
	for i := range r.Packages {
		r.Packages[i].clean()
	}
	for i := range r.Repos {
		rp := &r.Repos[i]
		rp.Name, rp.Ident = CleanText(rp.Name), CleanText(rp.Ident)
		for j := range rp.URLs {
			rp.URLs[j] = CleanText(rp.URLs[j])
		}
	}
	for i := range r.Modules {
		m := &r.Modules[i]
		m.Name, m.Stream, m.Version, m.Context, m.Arch, m.Repo = CleanText(m.Name), CleanText(m.Stream),
			CleanText(m.Version), CleanText(m.Context), CleanText(m.Arch), CleanText(m.Repo)
	}
	for i := range r.Updates {
		u := &r.Updates[i]
		u.Name, u.Arch, u.Version, u.Repo = CleanText(u.Name), CleanText(u.Arch), CleanText(u.Version), CleanText(u.Repo)
	}
}

func (k *PackageKey) clean() {
	k.Type, k.Name, k.Arch = CleanText(k.Type), CleanText(k.Name), CleanText(k.Arch)
	k.Epoch, k.Version, k.Release = CleanText(k.Epoch), CleanText(k.Version), CleanText(k.Release)
}
