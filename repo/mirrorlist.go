package repo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"strings"

	"patchward/store"
)

// isMirrorList reports whether an rpm repo URL is a mirrorlist or metalink rather than a
// repository base (yum's mirrorlist= and metalink= URLs: Fedora, EPEL, Rocky, Alma, openSUSE).
func isMirrorList(u string) bool {
	l := strings.ToLower(u)
	return strings.Contains(l, "mirrorlist") || strings.Contains(l, "metalink")
}

// expandVars replaces yum's $basearch and $arch with the repo's arch and $releasever with
// release when known (clients normally send URLs already expanded).
func expandVars(u, arch, release string) string {
	var pairs []string
	if arch != "" {
		pairs = append(pairs, "$basearch", arch, "${basearch}", arch, "$arch", arch, "${arch}", arch)
	}
	if release != "" {
		pairs = append(pairs, "$releasever", release, "${releasever}", release)
	}
	if len(pairs) == 0 {
		return u
	}
	return strings.NewReplacer(pairs...).Replace(u)
}

// releaseVer guesses $releasever from an OS string: its first number's major part ("Rocky
// Linux 9.3" -> "9", "Fedora Linux 40" -> "40"), as dnf derives it on EL and Fedora.
func releaseVer(osName string) string {
	start := strings.IndexAny(osName, "0123456789")
	if start < 0 {
		return ""
	}
	end := start
	for end < len(osName) && osName[end] >= '0' && osName[end] <= '9' {
		end++
	}
	return osName[start:end]
}

// repoReleaseVer is $releasever for m's repo: from the OS of the hosts using it.
func (r *Refresher) repoReleaseVer(ctx context.Context, m store.Mirror) string {
	if !strings.Contains(m.URL, "releasever") {
		return ""
	}
	names, err := r.db.RepoOSNames(ctx, m.RepoID, 1)
	if err != nil || len(names) == 0 {
		return ""
	}
	return releaseVer(names[0])
}

// resolveMirrorList fetches a mirrorlist (one URL per line) or metalink (XML with <url>
// elements naming repomd.xml) and returns at most Options.MaxMirrorsPerRepo repository base
// URLs, in the list's order of preference.
func (r *Refresher) resolveMirrorList(ctx context.Context, m store.Mirror) ([]string, error) {
	rel := r.repoReleaseVer(ctx, m)
	listURL := expandVars(m.URL, m.RepoArch, rel)
	f, err := r.fetch.get(ctx, listURL, validators{})
	if err != nil {
		return nil, fmt.Errorf("resolve mirror list: %w", err)
	}
	var urls []string
	if bytes.Contains(f.Body[:min(len(f.Body), 512)], []byte("<metalink")) {
		urls, err = parseMetalink(bytes.NewReader(f.Body))
	} else {
		urls, err = parseMirrorList(bytes.NewReader(f.Body))
	}
	if err != nil {
		return nil, fmt.Errorf("resolve mirror list %s: %w", listURL, err)
	}
	var out []string
	seen := map[string]bool{}
	for _, u := range urls {
		u = strings.TrimSuffix(strings.TrimSuffix(expandVars(u, m.RepoArch, rel), "/repodata/repomd.xml"), "/")
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || seen[u] {
			continue
		}
		seen[u] = true
		out = append(out, u)
		if len(out) == r.opts.MaxMirrorsPerRepo {
			break
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("resolve mirror list %s: no http(s) mirrors listed", listURL)
	}
	return out, nil
}

// parseMirrorList reads a mirrorlist: one URL per line, '#' comments.
func parseMirrorList(rd io.Reader) ([]string, error) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 4096), 64<<10)
	var out []string
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		out = append(out, line)
	}
	return out, sc.Err()
}

// parseMetalink reads the <url> elements of a metalink (version 3 and 4) in document order:
// mirror managers already sort them by preference.
func parseMetalink(rd io.Reader) ([]string, error) {
	dec := xml.NewDecoder(rd)
	depth := 0
	inURL := false
	var text []byte
	var out []string
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > 32 {
				return nil, fmt.Errorf("metalink nested too deep")
			}
			inURL, text = t.Name.Local == "url", text[:0]
		case xml.CharData:
			if inURL && len(text) < 8192 {
				text = append(text, t...)
			}
		case xml.EndElement:
			depth--
			if inURL {
				if s := strings.TrimSpace(string(text)); s != "" {
					out = append(out, s)
				}
				inURL = false
			}
		}
	}
}
