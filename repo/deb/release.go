package deb

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// FileSum is one file listed in a Release file's SHA256 field.
type FileSum struct {
	SHA256 string
	Size   int64
}

// Release is the part of a suite's Release (or InRelease) file that refresh uses.
type Release struct {
	Date   time.Time          // zero if absent or unparsable
	Files  map[string]FileSum // by path relative to the suite directory, e.g. "main/binary-amd64/Packages.xz"
	ByHash bool               // Acquire-By-Hash: yes (indexes are also served under by-hash/SHA256/<sum>)
}

// ParseRelease reads a Release file or a clearsigned InRelease file. The signature is not
// checked here; the armour is only stripped.
func ParseRelease(r io.Reader) (*Release, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	rel := &Release{Files: map[string]FileSum{}}
	field := ""
	signed, inBody := false, true
	n := 0
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		n++
		switch {
		case n == 1 && line == "-----BEGIN PGP SIGNED MESSAGE-----":
			signed, inBody = true, false
			continue
		case signed && !inBody:
			inBody = line == "" // armour headers ("Hash: SHA512") end at the first blank line
			continue
		case signed && line == "-----BEGIN PGP SIGNATURE-----":
			return rel.done()
		case signed && strings.HasPrefix(line, "- "):
			line = line[2:] // dash-escaped
		}
		if line == "" {
			if len(rel.Files) > 0 || !rel.Date.IsZero() {
				break // the first paragraph is the whole Release file
			}
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if field == "sha256" {
				rel.addSum(line)
			}
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("parse release line %d: no field name", n)
		}
		field = strings.ToLower(name)
		switch field {
		case "date":
			rel.Date = parseDate(strings.TrimSpace(value))
		case "acquire-by-hash":
			rel.ByHash = strings.EqualFold(strings.TrimSpace(value), "yes")
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("parse release: %w", err)
	}
	return rel.done()
}

func (rel *Release) done() (*Release, error) {
	if len(rel.Files) == 0 {
		return nil, errors.New("parse release: no SHA256 file list")
	}
	return rel, nil
}

func (rel *Release) addSum(line string) {
	f := strings.Fields(line)
	if len(f) != 3 || len(f[0]) != 64 {
		return
	}
	size, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return
	}
	rel.Files[f[2]] = FileSum{SHA256: strings.ToLower(f[0]), Size: size}
}

func parseDate(s string) time.Time {
	for _, layout := range []string{time.RFC1123, time.RFC1123Z, "Mon, 2 Jan 2006 15:04:05 MST", "Mon, 2 Jan 2006 15:04:05 -0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
