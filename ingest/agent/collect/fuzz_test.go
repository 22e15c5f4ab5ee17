package collect

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzRepoFiles feeds the same bytes to every repo-file parser: none may panic, and whatever
// URL survives cleaning carries no credentials.
func FuzzRepoFiles(f *testing.F) {
	for _, s := range []string{
		"deb [arch=amd64] http://u:p@deb.debian.org/debian bookworm main # c\ndeb-src x y z\n",
		"Types: deb\nURIs: https://a.example/ https://b.example\nSuites: s1 s2/\nComponents: main\nSigned-By:\n k\n .\n",
		"[base]\nname=$releasever\nbaseurl=http://a/$basearch/\n  http://b/?token=x&arch=1\nenabled=1\npriority=5\n",
		"Package: *\nPin: release a=*-backports, n=/x/\nPin-Priority: 100\n",
		"%NAME%\nfoo\n\n%VERSION%\n1:2-3\n",
		"P:musl\nV:1.2.5-r0\nA:x86_64\n",
		"deb [ broken http://x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := []byte(s)
		parseSourcesList(b)
		parseDeb822Sources(b)
		parsePreferences(b)
		pacmanDesc(b)
		stanzas(b, []string{"Package", "Status"}, func(map[string]string) {})
		for _, sec := range parseINI(b) {
			expandVars(sec.keys["baseurl"], map[string]string{"basearch": "x86_64"})
		}
		for _, line := range strings.Split(s, "\n") {
			c := cleanURL(line)
			if c == "" {
				continue
			}
			u, err := url.Parse(c)
			if err != nil {
				t.Fatalf("cleanURL(%q) = %q does not parse: %v", line, c, err)
			}
			if u.User != nil {
				t.Fatalf("cleanURL(%q) = %q keeps user info", line, c)
			}
			for _, part := range strings.Split(u.RawQuery, "&") {
				k, _, _ := strings.Cut(part, "=")
				if k, err := url.QueryUnescape(k); err == nil && secretParams[strings.ToLower(k)] {
					t.Fatalf("cleanURL(%q) = %q keeps secret parameter %q", line, c, k)
				}
			}
		}
	})
}
