package version

import "strings"

// apk version tokens, in the order apk-tools' version.c gives them: a token may only be
// followed by a token of a later kind, with the exceptions noted in apkNext.
const (
	apkInvalid = iota - 1
	apkDigitOrZero
	apkDigit
	apkLetter
	apkSuffix
	apkSuffixNo
	apkRevisionNo
	apkEnd
)

var (
	apkPreSuffixes  = []string{"alpha", "beta", "pre", "rc"}
	apkPostSuffixes = []string{"cvs", "svn", "git", "hg", "p"}
)

// CompareAPK compares two Alpine package versions (digits separated by dots, an optional
// letter, suffixes _alpha _beta _pre _rc (before the release) and _cvs _svn _git _hg _p (after
// it), each with an optional number, then -rN) as apk-tools' apk_version_compare does. Leading
// zeros make a component compare as a fraction (1.01 < 1.1), as in apk; a component of only
// zeros is 0 (see apkToken). A malformed version compares leniently but deterministically.
func CompareAPK(a, b string) int {
	at, bt := apkDigit, apkDigit
	av, bv := 0, 0
	for at == bt && at != apkEnd && at != apkInvalid && av == bv {
		av, a = apkToken(&at, a)
		bv, b = apkToken(&bt, b)
	}
	switch {
	case av < bv:
		return -1
	case av > bv:
		return 1
	case at == bt:
		return 0
	}
	// Equal so far; the longer version is newer unless what follows is a pre-release suffix.
	if at == apkSuffix && apkSuffixValue(a) < 0 {
		return -1
	}
	if bt == apkSuffix && apkSuffixValue(b) < 0 {
		return 1
	}
	switch {
	case at > bt:
		return -1
	case bt > at:
		return 1
	}
	return 0
}

// apkSuffixValue is the value get_token gives the suffix at the start of s: negative for the
// pre-release suffixes, 0 and up for the post-release ones.
func apkSuffixValue(s string) int {
	for i, p := range apkPreSuffixes {
		if strings.HasPrefix(s, p) {
			return i - len(apkPreSuffixes)
		}
	}
	for i, p := range apkPostSuffixes {
		if strings.HasPrefix(s, p) {
			return i
		}
	}
	return 0
}

// apkToken is get_token: the value of the token of kind *t at the start of s, the rest of s,
// and (in *t) the kind of the next token.
func apkToken(t *int, s string) (int, string) {
	if s == "" {
		*t = apkEnd
		return 0, s
	}
	v, i, next := 0, 0, apkInvalid
	switch *t {
	case apkDigitOrZero, apkDigit, apkSuffixNo, apkRevisionNo:
		if *t == apkDigitOrZero && s[0] == '0' {
			zeros := 0
			for zeros < len(s) && s[zeros] == '0' {
				zeros++
			}
			// Leading zeros before more digits: the component compares as a fraction, more
			// zeros being smaller (Gentoo's rule). A component that is only zeros is the number
			// 0: apk-tools 2.x treated it as leading zeros too, which made 1.0_rc1 newer than
			// 1.0; the Gentoo rules apk follows, and Alpine's pre-release practice, say older.
			if zeros < len(s) && isDigit(s[zeros]) {
				v, i, next = -zeros, zeros, apkDigit
				break
			}
		}
		for i < len(s) && isDigit(s[i]) {
			if v < 1<<50 {
				v = v*10 + int(s[i]-'0')
			}
			i++
		}
	case apkLetter:
		v, i = int(s[0]), 1
	case apkSuffix:
		found := false
		for k, p := range apkPreSuffixes {
			if strings.HasPrefix(s, p) {
				v, i, found = k-len(apkPreSuffixes), len(p), true
				break
			}
		}
		if !found {
			for k, p := range apkPostSuffixes {
				if strings.HasPrefix(s, p) {
					v, i, found = k, len(p), true
					break
				}
			}
		}
		if !found {
			*t = apkInvalid
			return -1, s
		}
		// The suffix number is optional: next_token decides between a number and another
		// suffix (1.0_alpha_pre2).
	default:
		*t = apkInvalid
		return -1, s
	}
	s = s[i:]
	switch {
	case s == "":
		*t = apkEnd
	case next != apkInvalid:
		*t = next
	default:
		s = apkNext(t, s)
	}
	return v, s
}

// apkNext is next_token: the kind of the token s starts with, given the previous kind *t,
// consuming its separator.
func apkNext(t *int, s string) string {
	n := apkInvalid
	c := s[0]
	switch {
	case (*t == apkDigit || *t == apkDigitOrZero) && c >= 'a' && c <= 'z':
		n = apkLetter
	case *t == apkLetter && isDigit(c):
		n = apkDigit
	case *t == apkSuffix && isDigit(c):
		n = apkSuffixNo
	default:
		switch c {
		case '.':
			n = apkDigitOrZero
		case '_':
			n = apkSuffix
		case '-':
			if len(s) > 1 && s[1] == 'r' {
				n = apkRevisionNo
				s = s[1:]
			}
		}
		s = s[1:]
	}
	if n < *t {
		ok := (n == apkDigitOrZero && *t == apkDigit) || (n == apkSuffix && *t == apkSuffixNo) ||
			(n == apkDigit && *t == apkLetter)
		if !ok {
			n = apkInvalid
		}
	}
	*t = n
	return s
}
