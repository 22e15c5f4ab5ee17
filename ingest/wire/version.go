package wire

import (
	"cmp"
	"strconv"
	"strings"
)

// Client kinds as the server stores them per host.
const (
	ClientPatchman = "patchman-client" // Patchman's bash client, protocol 1 or 2
	ClientAgent    = "patchward-agent" // this program's agent, native protocol
)

// semver is a parsed release version: MAJOR.MINOR.PATCH with an optional pre-release.
type semver struct {
	num [3]int
	pre []string
}

// parseSemver reads "1.2.3", "v1.2.3", "1.2" or "1.2.3-rc.1+build" (build metadata ignored).
// Anything else ("dev", "dev-0123456789ab", "(devel)", "") is not a release: ok is false.
func parseSemver(v string) (semver, bool) {
	var s semver
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	v, _, _ = strings.Cut(v, "+")
	v, pre, hasPre := strings.Cut(v, "-")
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return s, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p == "" || (len(p) > 1 && p[0] == '0') {
			return s, false
		}
		s.num[i] = n
	}
	if hasPre {
		if pre == "" {
			return s, false
		}
		s.pre = strings.Split(pre, ".")
	}
	return s, true
}

// CompareVersions orders two patchward versions by semantic versioning (a pre-release sorts
// before its release; numeric pre-release parts compare as numbers). ok is false when either
// is not a release version (a dev build, unknown): such versions are never ordered, so a dev
// build is neither outdated nor updated.
func CompareVersions(a, b string) (c int, ok bool) {
	x, okA := parseSemver(a)
	y, okB := parseSemver(b)
	if !okA || !okB {
		return 0, false
	}
	for i := range x.num {
		if c := cmp.Compare(x.num[i], y.num[i]); c != 0 {
			return c, true
		}
	}
	switch {
	case len(x.pre) == 0 && len(y.pre) == 0:
		return 0, true
	case len(x.pre) == 0:
		return 1, true
	case len(y.pre) == 0:
		return -1, true
	}
	for i := 0; i < len(x.pre) && i < len(y.pre); i++ {
		if c := comparePre(x.pre[i], y.pre[i]); c != 0 {
			return c, true
		}
	}
	return cmp.Compare(len(x.pre), len(y.pre)), true
}

// comparePre compares pre-release identifiers: numbers numerically and below words.
func comparePre(a, b string) int {
	na, errA := strconv.Atoi(a)
	nb, errB := strconv.Atoi(b)
	switch {
	case errA == nil && errB == nil:
		return cmp.Compare(na, nb)
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}

// Outdated reports whether an agent at version agent is older than a server at version
// server. Unknown or dev versions on either side are never outdated.
func Outdated(agent, server string) bool {
	c, ok := CompareVersions(agent, server)
	return ok && c < 0
}
