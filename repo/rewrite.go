package repo

import (
	"net/url"
	"path"
	"slices"
	"strings"
)

// sortRewrites orders rules longest prefix first, so the most specific rule wins.
func sortRewrites(rules []Rewrite) []Rewrite {
	out := slices.Clone(rules)
	slices.SortStableFunc(out, func(a, b Rewrite) int { return len(b.From) - len(a.From) })
	return out
}

// rewrite maps a URL as hosts report it to where this server reads it. ok says a rule
// applied: a file:// URL produced by a configured rule is allowed even when file URLs from
// client reports are not, because the administrator chose it.
func (f *fetcher) rewrite(rawURL string) (string, bool) {
	return applyRewrites(f.rewrites, rawURL)
}

func applyRewrites(rules []Rewrite, rawURL string) (string, bool) {
	for _, r := range rules {
		if rest, ok := strings.CutPrefix(rawURL, r.From); ok {
			// "http://a/debian" must not match "http://a/debian-security": the prefix ends at
			// a path boundary unless the rule itself ends with "/".
			if rest != "" && !strings.HasSuffix(r.From, "/") && !strings.HasPrefix(rest, "/") {
				continue
			}
			out := r.To + rest
			if !staysUnder(r.To, out) {
				// "http://public/debian/../../etc" must not read outside the local copy.
				return rawURL, false
			}
			return out, true
		}
	}
	return rawURL, false
}

// staysUnder reports whether the rewritten URL's cleaned path is still below the rule's
// target path (dot-segments in a client-reported URL cannot climb out of it).
func staysUnder(to, out string) bool {
	tu, err1 := url.Parse(to)
	ou, err2 := url.Parse(out)
	if err1 != nil || err2 != nil {
		return false
	}
	base := path.Clean("/" + tu.Path)
	p := path.Clean("/" + ou.Path)
	return p == base || strings.HasPrefix(p, strings.TrimSuffix(base, "/")+"/")
}
