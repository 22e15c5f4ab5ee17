package collect

import (
	"net/url"
	"strings"
)

// secretParams are query parameters that carry credentials in repository URLs (signed CDN
// URLs, SUSE/RHN tokens, artifact managers). They are dropped before a URL leaves the host.
var secretParams = map[string]bool{"token": true, "auth": true, "key": true, "apikey": true, "api_key": true,
	"access_token": true, "password": true, "passwd": true, "pass": true, "secret": true, "credentials": true,
	"sig": true, "signature": true, "x-amz-signature": true, "x-amz-credential": true,
	"x-amz-security-token": true, "ssl_client_key": true, "username": true, "user": true}

// cleanURL strips credentials from a repository URL: user:password@, secret query parameters and
// a bare token query (SUSE's "?abcdef..."). Other query parameters are kept because they
// identify the repository (Fedora's metalink?repo=fedora-40&arch=x86_64). A URL that does not
// parse is returned as "" so that it is never sent half-cleaned.
func cleanURL(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	u.User = nil
	if u.RawQuery != "" {
		if !strings.Contains(u.RawQuery, "=") {
			u.RawQuery = "" // a bare token
		} else {
			// Filter in place rather than url.Values.Encode, which would reorder the parameters
			// and so change the URL the server keys mirrors on.
			var keep []string
			for _, part := range strings.Split(u.RawQuery, "&") {
				k, _, _ := strings.Cut(part, "=")
				if k, err := url.QueryUnescape(k); err == nil {
					lk := strings.ToLower(k)
					if secretParams[lk] || strings.HasPrefix(lk, "x-amz-") {
						continue
					}
				}
				keep = append(keep, part)
			}
			u.RawQuery = strings.Join(keep, "&")
		}
	}
	u.Fragment = ""
	return u.String()
}

// cleanURLs cleans each URL and drops empty and duplicate ones, keeping order.
func cleanURLs(in []string) []string {
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, s := range in {
		if s = cleanURL(s); s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
