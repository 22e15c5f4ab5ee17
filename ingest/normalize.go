package ingest

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"patchward/store"
)

// gentooMirrorList replaces rsync/git sync URIs of gentoo repos, which cannot be fetched over
// HTTP; it is what Patchman does too.
const gentooMirrorList = "https://api.gentoo.org/mirrors/distfiles.xml"

// decodePlus turns the client's "%2b" escape back into "+" (patchman-client protocol 2 leaves
// it in rpm package fields). Only that escape is decoded: yum output doubles "%" to "%%", so a
// general URL-unescape would corrupt other values.
func decodePlus(s string) string {
	if !strings.Contains(s, "%2") {
		return s
	}
	return strings.NewReplacer("%2b", "+", "%2B", "+").Replace(s)
}

// decodeKernel URL-decodes the kernel release as Patchman does ("%2b" -> "+").
func decodeKernel(s string) string {
	s = strings.TrimSpace(s)
	if d, err := url.PathUnescape(s); err == nil {
		return d
	}
	return decodePlus(s)
}

// normalizeHostname is store.NormalHostname: every spelling of a name is one host.
func normalizeHostname(s string) string { return store.NormalHostname(s) }

// isHostname reports whether s (normalised) is a DNS name: dot-separated labels of 1 to 63
// ASCII letters, digits, '-' (not at either end of a label) and '_', 253 bytes at most. Every
// protocol and enrollment check names with it: a name is shown on pages, in CSV exports and
// in logs, so formula and shell metacharacters and replacement characters are kept out.
func isHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// checkHost checks the host fields every report needs; hostField is the protocol's name for
// the host name, missing the message for an absent field.
func checkHost(r store.HostReport, hostField, missing string) error {
	for _, req := range []struct{ name, val string }{{hostField, r.Hostname}, {"os", r.OS}, {"kernel", r.Kernel}, {"arch", r.Arch}} {
		if req.val == "" {
			return &ParseError{Field: req.name, Msg: missing}
		}
		if len(req.val) > 255 {
			return &ParseError{Field: req.name, Msg: "longer than 255 bytes"}
		}
	}
	if !isHostname(r.Hostname) {
		return &ParseError{Field: hostField, Msg: fmt.Sprintf("%q is not a host name", clip(r.Hostname))}
	}
	return nil
}

// normalizer is what the intake does to a report's items of one package type beyond the
// cleaning common to all types.
type normalizer struct {
	// repoURL rewrites one URL a repository of this type reported; nil keeps it.
	repoURL func(u string) string
}

// normalizers registers, per package type of updates/version.Types, its normaliser; the types
// listed here are the ones a report may carry. Adding a distribution is one entry here (the
// table test in the root package checks that every listed type has one).
var normalizers = map[string]normalizer{
	"deb":    {},
	"rpm":    {},
	"arch":   {},
	"apk":    {},
	"gentoo": {repoURL: gentooRepoURL},
}

// Normalizes reports whether the intake accepts package type typ (has its normaliser).
func Normalizes(typ string) bool {
	_, ok := normalizers[typ]
	return ok
}

// gentooRepoURL replaces a sync URI (rsync, git) with the gentoo mirror list.
func gentooRepoURL(u string) string {
	if !isHTTPURL(u) {
		return gentooMirrorList
	}
	return u
}

// normalizePackage applies Patchman's normalisation to one package: "0" and "(none)" epochs
// dropped, empty arch "unknown", "%2b" decoded. Unlike Patchman, names keep their case: rpm and
// pacman names are case-sensitive and must match the repositories' names exactly. It reports
// false for packages that are not packages (gpg-pubkey pseudo-packages).
func normalizePackage(k *store.PackageKey) bool {
	k.Type = strings.ToLower(strings.TrimSpace(k.Type))
	k.Name = decodePlus(strings.TrimSpace(k.Name))
	k.Arch = strings.TrimSpace(k.Arch)
	k.Epoch = strings.TrimSpace(k.Epoch)
	k.Version = decodePlus(strings.TrimSpace(k.Version))
	k.Release = decodePlus(strings.TrimSpace(k.Release))
	switch k.Epoch {
	case "0", "(none)", "None", "none":
		k.Epoch = ""
	}
	if k.Arch == "" {
		k.Arch = "unknown"
	}
	return k.Name != "gpg-pubkey"
}

// checkPackage says what is wrong with a normalised package, or "".
func checkPackage(k store.PackageKey) string {
	switch {
	case k.Name == "":
		return "package name is empty"
	case k.Version == "":
		return fmt.Sprintf("package %s has no version", k.Name)
	case !Normalizes(k.Type):
		return fmt.Sprintf("package %s has unknown type %q", k.Name, k.Type)
	}
	return ""
}

// cleanTags trims tags, drops empty ones and Patchman's "Default" placeholder, and removes
// case-insensitive duplicates. No tags gives nil.
func cleanTags(tags []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.TrimSpace(t)
		key := strings.ToLower(t)
		if t == "" || key == "default" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, t)
	}
	return out
}

// quotedFields splits a line of single-quoted fields, e.g. 'bash' '1' '5.2', as patchman-client
// writes them. There is no escaping in that format, so a quote always ends a field. Fields are
// appended to dst[:0] so that a caller parsing many lines reuses one slice.
func quotedFields(dst []string, line string) ([]string, error) {
	out := dst[:0]
	s := strings.TrimSpace(line)
	for s != "" {
		if s[0] != '\'' {
			return nil, fmt.Errorf("expected a quoted field at %q", clip(s))
		}
		end := strings.IndexByte(s[1:], '\'')
		if end < 0 {
			return nil, fmt.Errorf("unterminated quote in %q", clip(s))
		}
		out = append(out, s[1:1+end])
		s = s[2+end:]
		for s != "" && (s[0] == ' ' || s[0] == '\t') {
			s = s[1:]
		}
	}
	return out, nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// normalizeRepo checks and cleans a reported repo in place; the result says why it must be
// skipped, or "". Gentoo sync URIs (rsync, git) become the gentoo mirror list; other URLs must
// be http(s) or ftp(s).
func normalizeRepo(r *store.ReportedRepo) string {
	r.Type = strings.ToLower(strings.TrimSpace(r.Type))
	r.Name = stripUserinfo(strings.TrimSpace(r.Name))
	r.Ident = stripUserinfo(strings.TrimSpace(r.Ident))
	norm, ok := normalizers[r.Type]
	if !ok {
		return fmt.Sprintf("repo %q has unknown type %q", r.Name, r.Type)
	}
	if r.Name == "" {
		return "repo has no name"
	}
	var urls []string
	for _, u := range r.URLs {
		u = store.NormalizeMirrorURL(stripUserinfo(u))
		if u == "" {
			continue
		}
		if norm.repoURL != nil {
			u = norm.repoURL(u)
		}
		if !isHTTPURL(u) {
			continue
		}
		urls = append(urls, u)
	}
	r.URLs = urls
	if len(urls) == 0 {
		return fmt.Sprintf("repo %q has no http(s) or ftp URL", r.Name)
	}
	return ""
}

// stripUserinfo is store.StripUserinfo: reported credentials are never stored or shown.
func stripUserinfo(s string) string { return store.StripUserinfo(s) }

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ftp", "ftps":
		return true
	}
	return false
}

// parsePriority reads a repo priority; ok is false when it is not an integer.
func parsePriority(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}

// splitNameArch splits "NAME.ARCH" at the last dot.
func splitNameArch(s string) (name, arch string, ok bool) {
	i := strings.LastIndexByte(s, '.')
	if i <= 0 || i == len(s)-1 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// finishUpdates decides whether a report's client-computed updates replace the host's. A
// report that carries repos comes from a full client run, which computes local updates
// whenever they apply: an empty list then means "none". A hook run (no repos) computes none,
// so its empty list means "not reported" (nil).
func finishUpdates(r *store.HostReport) {
	if r.Updates == nil && r.Repos != nil {
		r.Updates = []store.ClientUpdate{}
	}
}

// updateList collects client updates, keeping one per (name, arch): security beats bugfix.
type updateList struct {
	list []store.ClientUpdate
	idx  map[[2]string]int
}

func (l *updateList) add(u store.ClientUpdate) {
	u.Name = decodePlus(strings.TrimSpace(u.Name))
	u.Arch = strings.TrimSpace(u.Arch)
	u.Version = decodePlus(strings.TrimSpace(u.Version))
	u.Repo = strings.TrimSpace(u.Repo)
	if l.idx == nil {
		l.idx = map[[2]string]int{}
	}
	key := [2]string{u.Name, u.Arch}
	if i, ok := l.idx[key]; ok {
		if u.Security && !l.list[i].Security {
			l.list[i] = u
		}
		return
	}
	l.idx[key] = len(l.list)
	l.list = append(l.list, u)
}
