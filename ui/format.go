package ui

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ago says how long before now t was, in the largest sensible unit ("3 hours ago"); "never"
// for a zero time.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		s = plural(int(d/time.Hour), "hour")
	case d < 60*24*time.Hour:
		s = plural(int(d/(24*time.Hour)), "day")
	case d < 730*24*time.Hour:
		s = plural(int(d/(30*24*time.Hour)), "month")
	default:
		s = plural(int(d/(365*24*time.Hour)), "year")
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// plural says how many there are of a thing, in the singular for one: "1 host", "2 hosts",
// "63,000 hosts". A noun whose plural is not the singular plus "s" gives it:
// plural(n, "repository", "repositories"). Every count printed for people goes through here.
func plural(n int, one string, many ...string) string {
	switch {
	case n == 1:
		return "1 " + one
	case len(many) > 0:
		return num(n) + " " + many[0]
	}
	return num(n) + " " + one + "s"
}

// differ agrees the verb with a count: "1 package differs", "3 packages differ".
func differ(n int) string {
	if n == 1 {
		return "differs"
	}
	return "differ"
}

// absTimeLayout is the exact time shown on hover (timeAgo's title).
const absTimeLayout = "2006-01-02 15:04:05 UTC"

// num formats a count for people: thousands grouped from 10,000 up ("63,000"; "9999" stays short).
func num(n int) string {
	s := strconv.Itoa(n)
	if n < 10000 && n > -10000 {
		return s
	}
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

func itoa(n int) string   { return strconv.Itoa(n) }
func id64(n int64) string { return strconv.FormatInt(n, 10) }

// staleAfter turns the stale_days option into a duration.
func staleAfter(days int) time.Duration { return time.Duration(days) * 24 * time.Hour }

// orDash shows an en dash for an empty value.
func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func boolStr(b bool) string { return strconv.FormatBool(b) }

func slicesSortCompare(rows []compareRow) {
	slices.SortFunc(rows, func(a, b compareRow) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Arch, b.Arch))
	})
}

func slicesSortStrings(s []string) { slices.Sort(s) }

// repoLabel is a repository's short label for a host's update table, where the full name
// (patchman-client and our agent say "Debian 12 amd64 repo at http://.../dists/bookworm-security/
// main/binary-amd64") would wrap on every row: an apt source's suite and component
// ("bookworm-security/main"), else the name itself. The full name stays in the title.
func repoLabel(name string) string {
	if _, rest, ok := strings.Cut(name, "/dists/"); ok {
		if p := strings.Split(rest, "/"); len(p) >= 2 && p[0] != "" && p[1] != "" {
			return p[0] + "/" + p[1]
		}
	}
	if f := strings.Fields(name); len(f) >= 3 && aptComponents[f[len(f)-1]] {
		return f[len(f)-2] + "/" + f[len(f)-1] // "Debian bookworm-security main"
	}
	return name
}

// aptComponents are the archive components of Debian and Ubuntu.
var aptComponents = map[string]bool{"main": true, "contrib": true, "non-free": true, "non-free-firmware": true,
	"universe": true, "multiverse": true, "restricted": true}

// safeHref keeps only http(s) links from repository metadata; anything else is not linked.
func safeHref(u string) string {
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return u
	}
	return ""
}
