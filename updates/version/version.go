// Package version holds the version rules of every package type patchward knows (deb, rpm,
// arch, apk, gentoo) on plain strings, and the one list of those types. It imports nothing of
// patchward so that the server's update finding, the agent and the fleet simulator share one
// ordering per type.
package version

import (
	"strconv"
	"strings"
)

// EVR is a package version in the parts package managers keep apart: epoch, version and
// release (Debian's revision, rpm's release, pacman's pkgrel, apk's -rN).
type EVR struct {
	Epoch   string
	Version string
	Release string
}

// String joins the parts as [epoch:]version[-release], the form dpkg, pacman and apk compare.
func (v EVR) String() string {
	s := v.Version
	if v.Epoch != "" {
		s = v.Epoch + ":" + s
	}
	if v.Release != "" {
		s += "-" + v.Release
	}
	return s
}

// ParseEVR splits [epoch:]version[-release] like rpm's parseEVR: the epoch is the leading
// digits before a ':', the release follows the last '-'.
func ParseEVR(s string) EVR {
	var v EVR
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	if n < len(s) && s[n] == ':' {
		v.Epoch, s = s[:n], s[n+1:]
	}
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		v.Version, v.Release = s[:i], s[i+1:]
		return v
	}
	v.Version = s
	return v
}

// Type is one package type. Adding a distribution means one entry in Types here plus one
// registration in repo (its metadata parser, or an explicit none) and one in ingest (its
// normaliser); a test in the root package checks that every entry has all three.
type Type struct {
	Name string
	// Compare orders two versions of this type; it returns -1, 0 or +1.
	Compare func(a, b EVR) int
	// IndepArch is the architecture of architecture-independent packages ("all", "noarch"),
	// which may switch with the native arch on upgrade; "" when the type has none.
	IndepArch string
}

// Types lists every package type a report may carry, with its version rule: dpkg for deb,
// rpm's labelCompare for rpm (and gentoo, as Patchman does), libalpm's vercmp for arch,
// apk-tools' apk_version_compare for apk.
var Types = []Type{
	{Name: "deb", Compare: compareDebEVR, IndepArch: "all"},
	{Name: "rpm", Compare: CompareRPM, IndepArch: "noarch"},
	{Name: "arch", Compare: compareArchEVR, IndepArch: "any"},
	{Name: "apk", Compare: compareAPKEVR, IndepArch: "noarch"},
	{Name: "gentoo", Compare: CompareRPM},
}

// Lookup returns the listed type of that name.
func Lookup(name string) (Type, bool) {
	for _, t := range Types {
		if t.Name == name {
			return t, true
		}
	}
	return Type{}, false
}

// Compare orders two versions of the package type typ with the rules of its package manager.
// It returns -1, 0 or +1. Unknown types get dpkg's algorithm, the closest general-purpose
// ordering.
//
// Update finding compares versions millions of times in a fleet-wide run, so the comparators
// are allocation-free ports of the C originals (dpkg's verrevcmp, rpm's rpmvercmp, libalpm's
// rpmvercmp) rather than the regexp-based go-deb-version / go-rpm-version; the tests check
// them against the real tools and against those libraries.
func Compare(typ string, a, b EVR) int {
	if t, ok := Lookup(typ); ok {
		return t.Compare(a, b)
	}
	return compareDebEVR(a, b)
}

func compareDebEVR(a, b EVR) int  { return CompareDeb(a.String(), b.String()) }
func compareArchEVR(a, b EVR) int { return CompareArch(a.String(), b.String()) }
func compareAPKEVR(a, b EVR) int  { return CompareAPK(a.String(), b.String()) }

// CompareDeb compares two full Debian versions ([epoch:]upstream[-revision]) exactly as
// `dpkg --compare-versions` does, including strings dpkg only warns about (a version starting
// with a letter, unusual characters) which go-deb-version rejects. Strings dpkg refuses outright
// (non-numeric epoch, empty revision) are compared leniently but deterministically.
func CompareDeb(a, b string) int {
	ea, va, ra := parseDeb(a)
	eb, vb, rb := parseDeb(b)
	if ea != eb {
		if ea < eb {
			return -1
		}
		return 1
	}
	if c := verrevcmp(va, vb); c != 0 {
		return c
	}
	return verrevcmp(ra, rb)
}

// parseDeb splits a Debian version like dpkg's parseversion: blanks trimmed, epoch before the
// first colon, revision after the last hyphen. A malformed epoch is kept as part of the
// version with epoch 0 instead of failing.
func parseDeb(s string) (epoch int64, version, revision string) {
	s = strings.Trim(s, " \t")
	if i := strings.IndexByte(s, ':'); i >= 0 {
		if e, err := strconv.ParseInt(s[:i], 10, 32); err == nil && e >= 0 {
			epoch, s = e, s[i+1:]
		}
	}
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		return epoch, s[:i], s[i+1:]
	}
	return epoch, s, ""
}

// debOrder is dpkg's order(): digits 0, letters themselves, '~' before everything (even the
// end of the string), other characters after all letters.
func debOrder(c byte) int {
	switch {
	case isDigit(c):
		return 0
	case isAlpha(c):
		return int(c)
	case c == '~':
		return -1
	default:
		return int(c) + 256
	}
}

// verrevcmp is dpkg's lib/dpkg/version.c verrevcmp.
func verrevcmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			ac, bc := 0, 0
			if i < len(a) {
				ac = debOrder(a[i])
			}
			if j < len(b) {
				bc = debOrder(b[j])
			}
			if ac != bc {
				return sign(ac - bc)
			}
			i++
			j++
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		firstDiff := 0
		for i < len(a) && j < len(b) && isDigit(a[i]) && isDigit(b[j]) {
			if firstDiff == 0 {
				firstDiff = int(a[i]) - int(b[j])
			}
			i++
			j++
		}
		if i < len(a) && isDigit(a[i]) {
			return 1
		}
		if j < len(b) && isDigit(b[j]) {
			return -1
		}
		if firstDiff != 0 {
			return sign(firstDiff)
		}
	}
	return 0
}

// CompareRPM compares two rpm packages' epoch:version-release like rpm's rpmverCmp (what
// rpm.vercmp and dnf use): a missing epoch is 0, and the release is only compared when both
// sides have one. Tilde sorts before anything, caret after the base version.
func CompareRPM(a, b EVR) int {
	ea, eb := a.Epoch, b.Epoch
	if ea == "" {
		ea = "0"
	}
	if eb == "" {
		eb = "0"
	}
	if c := rpmvercmp(ea, eb); c != 0 {
		return c
	}
	if c := rpmvercmp(a.Version, b.Version); c != 0 {
		return c
	}
	if a.Release == "" || b.Release == "" {
		return 0
	}
	return rpmvercmp(a.Release, b.Release)
}

// rpmvercmp is rpm's rpmio/rpmvercmp.c (rpm >= 4.15, with caret support).
func rpmvercmp(a, b string) int {
	if a == b {
		return 0
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isAlnum(a[i]) && a[i] != '~' && a[i] != '^' {
			i++
		}
		for j < len(b) && !isAlnum(b[j]) && b[j] != '~' && b[j] != '^' {
			j++
		}
		ca, cb := at(a, i), at(b, j)
		if ca == '~' || cb == '~' {
			if ca != '~' {
				return 1
			}
			if cb != '~' {
				return -1
			}
			i++
			j++
			continue
		}
		if ca == '^' || cb == '^' {
			if ca == 0 {
				return -1
			}
			if cb == 0 {
				return 1
			}
			if ca != '^' {
				return 1
			}
			if cb != '^' {
				return -1
			}
			i++
			j++
			continue
		}
		if ca == 0 || cb == 0 {
			break
		}
		segA, segB, isNum := segments(a[i:], b[j:])
		if segB == "" {
			if isNum {
				return 1
			}
			return -1
		}
		if c := compareSegment(segA, segB, isNum); c != 0 {
			return c
		}
		i += len(segA)
		j += len(segB)
	}
	if i >= len(a) && j >= len(b) {
		return 0
	}
	if i >= len(a) {
		return -1
	}
	return 1
}

// segments cuts the leading all-digit (or all-letter, decided by a) run from a and b.
func segments(a, b string) (segA, segB string, isNum bool) {
	isNum = isDigit(a[0])
	class := isAlpha
	if isNum {
		class = isDigit
	}
	n := 0
	for n < len(a) && class(a[n]) {
		n++
	}
	m := 0
	for m < len(b) && class(b[m]) {
		m++
	}
	return a[:n], b[:m], isNum
}

// compareSegment compares two segments of the same class: numbers by value (leading zeros
// dropped, longer wins, so no overflow), letters by strcmp.
func compareSegment(a, b string, isNum bool) int {
	if isNum {
		a = strings.TrimLeft(a, "0")
		b = strings.TrimLeft(b, "0")
		if len(a) != len(b) {
			if len(a) > len(b) {
				return 1
			}
			return -1
		}
	}
	return sign(strings.Compare(a, b))
}

// CompareArch compares two Arch Linux versions ([epoch:]pkgver[-pkgrel]) like libalpm's
// alpm_pkg_vercmp (pacman's `vercmp`): epoch defaults to 0, the pkgrel is only compared when
// both sides have one, and segments follow libalpm's own rpmvercmp (no tilde or caret rules,
// a longer separator run wins, a trailing letter segment loses to the end of the string).
func CompareArch(a, b string) int {
	if a == b {
		return 0
	}
	ea, va, ra, hasRA := parseArchEVR(a)
	eb, vb, rb, hasRB := parseArchEVR(b)
	if c := alpmvercmp(ea, eb); c != 0 {
		return c
	}
	if c := alpmvercmp(va, vb); c != 0 || !hasRA || !hasRB {
		return c
	}
	return alpmvercmp(ra, rb)
}

// parseArchEVR is libalpm's parseEVR: an epoch only when the leading digits end in ':', the
// release after the last '-' that follows them.
func parseArchEVR(s string) (epoch, version, release string, hasRelease bool) {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	epoch, start := "0", 0
	if n < len(s) && s[n] == ':' {
		if n > 0 {
			epoch = s[:n]
		}
		start = n + 1
	}
	// The release separator is the last '-' after the epoch digits, as in libalpm.
	if k := strings.LastIndexByte(s[n:], '-'); k >= 0 {
		cut := n + k
		return epoch, s[start:cut], s[cut+1:], true
	}
	return epoch, s[start:], "", false
}

// alpmvercmp is libalpm's lib/libalpm/version.c rpmvercmp (which predates rpm's tilde and caret).
func alpmvercmp(a, b string) int {
	if a == b {
		return 0
	}
	i, j := 0, 0
	pi, pj := 0, 0 // ends of the previous segments, to measure separator runs
	for i < len(a) && j < len(b) {
		for i < len(a) && !isAlnum(a[i]) {
			i++
		}
		for j < len(b) && !isAlnum(b[j]) {
			j++
		}
		if i >= len(a) || j >= len(b) {
			break
		}
		if i-pi != j-pj {
			if i-pi < j-pj {
				return -1
			}
			return 1
		}
		segA, segB, isNum := segments(a[i:], b[j:])
		if segB == "" {
			if isNum {
				return 1
			}
			return -1
		}
		if c := compareSegment(segA, segB, isNum); c != 0 {
			return c
		}
		i += len(segA)
		j += len(segB)
		pi, pj = i, j
	}
	if i >= len(a) && j >= len(b) {
		return 0
	}
	// libalpm's "final showdown": a remaining letter run never beats the end of the string.
	if (i >= len(a) && !isAlpha(at(b, j))) || isAlpha(at(a, i)) {
		return -1
	}
	return 1
}

func at(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
